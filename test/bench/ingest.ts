/**
 * Durable ingest, resume and history benchmark through the HTTP API: the
 * server bundle pinned to CPU 0 on a fresh DATA_DIR, this load tool on CPU 1.
 * - points/s through POST /api/events with 1,000-point batches (4 publishers);
 * - requests/s with single-point publishes from 50 concurrent publishers;
 * - time for one client to resume 100,000 missed points over SSE;
 * - event-loop delay p99 (the server's own self-metric) during a burst of
 *   heavy history requests over a day of per-second data, while 1,000 points/s
 *   flow to a subscriber.
 * Usage: tsx test/bench/ingest.ts [--seconds 5]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startServer } from '../fixtures/child-server.js'
import { post } from '../helpers/app.js'
import { SseReader } from '../helpers/sse-reader.js'
import { printTable } from './process-stats.js'
import { publishFlat } from './raw-publisher.js'

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' } } })
const SECONDS = Number(values.seconds)
const batch = (size: number, ts: number, metric = 'bench.batch'): string =>
  JSON.stringify(Array.from({ length: size }, (_, i) => ({ metric: `${metric}${i % 20}`, value: i, ts })))

const dataDir = mkdtempSync(join(tmpdir(), 'pulseboard-bench-'))
const teardowns: Array<() => unknown> = [() => rmSync(dataDir, { recursive: true, force: true })]
const server = await startServer({ teardown: (fn) => teardowns.push(fn) }, ['--log-level', 'info', '--publish-rate-limit', '0'], { DATA_DIR: dataDir }, { cpu: 0 })
const { url } = server
try {
  const port = Number(new URL(url).port)
  const batched = await publishFlat(port, batch(1000, Date.now()), 4, SECONDS)
  const singles = await publishFlat(port, '{"metric":"bench.single","value":1}', 50, SECONDS)

  const health = async (): Promise<number> => ((await (await fetch(`${url}/healthz`)).json()) as { lastId: number }).lastId
  const from = await health()
  for (let i = 0; i < 100; i++) await post(url, batch(1000, Date.now(), 'bench.resume'))
  const t0 = performance.now()
  const reader = await SseReader.open(`${url}/api/stream?lastEventId=${from}&metrics=bench.resume*`)
  await reader.metrics(100_000, 60_000)
  const resumeMs = performance.now() - t0
  reader.close()

  // A day of per-second data for one metric, then a burst of history reads while a stream flows.
  const dayStart = Date.now() - 86_400_000
  for (let s = 0; s < 86_400; s += 1000) {
    await post(url, JSON.stringify(Array.from({ length: 1000 }, (_, i) => ({ metric: 'bench.day', value: Math.sin(s + i), ts: dayStart + (s + i) * 1000 }))))
  }
  const delays = await SseReader.open(`${url}/api/stream?metrics=pulseboard.event_loop_p99_ms`)
  await delays.metrics(1, 5000)
  // Keep a stream flowing through the burst: 1,000 points/s to one subscriber.
  const flow = await SseReader.open(`${url}/api/stream?metrics=bench.flow*`)
  const flowing = { on: true }
  const publishingFlow = (async () => {
    while (flowing.on) {
      await post(url, batch(100, Date.now(), 'bench.flow'))
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  })()
  const burstStart = performance.now()
  const reads = Array.from({ length: 200 }, async (_, i) => {
    const query = i % 2 === 0 ? `from=${dayStart}&points=500` : `raw=1&from=${dayStart}&limit=10000`
    const response = await fetch(`${url}/api/metrics/bench.day/history?${query}`)
    await response.arrayBuffer()
  })
  const during: number[] = []
  const watching = (async () => {
    while (performance.now() - burstStart < 3000) during.push(...(await delays.metrics(1, 5000)).map((e) => e.value))
  })()
  await Promise.all(reads)
  const burstMs = performance.now() - burstStart
  await watching
  flowing.on = false
  await publishingFlow
  delays.close()
  flow.close()

  const rows = [
    { measure: 'batched ingest (1,000-point POSTs, 4 publishers)', value: `${Math.round(batched.perSecond * 1000).toLocaleString('en-US')} points/s` },
    { measure: 'single-point POSTs (50 publishers)', value: `${Math.round(singles.perSecond).toLocaleString('en-US')} requests/s` },
    { measure: 'resume of 100,000 missed points over SSE', value: `${Math.round(resumeMs)} ms` },
    { measure: '200 history reads over 86,400 points (buckets and raw)', value: `${Math.round(burstMs)} ms` },
    { measure: 'event-loop delay p99 during those reads (worst second)', value: `${Math.max(...during).toFixed(1)} ms` }
  ]
  printTable(rows)
  process.stdout.write(`${JSON.stringify({ bench: 'ingest', date: new Date().toISOString(), rows })}\n`)
} finally {
  for (const fn of teardowns.reverse()) await fn()
}
