import { existsSync } from 'node:fs'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import tap from 'tap'
import { WEB_ROOT } from './app.js'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.js'
import { coverageEnabled, reportBrowserCoverage } from './coverage.js'

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

let shared: Promise<Browser> | undefined

/**
 * The test file's one Chromium, started on first use and closed when the file's tests end:
 * a launch costs seconds, a fresh context in a running browser a fraction of that.
 */
async function sharedBrowser (): Promise<Browser> {
  if (shared === undefined) {
    shared = chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] })
    const launched = shared
    tap.teardown(async () => await (await launched).close())
  }
  return await shared
}

/**
 * Records the dashboard's script coverage in `page` across navigations, reported when the
 * page is closed or, if it is still open, when the test ends: a closed page has none to give.
 */
async function measure (page: Page, measuredPages: Map<Page, () => Promise<void>>): Promise<void> {
  await page.coverage.startJSCoverage({ resetOnNavigation: false })
  const reportCoverage = async (): Promise<void> => {
    measuredPages.delete(page)
    reportBrowserCoverage(WEB_ROOT, await page.coverage.stopJSCoverage())
  }
  measuredPages.set(page, reportCoverage)
  const close = page.close.bind(page)
  page.close = async (options) => {
    if (measuredPages.has(page)) await reportCoverage()
    await close(options)
  }
}

/**
 * A fresh browser context (its own cookies, storage and cache, like a new profile) in the
 * file's shared Chromium; the context is closed when the test ends.
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
  const context = await (await sharedBrowser()).newContext({
    viewport: { width: 1280, height: 800, ...options.viewport },
    colorScheme: options.colorScheme ?? 'dark'
  })
  // Pages whose script coverage is still to be reported, each with the function that reports it.
  const measuredPages = new Map<Page, () => Promise<void>>()
  t.teardown(async () => {
    await Promise.all([...measuredPages.values()].map(async (reportCoverage) => await reportCoverage()))
    await context.close()
  })
  const errors: string[] = []
  return {
    context,
    errors,
    newPage: async () => {
      const page = await context.newPage()
      if (coverageEnabled) await measure(page, measuredPages)
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`console: ${message.text()}`)
      })
      page.on('pageerror', (error) => { errors.push(`pageerror: ${error.message}`) })
      return page
    }
  }
}
