import t from 'tap'
import { post, startTestServer } from '../helpers/app.js'
import { ensureWebBuild } from '../helpers/web-build.js'
import { launchBrowser } from '../helpers/browser.js'
import { card, WAIT_MS, waitForCardText, waitForValue } from '../helpers/dashboard.js'

t.before(ensureWebBuild)

// One server and one browser for the file; each test uses its own metrics and page.
t.test('card kinds', async (t) => {
  const { url } = await startTestServer(t)
  const browser = await launchBrowser(t)
  if (browser === undefined) return

  t.test('a price card draws candles and its last candle follows a new point', async (t) => {
    const now = Date.now()
    // One point a second for two minutes, on 10 s candles: the history fills about 12.
    const points = Array.from({ length: 120 }, (_, i) => ({ metric: 'btc.usd', value: 64_000 + (i % 7) * 10 + i, ts: now - 120_000 + i * 1000 }))
    t.equal((await post(url, points)).status, 202)
    const page = await browser.newPage()
    await page.goto(`${url}/?metrics=btc.*`)
    const price = card('btc.usd')
    // The change chip fills in once the history is in.
    await waitForCardText(page, 'btc.usd', '.card-change', '▲ +119 (+0.19%)')
    t.pass('change since the window start')
    t.equal(await page.locator(`${price}`).getAttribute('data-kind'), 'price', 'btc.usd reads as a price')
    t.equal(await page.locator(`${price} .card-value`).innerText(), '64,119.00', 'the last price, two decimals')
    t.match(await page.locator(`${price} .card-figures`).innerText(), /^10s · O /, 'the last 10 s candle')
    t.ok(await candleColumns(page, 'btc.usd') > 20, 'candles are drawn in the up and down colours')

    t.equal((await post(url, { metric: 'btc.usd', value: 65_000 })).status, 202)
    await waitForValue(page, 'btc.usd', '65,000.00')
    t.match(await page.locator(`${price} .card-figures`).innerText(), /H 65,000 L [\d,]+ C 65,000$/, 'the last candle closes at the new high')
    t.equal(await page.locator(`${price} .card-value`).getAttribute('data-tick'), 'up', 'the price shows its move up')
    t.match(await page.locator(`${price} .card-value`).getAttribute('class') ?? '', /flash-[ab]/, 'and flashes')
    await post(url, { metric: 'btc.usd', value: 64_990 })
    await waitForValue(page, 'btc.usd', '64,990.00')
    t.equal(await page.locator(`${price} .card-value`).getAttribute('data-tick'), 'down')

    await page.selectOption(`${price} .card-interval`, '60000')
    await page.locator(`${price} .card-figures`).filter({ hasText: /^1min · O / }).waitFor({ timeout: WAIT_MS })
    t.match(page.url(), /#iv=btc\.usd~60s$/, 'the interval is kept in the URL')
    t.same(browser.errors, [])
    await page.close()
  })

  t.test('counter and rate cards show the rates of what was published', async (t) => {
    const page = await browser.newPage()
    await page.goto(`${url}/?metrics=http.*,web.*,cpu.*`)
    await page.waitForSelector('#status[data-state="live"]', { timeout: WAIT_MS })
    const now = Date.now()
    // Live points with their own stamps: a counter growing 10, then 20 a second, then reset.
    await post(url, [
      { metric: 'http.requests_total', value: 100, ts: now - 5000 },
      { metric: 'http.requests_total', value: 110, ts: now - 4000 },
      { metric: 'http.requests_total', value: 150, ts: now - 2000 },
      { metric: 'web.signups', value: 1, ts: now - 3000 },
      { metric: 'web.signups', value: 3, ts: now - 2000 },
      { metric: 'cpu.load', value: 1, ts: now - 3000 },
      { metric: 'cpu.load', value: 3, ts: now - 2000 },
      { metric: 'cpu.load', value: 8, ts: now - 1000 }
    ])
    await waitForValue(page, 'http.requests_total', '20/s')
    t.equal(await page.locator(`${card('http.requests_total')}`).getAttribute('data-kind'), 'counter')
    await waitForCardText(page, 'http.requests_total', '.card-figures', '+50 in window · avg 0.167/s')
    await post(url, { metric: 'http.requests_total', value: 4, ts: now - 1000 })
    await waitForValue(page, 'http.requests_total', '4/s')
    await waitForCardText(page, 'http.requests_total', '.card-figures', '+54 in window · avg 0.18/s')
    t.pass('a drop is a reset: the counter counts on from zero')

    await waitForValue(page, 'web.signups', '4')
    t.equal(await page.locator(`${card('web.signups')}`).getAttribute('data-kind'), 'rate')
    await waitForCardText(page, 'web.signups', '.card-figures', 'total in window · 0.0133/s')

    await waitForValue(page, 'cpu.load', '8')
    await waitForCardText(page, 'cpu.load', '.card-figures', 'min 1 · avg 4 · max 8')
    t.same(browser.errors, [])
    await page.close()
  })

  t.test('the card menu switches a kind, and the choice survives a reload', async (t) => {
    await post(url, [{ metric: 'queue.depth', value: 5 }, { metric: 'queue.depth', value: 7 }])
    const page = await browser.newPage()
    await page.goto(`${url}/?metrics=queue.*`)
    await waitForValue(page, 'queue.depth', '7')
    await page.selectOption(`${card('queue.depth')} .card-kind`, 'price')
    await waitForValue(page, 'queue.depth', '7.00')
    t.equal(await page.locator(card('queue.depth')).getAttribute('data-kind'), 'price')
    t.match(page.url(), /kind=queue\.depth~price/)
    await page.reload()
    await waitForValue(page, 'queue.depth', '7.00')
    t.equal(await page.locator(card('queue.depth')).getAttribute('data-kind'), 'price')
    await page.selectOption(`${card('queue.depth')} .card-kind`, 'gauge')
    await waitForValue(page, 'queue.depth', '7')
    t.notMatch(page.url(), /kind=/, 'back to the guess: nothing to keep')
    t.same(browser.errors, [])
    await page.close()
  })

  t.test('a wider window loads more history, and live points go on', async (t) => {
    const now = Date.now()
    await post(url, [{ metric: 'disk.used', value: 40, ts: now - 30 * 60_000 }, { metric: 'disk.used', value: 60, ts: now - 60_000 }])
    const page = await browser.newPage()
    await page.goto(`${url}/?metrics=disk.*`)
    await waitForCardText(page, 'disk.used', '.card-figures', 'min 60 · avg 60 · max 60')
    const history = page.waitForResponse((response) => response.url().includes('/api/metrics/disk.used/history'), { timeout: WAIT_MS })
    await page.selectOption('#window', '1h')
    const from = Number(new URL((await history).url()).searchParams.get('from'))
    t.ok(Math.abs(from - (Date.now() - 3600_000)) < 60_000, 'the history asked for runs an hour back')
    await waitForCardText(page, 'disk.used', '.card-figures', 'min 40 · avg 50 · max 60')
    t.equal(await page.locator('#window-label').innerText(), 'last 1 h')
    t.match(page.url(), /\?metrics=disk\.\*#w=1h(&|$)/, 'the window is kept in the URL')
    await post(url, { metric: 'disk.used', value: 80 })
    await waitForValue(page, 'disk.used', '80')
    t.same(browser.errors, [])
    await page.close()
  })
})

/** The parts of a canvas read in the page; the tests typecheck without the DOM library. */
interface CanvasLike {
  readonly width: number
  readonly height: number
  getContext: (kind: '2d') => { getImageData: (x: number, y: number, w: number, h: number) => { data: ArrayLike<number> } } | null
}

/** Canvas columns of a card holding a pixel in the candles' up (green) or down (red) colour. */
async function candleColumns (page: import('playwright-core').Page, metric: string): Promise<number> {
  return await page.locator(`${card(metric)} canvas`).evaluate((canvas: CanvasLike) => {
    const { width, height } = canvas
    const data = canvas.getContext('2d')?.getImageData(0, 0, width, height).data ?? []
    let columns = 0
    for (let x = 0; x < width; x++) {
      for (let y = 0; y < height; y++) {
        const i = (y * width + x) * 4
        const [r, g, b, a] = [data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0, data[i + 3] ?? 0]
        if (a > 150 && (g - Math.max(r, b) > 60 || r - Math.max(g, b) > 60)) {
          columns++
          break
        }
      }
    }
    return columns
  })
}
