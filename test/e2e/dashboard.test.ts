import { join } from 'node:path'
import t from 'tap'
import type { Page } from 'playwright-core'
import { buildTestApp, post, startTestServer } from '../helpers/app.js'
import { launchBrowser } from '../helpers/browser.js'
import { card, metricsOf, openDashboard, WAIT_MS, waitForCount, waitForValue } from '../helpers/dashboard.js'
import { ensureWebBuild } from '../helpers/web-build.js'

const SELF_METRICS = ['clients', 'points_in_per_s', 'points_out_per_s', 'rss_mib', 'event_loop_p99_ms', 'cpu_percent']
  .map((name) => `pulseboard.${name}`)

t.before(ensureWebBuild)

async function valueOf (page: Page, metric: string): Promise<string> {
  return await page.locator(`${card(metric)} .card-value`).innerText()
}

t.test('empty state, live cards, safe text, no CSP errors', async (t) => {
  const { url } = await startTestServer(t)
  const opened = await openDashboard(t, url)
  if (opened === undefined) return
  const { browser, page } = opened

  await page.waitForSelector('#empty-state:not([hidden])', { timeout: WAIT_MS })
  const host = new URL(url).host
  t.equal(await page.locator('#curl-publish').innerText(),
    `curl -d '{"metric":"btc.usd","value":64250.5}' -H 'content-type: application/json' http://${host}/api/events`)
  t.equal(await page.locator('#curl-stream').innerText(), `curl -N http://${host}/api/stream`)
  await page.waitForSelector('#status[data-state="live"]', { timeout: WAIT_MS })
  t.equal(await page.locator('#status').innerText(), 'Live')

  t.equal((await post(url, { metric: 'btc.usd', value: 64250.5 })).status, 202)
  await page.waitForSelector(`${card('btc.usd')} .card-value`, { timeout: WAIT_MS })
  t.equal(await valueOf(page, 'btc.usd'), '64,250.50', 'a price keeps two decimals')
  t.ok(await page.locator('#empty-state').isHidden(), 'the empty state goes once a card exists')
  t.equal(await page.locator('#metric-count').innerText(), '1 metric')

  await post(url, { metric: 'btc.usd', value: 64300 })
  await waitForValue(page, 'btc.usd', '64,300.00')
  t.equal(await page.locator(`${card('btc.usd')} .card-change`).getAttribute('data-direction'), 'up')
  t.match(await page.locator(`${card('btc.usd')} .card-change`).innerText(), /\+49\.5 \(\+0\.08%\)/)

  const img = '<img src=x onerror="window.__xss=1">'
  const script = '<script>window.__xss=1</script>'
  t.equal((await post(url, { metric: 'btc.usd', value: 64310, tags: { note: img, html: script } })).status, 202)
  await page.waitForSelector(`${card('btc.usd')} .chip`, { timeout: WAIT_MS })
  t.same(await page.locator(`${card('btc.usd')} .chip-value`).allInnerTexts(), [script, img], 'tags show literally, sorted by key')
  t.equal(await page.locator('#board img, #board script').count(), 0, 'no element was created from tag text')
  t.equal(await page.evaluate('typeof window.__xss'), 'undefined')

  t.equal(await page.locator('#status').getAttribute('data-state'), 'live')
  t.same(browser.errors, [], 'no console errors (a CSP violation would be one) and no page errors')
})

