import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { launchBrowser, type BrowserOptions, type BrowserSession, type BrowserTest } from './browser.js'
import { WEB_DIR } from './web-build.js'

/** Time allowed for anything the page shows, in ms. */
export const WAIT_MS = 10_000

/** The selector of the card of `metric`. */
export const card = (metric: string): string => `.card[data-metric="${metric}"]`

/** A browser with one page open on the dashboard. */
export interface OpenDashboard {
  readonly browser: BrowserSession
  readonly page: Page
}

/**
 * Launches a browser for the test (see {@link launchBrowser}) and opens `url` in a page.
 * Undefined when Chromium is missing and the test is skipped.
 */
export async function openDashboard (t: BrowserTest, url: string, options: BrowserOptions = {}): Promise<OpenDashboard | undefined> {
  const browser = await launchBrowser(t, options)
  if (browser === undefined) return undefined
  const page = await browser.newPage()
  await page.goto(url)
  return { browser, page }
}

/** Signs in through the login form the page shows with `token`, and waits to land on the dashboard at `url`. */
export async function signInWithForm (page: Page, url: string, token: string): Promise<void> {
  await page.fill('#token', token)
  await page.click('#login-submit')
  await page.waitForURL(`${url}/`, { timeout: WAIT_MS })
}

const exactly = (text: string): RegExp => new RegExp(`^${text.replace(/[.+*?()[\]$^|\\]/g, '\\$&')}$`)

/**
 * Scrolls the card of `metric` into view (off-screen cards are not drawn) and waits until
 * its `selector` shows exactly `text`, or text matching a pattern.
 */
export async function waitForCardText (page: Page, metric: string, selector: string, text: string | RegExp): Promise<void> {
  await page.locator(card(metric)).scrollIntoViewIfNeeded({ timeout: WAIT_MS })
  const hasText = typeof text === 'string' ? exactly(text) : text
  await page.locator(`${card(metric)} ${selector}`).filter({ hasText }).waitFor({ timeout: WAIT_MS })
}

/** Waits until the card of `metric` shows exactly `text` as its value. */
export async function waitForValue (page: Page, metric: string, text: string): Promise<void> {
  await waitForCardText(page, metric, '.card-value', text)
}

/** The metric names of the cards matching `selector`, in page order. */
export async function metricsOf (page: Page, selector = '.card'): Promise<Array<string | null>> {
  return await Promise.all((await page.locator(selector).all()).map(async (c) => await c.getAttribute('data-metric')))
}

/** Waits until `count` elements match `selector` (string predicates are no use: the page's CSP forbids eval). */
export async function waitForCount (page: Page, selector: string, count: number): Promise<void> {
  await page.locator(selector).nth(count - 1).waitFor({ state: 'attached', timeout: WAIT_MS })
}

/** Where a test's screenshot goes: under web/screenshots when UPDATE_SCREENSHOT=1 (for the README), else the test dir. */
export function screenshotPath (testDir: string, name: string): string {
  return process.env['UPDATE_SCREENSHOT'] === '1' ? join(WEB_DIR, 'screenshots', name) : join(testDir, name)
}
