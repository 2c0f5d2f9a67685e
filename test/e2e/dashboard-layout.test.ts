import t from 'tap'
import type { Page } from 'playwright-core'
import { post, startTestServer } from '../helpers/app.js'
import { ensureWebBuild } from '../helpers/web-build.js'
import { launchBrowser } from '../helpers/browser.js'
import { card, metricsOf, screenshotPath, WAIT_MS, waitForCount, waitForValue } from '../helpers/dashboard.js'

t.before(ensureWebBuild)

const METRICS = ['fx.eur', 'fx.usd', 'host.load', 'shop.errors', 'shop.visits']

/** Group headings and cards in page order, as `#group` and metric names. */
async function boardOrder (page: Page): Promise<string[]> {
  const nodes = await page.locator('#board > :visible').all()
  return await Promise.all(nodes.map(async (node) => (await node.getAttribute('data-group')) === null
    ? (await node.getAttribute('data-metric')) ?? '?'
    : `#${await node.getAttribute('data-group') ?? ''}`))
}

t.test('layout, pause and theme', async (t) => {
  const { url } = await startTestServer(t)
  const browser = await launchBrowser(t)
  if (browser === undefined) return
  t.equal((await post(url, METRICS.map((metric, i) => ({ metric, value: i + 1 })))).status, 202)
  const page = await browser.newPage()

  t.test('group, pin, move, hide and filter; the URL and localStorage keep it', async (t) => {
    await page.goto(url)
    await waitForCount(page, '.card', METRICS.length)
    t.same(await boardOrder(page), ['#fx', 'fx.eur', 'fx.usd', '#host', 'host.load', '#shop', 'shop.errors', 'shop.visits'], 'grouped by prefix')

    await page.click(`${card('shop.visits')} [data-action="pin"]`)
    t.same((await boardOrder(page)).slice(0, 2), ['#Pinned', 'shop.visits'], 'a pinned card comes first')
    t.equal(await page.locator(`${card('shop.visits')} [data-action="pin"]`).getAttribute('aria-pressed'), 'true')

    // Keyboard only: focus the button, press Enter; the focus stays on it as the card moves.
    await page.focus(`${card('fx.usd')} [data-action="up"]`)
    await page.keyboard.press('Enter')
    t.same(await metricsOf(page, '.card:visible'), ['shop.visits', 'fx.usd', 'fx.eur', 'host.load', 'shop.errors'])
    t.equal(await page.evaluate('document.activeElement?.getAttribute("aria-label")'), 'Move fx.usd up')

    await page.click(`${card('host.load')} [data-action="hide"]`)
    t.same(await boardOrder(page), ['#Pinned', 'shop.visits', '#fx', 'fx.usd', 'fx.eur', '#shop', 'shop.errors'], 'hidden, with its empty group')
    t.equal(await page.locator('#show-hidden').innerText(), 'Hidden (1)')
    await page.click('#show-hidden')
    t.ok(await page.locator(card('host.load')).isVisible(), 'hidden metrics can be listed')
    t.equal(await page.locator(`${card('host.load')} [data-action="hide"]`).getAttribute('aria-label'), 'Show host.load again')
    await page.click('#show-hidden')
    t.ok(await page.locator(card('host.load')).isHidden())

    await page.fill('#filter', 'fx')
    t.same(await metricsOf(page, '.card:visible'), ['fx.usd', 'fx.eur'])
    const shared = page.url()
    t.match(shared, /#pin=shop\.visits&hide=host\.load&order=fx\.usd,fx\.eur&q=fx$/, 'the layout is in the link')

    await page.fill('#filter', '')
    await page.goto(url)
    await waitForCount(page, '.card:visible', 4)
    t.same(await metricsOf(page, '.card:visible'), ['shop.visits', 'fx.usd', 'fx.eur', 'shop.errors'], 'reopened without a hash: localStorage')

    const fresh = await browser.newPage()
    await fresh.goto(url)
    await fresh.evaluate('localStorage.clear()')
    await fresh.goto(shared)
    await waitForCount(fresh, '.card:visible', 2)
    t.same(await metricsOf(fresh, '.card:visible'), ['fx.usd', 'fx.eur'], 'the shared link alone rebuilds the layout')
    t.equal(await fresh.inputValue('#filter'), 'fx')
    t.same(await boardOrder(fresh), ['#fx', 'fx.usd', 'fx.eur'])

    await fresh.goto(`${url}/#w=9y&pin=%E0%A4&kind=fx.usd~nonsense,~&iv=x~9s&order=,,,&hide=${'x'.repeat(300)}&g=zz`)
    await waitForCount(fresh, '.card:visible', METRICS.length)
    t.equal(await fresh.locator('#window').inputValue(), '5m', 'garbage in the link leaves the defaults')
    await fresh.close()
    t.same(browser.errors, [])
  })

  t.test('pause holds the cards still and resume catches up', async (t) => {
    await page.goto(`${url}/?metrics=host.*`)
    await waitForValue(page, 'host.load', '3')
    await page.click('#pause')
    t.equal(await page.locator('#pause').getAttribute('aria-pressed'), 'true')
    await post(url, [{ metric: 'host.load', value: 40 }, { metric: 'host.load', value: 41 }, { metric: 'host.load', value: 42 }])
    await page.locator('#sb-state').filter({ hasText: 'paused, 3 buffered' }).waitFor({ timeout: WAIT_MS })
    t.equal(await page.locator(`${card('host.load')} .card-value`).innerText(), '3', 'nothing moves while paused')
    await page.click('#pause')
    await waitForValue(page, 'host.load', '42')
    t.pass('resumed: the buffered points are shown')
    await page.locator('#sb-last').filter({ hasText: /^#\d+$/ }).waitFor({ timeout: WAIT_MS })
    t.match(await page.locator('#sb-latency').innerText(), /^[\d,]+ ms$/, 'latency from ts to arrival')
    t.match(await page.locator('#sb-state').innerText(), /^live$/)
    t.same(browser.errors, [])
  })

  t.test('the theme toggle switches and remembers; screenshots of both', async (t) => {
    await seedScreens(url)
    await page.goto(`${url}/?metrics=api.*,btc.*,cpu.*,eth.*,web.*#g=0`)
    await waitForCount(page, '.card canvas[width]', SCREEN_METRICS)
    // A live point per card, so the status bar has figures to show.
    await post(url, [{ metric: 'btc.usd', value: 64_310.5, tags: { unit: 'USD' } }, { metric: 'web.signups', value: 2 }, { metric: 'cpu.load', value: 1.4, tags: { host: 'api-1' } }])
    await page.locator('#sb-last').filter({ hasText: /^#\d/ }).waitFor({ timeout: WAIT_MS })
    const background = async (): Promise<string> => await page.evaluate('getComputedStyle(document.documentElement).backgroundColor') as string
    t.equal(await background(), 'rgb(10, 13, 20)', 'dark, as the system asks')
    await page.screenshot({ path: screenshotPath(t.testdir(), 'dashboard-dark.png') })
    await page.click('#theme')
    t.equal(await page.getAttribute('html', 'data-theme'), 'light')
    t.equal(await background(), 'rgb(244, 246, 250)')
    t.equal(await page.getAttribute('#theme', 'aria-label'), 'Switch to dark theme')
    await page.reload()
    await waitForCount(page, '.card canvas[width]', SCREEN_METRICS)
    t.equal(await background(), 'rgb(244, 246, 250)', 'the choice survives a reload')
    await page.screenshot({ path: screenshotPath(t.testdir(), 'dashboard-light.png') })
    await page.click('#theme')
    t.equal(await background(), 'rgb(10, 13, 20)')
    t.same(browser.errors, [])
  })

  t.test('a 375 px phone screen has no horizontal scroll', async (t) => {
    await page.setViewportSize({ width: 375, height: 740 })
    await page.goto(`${url}/?metrics=btc.*,web.*`)
    await waitForCount(page, '.card canvas[width]', 1)
    const width = await page.evaluate('document.documentElement.scrollWidth') as number
    t.ok(width <= 375, `page width ${width} px`)
    await page.screenshot({ path: screenshotPath(t.testdir(), 'dashboard-phone.png') })
    t.same(browser.errors, [])
  })
})

/** Metrics of {@link seedScreens}. */
const SCREEN_METRICS = 6

/** Two minutes of lively data for the screenshots: prices, a counter, events and gauges. */
async function seedScreens (url: string): Promise<void> {
  const now = Date.now()
  let seed = 7
  const rnd = (): number => {
    seed = (seed * 16_807) % 2_147_483_647
    return seed / 2_147_483_647
  }
  let btc = 64_000
  let eth = 3_460
  let requests = 0
  const points = Array.from({ length: 120 }, (_, i) => {
    const ts = now - (120 - i) * 1000
    btc += (rnd() - 0.47) * 30
    eth += (rnd() - 0.5) * 4
    requests += Math.round(900 + Math.sin(i / 15) * 200 + rnd() * 40)
    return [
      { metric: 'btc.usd', value: Math.round(btc * 100) / 100, ts, tags: { unit: 'USD' } },
      { metric: 'eth.usd', value: Math.round(eth * 100) / 100, ts, tags: { unit: 'USD' } },
      { metric: 'api.requests_total', value: requests, ts },
      { metric: 'web.signups', value: Math.floor(rnd() * 4), ts },
      { metric: 'api.latency_p95', value: Math.round(170 + Math.sin(i / 9) * 18 + rnd() * 6), ts, tags: { unit: 'ms' } },
      { metric: 'cpu.load', value: Math.round((1.5 + Math.sin(i / 12) * 0.6 + rnd() * 0.2) * 100) / 100, ts, tags: { host: 'api-1' } }
    ]
  }).flat()
  await post(url, points)
}
