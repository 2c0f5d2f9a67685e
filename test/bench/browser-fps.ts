/**
 * Browser benchmark (`npm run bench:browser`): the built server on CPU 0 with a fresh
 * DATA_DIR, 100 metrics each receiving 10 points/s (one batch of 100 points every 100 ms
 * through POST /api/events), and the dashboard with all 100 cards in headless Chromium
 * (the flags of the browser tests). A quarter of the metrics each are prices (candles),
 * counters, events and gauges. After a warm-up it counts requestAnimationFrame callbacks
 * in the page (frames per second) and samples the JS heap with CDP
 * (`Performance.getMetrics` JSHeapUsedSize after `HeapProfiler.collectGarbage`), then
 * prints a table of the samples and one JSON line.
 *
 * Usage: tsx test/bench/browser-fps.ts [--duration-s 60] [--warmup-s 10] [--sample-s 10] [--cpu-profile page.cpuprofile]
 * --cpu-profile writes a V8 profile of the page over the measured run (read it with cpuprofile-top.ts).
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { chromium, type CDPSession, type Page } from 'playwright-core'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/chromium.js'
import { startPulseboard } from './bench-server.js'
import { printTable } from './process-stats.js'

const { values } = parseArgs({
  options: {
    'duration-s': { type: 'string', default: '60' },
    'warmup-s': { type: 'string', default: '10' },
    'sample-s': { type: 'string', default: '10' },
    'cpu-profile': { type: 'string' }
  }
})
const durationS = Number(values['duration-s'])
const warmupS = Number(values['warmup-s'])
const sampleS = Math.min(Number(values['sample-s']), durationS)

const METRIC_COUNT = 100
const BATCH_MS = 100
const VIEWPORT = { width: 1280, height: 800 }
const MIB = 1024 * 1024

const METRICS = Array.from({ length: METRIC_COUNT }, (_, i) => {
  const n = String(i).padStart(2, '0')
  return [`px.m${n}.usd`, `ctr.m${n}_total`, `ev.m${n}.errors`, `gauge.m${n}`][i % 4] as string
})

/** Publishes one point per metric every {@link BATCH_MS}; a counter counts up, the others wander. */
function startPublishing (port: number): { stop: () => Promise<void>, published: () => number, failed: () => number } {
  let published = 0
  let failed = 0
  let tick = 0
  let inflight = Promise.resolve()
  const timer = setInterval(() => {
    tick++
    const ts = Date.now()
    const points = METRICS.map((metric, i) => ({
      metric,
      ts,
      value: metric.startsWith('ctr.') ? tick * (i + 1) : metric.startsWith('ev.') ? tick % 3 : 100 + i + Math.sin((tick + i) / 20) * 5
    }))
    inflight = inflight.then(async () => {
      const response = await fetch(`http://127.0.0.1:${port}/api/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(points)
      })
      await response.arrayBuffer()
      if (response.status !== 202) throw new Error(`publish answered ${response.status}`)
      published += points.length
    }).catch(() => {
      // A batch lost to a closed keep-alive socket or a refusal is counted, not fatal: the run goes on.
      failed++
    })
  }, BATCH_MS)
  return {
    published: () => published,
    failed: () => failed,
    stop: async () => {
      clearInterval(timer)
      await inflight
    }
  }
}

async function metricsOf (cdp: CDPSession): Promise<Map<string, number>> {
  const { metrics } = await cdp.send('Performance.getMetrics')
  return new Map(metrics.map((m) => [m.name, m.value]))
}

async function heapMiB (cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage')
  return ((await metricsOf(cdp)).get('JSHeapUsedSize') ?? Number.NaN) / MIB
}

/** Share of wall time the page's main thread spent in script, layout and style, over a span, in %. */
function busy (before: Map<string, number>, after: Map<string, number>, seconds: number, name: string): string {
  return ((((after.get(name) ?? 0) - (before.get(name) ?? 0)) / seconds) * 100).toFixed(1)
}

const frames = async (page: Page): Promise<number> => await page.evaluate('window.__frames') as number
const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

const server = await startPulseboard({ maxClients: 100 })
const publisher = startPublishing(server.port)
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] })
try {
  const page = await browser.newPage({ viewport: VIEWPORT })
  // Counts every animation frame the page gets; added by CDP, so the page's CSP does not apply.
  await page.addInitScript('window.__frames = 0; const count = () => { window.__frames++; requestAnimationFrame(count) }; requestAnimationFrame(count)')
  await page.goto(`http://127.0.0.1:${server.port}/`)
  await page.locator('.card').nth(METRIC_COUNT - 1).waitFor({ state: 'attached', timeout: 30_000 })
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Performance.enable')
  await sleep(warmupS * 1000)

  const profilePath = values['cpu-profile']
  if (profilePath !== undefined) {
    await cdp.send('Profiler.enable')
    await cdp.send('Profiler.start')
  }
  const rows: Array<Record<string, string | number>> = []
  const startHeap = await heapMiB(cdp)
  const startFrames = await frames(page)
  const startMs = Date.now()
  let lastFrames = startFrames
  let lastMs = startMs
  let lastMetrics = await metricsOf(cdp)
  while (Date.now() - startMs < durationS * 1000) {
    await sleep(Math.min(sampleS * 1000, startMs + durationS * 1000 - Date.now()))
    const now = Date.now()
    const count = await frames(page)
    const current = await metricsOf(cdp)
    const seconds = (now - lastMs) / 1000
    const heap = await heapMiB(cdp)
    rows.push({
      't s': Math.round((now - startMs) / 1000),
      fps: ((count - lastFrames) / seconds).toFixed(1),
      'script %': busy(lastMetrics, current, seconds, 'ScriptDuration'),
      'layout %': busy(lastMetrics, current, seconds, 'LayoutDuration'),
      'style %': busy(lastMetrics, current, seconds, 'RecalcStyleDuration'),
      'task %': busy(lastMetrics, current, seconds, 'TaskDuration'),
      'heap MiB': heap.toFixed(2)
    })
    lastFrames = count
    lastMs = now
    lastMetrics = current
  }
  if (profilePath !== undefined) writeFileSync(profilePath, JSON.stringify((await cdp.send('Profiler.stop')).profile))
  const endHeap = await heapMiB(cdp)
  const elapsedS = (Date.now() - startMs) / 1000
  const cards = await page.locator('.card').count()
  const drawn = await page.locator('.card canvas[width]').count()
  printTable(rows)
  const result = {
    bench: 'browser-fps',
    durationS: Math.round(elapsedS),
    metrics: METRIC_COUNT,
    pointsPerSecond: METRIC_COUNT * (1000 / BATCH_MS),
    published: publisher.published(),
    failedBatches: publisher.failed(),
    cards,
    chartsDrawn: drawn,
    fps: Number(((lastFrames - startFrames) / elapsedS).toFixed(1)),
    minSampleFps: Math.min(...rows.map((r) => Number(r['fps']))),
    heapStartMiB: Number(startHeap.toFixed(2)),
    heapEndMiB: Number(endHeap.toFixed(2)),
    heapGrowthMiB: Number((endHeap - startHeap).toFixed(2))
  }
  console.log(JSON.stringify(result))
} finally {
  await browser.close()
  await publisher.stop()
  await server.stop()
}