t.test('cards are backfilled from history, sorted by name, and filtered', async (t) => {
  const { url } = await startTestServer(t)
  const now = Date.now()
  const points = ['web.visitors', 'cpu.load', 'btc.usd'].flatMap((metric, m) =>
    Array.from({ length: 30 }, (_, i) => ({ metric, value: 100 + m * 10 + i, ts: now - (30 - i) * 5000 })))
  t.equal((await post(url, points)).status, 202)
  const opened = await openDashboard(t, url)
  if (opened === undefined) return
  const { browser, page } = opened

  await waitForCount(page, '.card .card-change[data-direction="up"]', 3)
  t.equal(await page.locator('.card').count(), 3)
  t.same(await metricsOf(page), ['btc.usd', 'cpu.load', 'web.visitors'])
  t.equal(await page.locator(`${card('btc.usd')} .card-change`).innerText(), '▲ +29 (+24.17%)', 'change over the whole window')
  t.equal(await page.locator('#metric-count').innerText(), '3 metrics')

  await post(url, { metric: 'btc.usd', value: 500 })
  await waitForValue(page, 'btc.usd', '500.00')

  await page.fill('#filter', 'CPU')
  t.same(await metricsOf(page, '.card:visible'), ['cpu.load'])
  await page.fill('#filter', 'nothing-matches')
  t.ok(await page.locator('#no-match').isVisible())
  await page.fill('#filter', '')
  t.equal(await page.locator('.card:visible').count(), 3)
  t.same(browser.errors, [])
})

/** The parts of a canvas read in the page; the tests typecheck without the DOM library. */
interface CanvasLike {
  readonly width: number
  readonly height: number
  getContext: (kind: '2d') => { getImageData: (x: number, y: number, w: number, h: number) => { data: ArrayLike<number> } } | null
}

/**
 * Where the line of a card's chart was drawn: the first and last canvas columns holding a
 * pixel in a palette colour (opaque and saturated; axis text and grid are grey, the fill
 * under the line is faint), how many columns do, and the canvas width.
 */
async function drawnColumns (page: Page, metric: string): Promise<{ first: number, last: number, count: number, width: number }> {
  return await page.locator(`${card(metric)} canvas`).evaluate((canvas: CanvasLike) => {
    const { width, height } = canvas
    const data = canvas.getContext('2d')?.getImageData(0, 0, width, height).data ?? []
    const at = (x: number, y: number, channel: number): number => data[(y * width + x) * 4 + channel] ?? 0
    const coloured = (x: number, y: number): boolean => at(x, y, 3) >= 200 &&
      Math.max(at(x, y, 0), at(x, y, 1), at(x, y, 2)) - Math.min(at(x, y, 0), at(x, y, 1), at(x, y, 2)) >= 80
    const columns = Array.from({ length: width }, (_, x) => x)
      .filter((x) => Array.from({ length: height }, (_, y) => y).some((y) => coloured(x, y)))
    return { first: columns[0] ?? -1, last: columns.at(-1) ?? -1, count: columns.length, width }
  })
}

t.test('history is loaded as time buckets and drawn across the window', async (t) => {
  const { url } = await startTestServer(t)
  const now = Date.now()
  // 200 points over the last 4 minutes, 1.2 s apart: more than a bucket (5 min / 300), so one per bucket.
  const points = Array.from({ length: 200 }, (_, i) => ({ metric: 'api.rps', value: 1000 + i, ts: now - 240_000 + i * 1200 }))
  t.equal((await post(url, points)).status, 202)
  const browser = await launchBrowser(t)
  if (browser === undefined) return
  const page = await browser.newPage()
  const history = page.waitForResponse((response) => response.url().includes('/api/metrics/api.rps/history'), { timeout: WAIT_MS })
  await page.goto(url)

  const response = await history
  t.match(response.url(), /\?from=\d+&points=300$/, 'asks for one bucket per second of the 5-minute window')
  const body = await response.json() as { fromMs: number, toMs: number, bucketMs: number, buckets: unknown[] }
  t.equal(body.buckets.length, 200)
  // The page asks from 5 minutes back; the server's clock ends the range when the request arrives.
  t.ok(body.toMs - body.fromMs >= 300_000 && body.toMs - body.fromMs < 305_000, 'the range is the 5-minute window')
  t.equal(body.bucketMs, Math.ceil((body.toMs - body.fromMs + 1) / 300), 'a 300th of it: about a second')

  await page.locator(`${card('api.rps')} .card-change:not(:empty)`).waitFor({ timeout: WAIT_MS })
  t.equal(await valueOf(page, 'api.rps'), '1,199', 'the value is the catalog\'s latest point')
  t.equal(await page.locator(`${card('api.rps')} .card-change`).innerText(), '▲ +199 (+19.90%)',
    'change runs from the oldest bucket, 4 minutes back')
  const drawn = await drawnColumns(page, 'api.rps')
  t.ok(drawn.first >= 0 && drawn.first < drawn.width * 0.35, `the line starts about 4 minutes back (column ${drawn.first} of ${drawn.width})`)
  t.ok(drawn.last > drawn.width * 0.7, `and reaches the present (column ${drawn.last})`)
  t.ok(drawn.count > (drawn.last - drawn.first) * 0.9, `without gaps (${drawn.count} columns drawn)`)

  await post(url, { metric: 'api.rps', value: 1300 })
  await waitForValue(page, 'api.rps', '1,300')
  t.pass('live points go on after the history')
  t.same(browser.errors, [])
})

