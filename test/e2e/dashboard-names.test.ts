import t from 'tap'
import { post, startTestServer } from '../helpers/app.js'
import { ensureWebBuild } from '../helpers/web-build.js'
import { launchBrowser } from '../helpers/browser.js'
import { card, metricsOf, WAIT_MS, waitForCardText, waitForCount, waitForValue } from '../helpers/dashboard.js'

t.before(ensureWebBuild)

// Valid metric names that are also members of Object.prototype, and one ordinary name.
const NAMES = ['constructor', 'hasOwnProperty', 'toString', 'valueOf', 'cpu.load']

t.test('metric names that are Object.prototype members work like any other', async (t) => {
  const { url } = await startTestServer(t)
  const browser = await launchBrowser(t)
  if (browser === undefined) return
  const now = Date.now()
  // Two past points and a latest one: a card shows min 10 only when its history loaded.
  const points = NAMES.flatMap((metric) => [10, 20, 30].map((value, i) => ({ metric, value, ts: now - 90_000 + i * 30_000 })))
  t.equal((await post(url, points)).status, 202)
  t.equal((await post(url, { metric: '__proto__', value: 1 })).status, 400, '__proto__ is not a valid name (it starts with _)')

  const page = await browser.newPage()
  await page.goto(`${url}/#g=0`)
  await waitForCount(page, '.card', NAMES.length)
  t.same(await metricsOf(page), ['constructor', 'cpu.load', 'hasOwnProperty', 'toString', 'valueOf'], 'every card, in name order')
  for (const metric of NAMES) await waitForCardText(page, metric, '.card-figures', /^min 10 · avg .* · max 30$/)
  t.pass('every card has its history')
  t.equal(await page.locator('#notice').innerText(), '', 'no notice')

  await post(url, NAMES.map((metric) => ({ metric, value: 42 })))
  for (const metric of NAMES) await waitForValue(page, metric, '42')
  t.pass('every card takes live points')

  await page.selectOption(`${card('constructor')} .card-kind`, 'price')
  await page.locator(`${card('constructor')}[data-kind="price"]`).waitFor({ timeout: WAIT_MS })
  await page.selectOption(`${card('constructor')} .card-interval`, '60000')
  await page.locator(`${card('constructor')} .card-figures`).filter({ hasText: /^1min · O / }).waitFor({ timeout: WAIT_MS })
  await page.selectOption(`${card('valueOf')} .card-kind`, 'rate')
  await page.locator(`${card('valueOf')}[data-kind="rate"]`).waitFor({ timeout: WAIT_MS })
  await page.click(`${card('toString')} [data-action="pin"]`)
  t.same((await metricsOf(page, '.card:visible'))[0], 'toString', 'a pinned card comes first')
  t.match(page.url(), /kind=constructor~price,valueOf~rate/, 'the kinds are in the link')
  t.match(page.url(), /iv=constructor~60s/, 'and the candle interval')

  await page.reload()
  await waitForCount(page, '.card', NAMES.length)
  t.same(await metricsOf(page), ['toString', 'constructor', 'cpu.load', 'hasOwnProperty', 'valueOf'], 'the pin survives a reload')
  t.equal(await page.locator(card('constructor')).getAttribute('data-kind'), 'price', 'and the kind')
  await page.locator(`${card('constructor')} .card-figures`).filter({ hasText: /^1min · O / }).waitFor({ timeout: WAIT_MS })
  t.equal(await page.locator(card('valueOf')).getAttribute('data-kind'), 'rate')
  await waitForCardText(page, 'hasOwnProperty', '.card-figures', /^min 10 · avg .* · max 42$/)
  await post(url, NAMES.map((metric) => ({ metric, value: 43 })))
  for (const metric of ['toString', 'hasOwnProperty', 'cpu.load']) await waitForValue(page, metric, '43')
  t.pass('history and live points after the reload')

  // The layout saved in localStorage, opened without a link; then a link naming __proto__.
  const fresh = await browser.newPage()
  await fresh.goto(url)
  await waitForCount(fresh, '.card', NAMES.length)
  t.same((await metricsOf(fresh))[0], 'toString', 'localStorage keeps the pin')
  t.equal(await fresh.locator(card('constructor')).getAttribute('data-kind'), 'price', 'and the kind')
  await fresh.goto(`${url}/#kind=__proto__~price,toString~counter&iv=__proto__~60s&pin=__proto__`)
  await waitForCount(fresh, '.card', NAMES.length)
  t.equal(await fresh.locator(card('toString')).getAttribute('data-kind'), 'counter', 'a link naming __proto__ loads')
  await fresh.close()
  t.equal(await page.locator('#notice').innerText(), '', 'no notice')
  t.same(browser.errors, [], 'no page errors')
})
