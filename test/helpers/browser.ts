import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

/** The system Chromium; tests never download a browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium'

/** Flags for a quiet, reproducible headless run (the browser benchmark uses them too). `--user-data-dir` is not among them: see {@link launchBrowser}. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

/** The parts of a tap `Test` the helper needs. */
export interface BrowserTest {
  teardown: (fn: () => unknown) => void
  plan: (n: number, comment?: string) => void
}

/** Options of {@link launchBrowser}. */
export interface BrowserOptions {
  /** `prefers-color-scheme` the pages see. Default `dark`. */
  readonly colorScheme?: 'dark' | 'light'
  /** Viewport in CSS pixels. Default 1280 × 800. */
  readonly viewport?: { readonly width: number, readonly height: number }
}

/** A running browser whose pages record their errors. */
export interface BrowserSession {
  readonly context: BrowserContext
  /** Console errors (a CSP violation is one) and uncaught exceptions of every page opened with {@link newPage}. */
  readonly errors: string[]
  /** Opens a page that records its errors in {@link errors}. */
  newPage: () => Promise<Page>
}

/**
 * Starts Chromium with a fresh profile in a temp dir; the browser is closed and the dir
 * removed when the test ends. playwright-core refuses `--user-data-dir` in `args`
 * ("Pass userDataDir parameter to launchPersistentContext"), hence the persistent context.
 *
 * Without Chromium: fails when `CI=true` (browser tests must run there), otherwise plans
 * zero assertions, which marks the test skipped, and returns undefined.
 */
export async function launchBrowser (t: BrowserTest, options: BrowserOptions = {}): Promise<BrowserSession | undefined> {
  if (!existsSync(CHROMIUM_PATH)) {
    const reason = `no Chromium at ${CHROMIUM_PATH}`
    if (process.env['CI'] === 'true') throw new Error(`${reason}: browser tests must run in CI; install chromium`)
    t.plan(0, `skipped: ${reason}`)
    return undefined
  }
  const userDataDir = await mkdtemp(join(tmpdir(), 'pulseboard-chromium-'))
  t.teardown(async () => await rm(userDataDir, { recursive: true, force: true }))
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport: { width: 1280, height: 800, ...options.viewport },
    colorScheme: options.colorScheme ?? 'dark'
  })
  // Registered after the dir's teardown, so it runs first: tap runs teardowns last in, first out.
  t.teardown(async () => await context.close())
  const errors: string[] = []
  const watch = (page: Page): Page => {
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`)
    })
    page.on('pageerror', (error) => { errors.push(`pageerror: ${error.message}`) })
    return page
  }
  let spare: Page | undefined = context.pages()[0]
  return {
    context,
    errors,
    newPage: async () => {
      // The persistent context opens with one blank page; use it before opening more.
      const page = spare ?? await context.newPage()
      spare = undefined
      return watch(page)
    }
  }
}