t.test('off-screen cards are not drawn until they are scrolled into view', async (t) => {
  const { url } = await startTestServer(t)
  const metrics = Array.from({ length: 40 }, (_, i) => `load.m${String(i).padStart(2, '0')}`)
  await post(url, metrics.map((metric, i) => ({ metric, value: i + 1 })))
  const opened = await openDashboard(t, url)
  if (opened === undefined) return
  const { browser, page } = opened
  await waitForValue(page, 'load.m00', '1')
  await waitForCount(page, '.card', 40)
  t.equal(await valueOf(page, 'load.m39'), '—', 'the last card, far below the fold, was never drawn')
  t.equal(await page.locator(`${card('load.m39')} canvas`).getAttribute('width'), null, 'and has no chart yet')
  await page.locator(card('load.m39')).scrollIntoViewIfNeeded()
  await waitForValue(page, 'load.m39', '40')
  t.pass('drawn once on screen')
  t.same(browser.errors, [])
})

t.test('with self-metrics on, a fresh dashboard shows the server\'s own cards live', async (t) => {
  const { url } = await startTestServer(t, { selfMetrics: true })
  const opened = await openDashboard(t, url)
  if (opened === undefined) return
  const { browser, page } = opened
  for (const metric of SELF_METRICS) {
    await page.locator(`${card(metric)} .card-value`).filter({ hasText: /\d/ }).waitFor({ timeout: WAIT_MS })
  }
  await waitForValue(page, 'pulseboard.clients', '1')
  t.pass('pulseboard.clients counts this page')
  t.ok(await page.locator('#empty-state').isHidden())
  t.same(browser.errors, [])
})

t.test('after a server restart the badge shows the outage and a reset rebuilds the board', async (t) => {
  const first = await startTestServer(t, { retryMs: 200 })
  const opened = await openDashboard(t, first.url)
  if (opened === undefined) return
  const { browser, page } = opened
  await post(first.url, [{ metric: 'btc.usd', value: 1 }, { metric: 'btc.usd', value: 2 }])
  await waitForValue(page, 'btc.usd', '2.00')

  await first.app.close()
  await page.waitForSelector('#status[data-state="reconnecting"]', { timeout: WAIT_MS })
  t.equal(await page.locator('#status').innerText(), 'Reconnecting…')

  // A fresh server on the same port: its ids start at 1 again, below the browser's Last-Event-ID.
  const second = await buildTestApp(t, { retryMs: 200 })
  await second.listen({ port: Number(new URL(first.url).port), host: '127.0.0.1' })
  await post(first.url, { metric: 'cpu.load', value: 7 })
  await page.waitForSelector(card('cpu.load'), { timeout: WAIT_MS })
  await page.waitForSelector('#status[data-state="live"]', { timeout: WAIT_MS })
  t.equal(await page.locator(card('btc.usd')).count(), 0, 'cards of the old server are gone after the reset')
  await post(first.url, { metric: 'btc.usd', value: 3 })
  await waitForValue(page, 'btc.usd', '3.00')
  t.pass('points with restarted ids are shown, not dropped as already seen')
  // While the first server shuts down it answers new streams 503; the page retries by itself.
  t.same(browser.errors.filter((error) => !error.includes('ERR_CONNECTION_REFUSED') && !error.includes('503')), [])
})

