/**
 * Filter-cost benchmark (`npm run bench:filters`): the server runs pinned to CPU 0 with its
 * self-metrics on. It holds `--streams` streams, each with its own distinct `?metrics=` list
 * of about 2,000 characters (short `*token*` globs, none alike), while this tool publishes
 * `--rate` points/s in 10 batches a second over `--names` metric names for `--seconds`.
 * Reported: the server's event-loop delay p99 (its own `pulseboard.event_loop_p99_ms`, one
 * figure a second): worst and median second after the first `--warmup` seconds, and the
 * worst of those first seconds apart (each name is matched against each filter once, on
 * its first point); the slowest `/healthz` answer, polled every 100 ms, in the same two
 * spans; and the delay from each point's `ts` to its arrival on one more, unfiltered
 * stream (p50, p99), with the count received; and the server's CPU use (its
 * `pulseboard.cpu_percent`), mean after the warm-up. On a machine busy with other work the
 * delays include waits for a CPU: `--short` runs the same load with one-glob filters,
 * the figures to compare with.
 *
 * Usage: tsx test/bench/filters.ts [--streams 200] [--rate 1000] [--seconds 15] [--warmup 3] [--names 500] [--short]
 */
import { request } from 'node:http'
import { parseArgs } from 'node:util'
import { SseReader } from '../helpers/sse-reader.js'
import { startPulseboard } from './bench-server.js'

/** The longest `?metrics=` value the server takes. */
const FILTER_CHARS = 2000
/** Time allowed for a stream to answer, or for the last points to arrive, in ms. */
const WAIT_MS = 15_000

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '200' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    names: { type: 'string', default: '500' },
    short: { type: 'boolean', default: false }
  }
})
const streams = Number(values.streams)
const rate = Number(values.rate)
const seconds = Number(values.seconds)
const warmupS = Number(values.warmup)
const names = Number(values.names)

/** Stream `index`'s filter: globs `*token*` with tokens no other stream uses, up to {@link FILTER_CHARS} (one with --short). */
function filterOf (index: number): string {
  if (values.short) return `*${(index * 1000).toString(36).padStart(3, '0')}*`
  const globs: string[] = []
  let length = -1
  for (let i = 0; ; i++) {
    const glob = `*${(index * 1000 + i).toString(36).padStart(3, '0')}*`
    if (length + glob.length + 1 > FILTER_CHARS) return globs.join(',')
    globs.push(glob)
    length += glob.length + 1
  }
}

/** Opens a stream and reads it without looking; resolves once the server answered 200. */
async function holdStream (port: number, filter: string): Promise<() => void> {
  return await new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', path: `/api/stream?metrics=${encodeURIComponent(filter)}` }, (response) => {
      if (response.statusCode !== 200) reject(new Error(`stream answered ${response.statusCode}`))
      response.resume()
      resolve(() => req.destroy())
    })
    req.setTimeout(WAIT_MS, () => req.destroy(new Error('no answer to a stream request')))
    req.on('error', reject)
    req.end()
  })
}

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN

async function main (): Promise<void> {
  const server = await startPulseboard({ maxClients: streams + 10, selfMetrics: true })
  const base = `http://127.0.0.1:${server.port}`
  const closers: Array<() => void> = []
  try {
    const loop = await SseReader.open(`${base}/api/stream?metrics=pulseboard.*event_loop_p99_ms,pulseboard.*cpu_percent`, {}, WAIT_MS)
    const watcher = await SseReader.open(`${base}/api/stream?metrics=bench.*`, {}, WAIT_MS)
    closers.push(() => loop.close(), () => watcher.close())
    for (let i = 0; i < streams; i++) closers.push(await holdStream(server.port, filterOf(i)))
    console.log(`${streams} streams open, filters of ${filterOf(0).split(',').length} globs; publishing ${rate} points/s for ${seconds} s`)

    const start = Date.now()
    const steadyFrom = start + warmupS * 1000
    const loopP99: number[] = []
    const cpuPercent: number[] = []
    let warmupLoopP99 = 0
    const sampling = (async () => {
      for (;;) {
        const [event] = await loop.metrics(1, WAIT_MS).catch(() => [])
        if (event === undefined) return
        if (event.metric.endsWith('cpu_percent')) {
          if (event.ts >= steadyFrom) cpuPercent.push(event.value)
        } else if (event.ts >= steadyFrom) {
          loopP99.push(event.value)
        } else {
          warmupLoopP99 = Math.max(warmupLoopP99, event.value)
        }
      }
    })()
    const delays: number[] = []
    const expected = Math.round(rate * seconds / 10) * 10
    const received = (async () => {
      while (delays.length < expected) {
        const [event] = await watcher.metrics(1, WAIT_MS)
        delays.push(Date.now() - event!.ts)
      }
    })()
    const slowestHealthMs = { warmup: 0, steady: 0 }
    const health = setInterval(() => {
      const sent = Date.now()
      const span = sent >= steadyFrom ? 'steady' : 'warmup'
      fetch(`${base}/healthz`).then(async (response) => {
        await response.arrayBuffer()
        slowestHealthMs[span] = Math.max(slowestHealthMs[span], Date.now() - sent)
      }, () => {})
    }, 100)

    let next = 0
    for (let batch = 0; batch < seconds * 10; batch++) {
      const ts = Date.now()
      const points = Array.from({ length: rate / 10 }, () => ({ metric: `bench.m${next++ % names}`, value: batch, ts }))
      const response = await fetch(`${base}/api/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(points) })
      if (response.status !== 202) throw new Error(`publish answered ${response.status}`)
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, start + (batch + 1) * 100 - Date.now())))
    }
    await received
    clearInterval(health)
    loop.close()
    await sampling
    const sortedLoop = [...loopP99].sort((a, b) => a - b)
    const sortedDelays = delays.sort((a, b) => a - b)
    console.log(`event-loop p99 after ${warmupS} s: worst second ${sortedLoop.at(-1)} ms, median second ${percentile(sortedLoop, 0.5)} ms (${sortedLoop.length} s measured); first ${warmupS} s: worst ${warmupLoopP99} ms`)
    console.log(`/healthz slowest after ${warmupS} s: ${slowestHealthMs.steady} ms; first ${warmupS} s: ${slowestHealthMs.warmup} ms`)
    console.log(`server CPU after ${warmupS} s: ${Math.round(cpuPercent.reduce((sum, v) => sum + v, 0) / cpuPercent.length)} % of a core`)
    console.log(`unfiltered stream: ${delays.length}/${expected} points, delay p50 ${percentile(sortedDelays, 0.5)} ms, p99 ${percentile(sortedDelays, 0.99)} ms`)
  } finally {
    for (const close of closers) close()
    await server.stop()
  }
}

await main()