/** A small seeded PRNG (mulberry32), so the screenshot's data is the same on every run. */
function random (seed: number): () => number {
  let state = seed
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let x = Math.imul(state ^ (state >>> 15), 1 | state)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

interface Shape {
  readonly metric: string
  readonly tags?: Record<string, string>
  /** Value at step i of n, given a random source. */
  readonly value: (i: number, n: number, rnd: () => number, previous: number) => number
}

const SHAPES: readonly Shape[] = [
  { metric: 'btc.usd', tags: { exchange: 'coinbase' }, value: (i, _n, rnd, prev) => i === 0 ? 63_980 : prev + (rnd() - 0.46) * 38 },
  { metric: 'eth.usd', tags: { exchange: 'coinbase' }, value: (i, _n, rnd, prev) => i === 0 ? 3_468 : prev + (rnd() - 0.53) * 4.2 },
  { metric: 'web.visitors_per_s', tags: { site: 'shop' }, value: (i, n, rnd) => 1180 + 260 * Math.sin((i / n) * Math.PI * 2.2) + rnd() * 90 },
  { metric: 'web.signups', value: (i, _n, rnd, prev) => i === 0 ? 18_204 : prev + Math.floor(rnd() * 3) },
  { metric: 'cpu.load', tags: { host: 'api-1' }, value: (i, n, rnd) => Math.round((1.6 + Math.sin(i / 9) * 0.5 + (i / n) * 0.9 + rnd() * 0.35) * 100) / 100 },
  { metric: 'api.latency_p95_ms', tags: { route: '/checkout' }, value: (i, _n, rnd) => Math.round(164 + rnd() * 30 + (i % 37 === 0 ? 140 : 0)) },
  { metric: 'queue.depth', tags: { queue: 'emails' }, value: (i, _n, rnd) => Math.round((i % 45) * 31 + rnd() * 60) },
  { metric: 'orders.revenue_usd', value: (i, _n, rnd, prev) => i === 0 ? 1_214_380 : prev + rnd() * 820 }
]

function history (now: number, minutes: number, stepMs: number) {
  const rnd = random(42)
  const n = Math.floor((minutes * 60_000) / stepMs)
  return SHAPES.flatMap((shape) => {
    let previous = 0
    return Array.from({ length: n + 1 }, (_, i) => {
      previous = shape.value(i, n, rnd, previous)
      const point = { metric: shape.metric, value: Math.round(previous * 100) / 100, ts: now - (n - i) * stepMs }
      return shape.tags === undefined ? point : { ...point, tags: shape.tags }
    })
  })
}

t.test('a populated dashboard renders every card with its chart (screenshot for the README)', async (t) => {
  const { url } = await startTestServer(t)
  t.equal((await post(url, history(Date.now(), 5, 2000))).status, 202)
  // Ungrouped, so all eight cards share two rows of the viewport and are drawn.
  const opened = await openDashboard(t, `${url}/#g=0`, { colorScheme: 'dark', viewport: { width: 1280, height: 800 } })
  if (opened === undefined) return
  const { browser, page } = opened
  await waitForCount(page, '.card canvas[width]', SHAPES.length)
  t.same(await metricsOf(page), SHAPES.map((s) => s.metric).sort())
  const widths = await Promise.all((await page.locator('.card canvas').all()).map(async (c) => Number(await c.getAttribute('width'))))
  t.ok(widths.every((width) => width > 0), 'every on-screen chart was drawn')
  // The screenshot changes on every run, so it is only written to the repo when asked for.
  await page.screenshot({ path: join(t.testdir(), 'screenshot.png') })
  t.same(browser.errors, [])
})
