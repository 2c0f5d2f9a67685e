import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import t from 'tap'
import { encodeMetric } from '../../server/sse/sse-frame.js'
import { startServer } from '../fixtures/child-server.js'
import { post, tempDir } from '../helpers/app.js'
import { openReader } from '../helpers/sse-reader.js'
import { waitFor, within } from '../helpers/wait-for.js'

const MiB = 1024 * 1024

/** Resident set size of a process in bytes, from /proc. */
function rssBytes (pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (match === null) throw new Error(`no VmRSS for process ${pid}`)
  return Number(match[1]) * 1024
}

/** `/healthz` of a running server. */
async function health (url: string): Promise<{ clients: number, lastId: number }> {
  return await (await fetch(`${url}/healthz`)).json() as { clients: number, lastId: number }
}

const mb = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`

t.test('a client that never reads is cut off during a 50 MB flood, server memory stays bounded and fast readers miss nothing', async (t) => {
  const BATCH = 5_000
  const FLOOD_BYTES = 50 * MiB
  const pad = 'p'.repeat(100)
  const metric = 'abuse.flood.never-reading-client'
  const pointsOf = (from: number): Array<{ metric: string, value: number, tags: { pad: string } }> =>
    Array.from({ length: BATCH }, (_, i) => ({ metric, value: from + i, tags: { pad } }))
  // A frame as subscribers receive it, with a 6-digit id: about 250 bytes.
  const frameBytes = Buffer.byteLength(encodeMetric({ id: 100_000, metric, value: 100_000, ts: Date.now(), tags: { pad } }))
  const batches = Math.ceil(FLOOD_BYTES / (frameBytes * BATCH))
  const total = batches * BATCH

  // A bound well above one 1.2 MB batch, so only a client that really stops reading is cut off.
  const server = await startServer(t, ['--no-self-metrics', '--max-client-buffer-bytes', String(8 * MiB)], { DATA_DIR: tempDir(t) })
  const pid = server.process.pid!

  // The stuck client: a raw socket that reads the response head, then never reads again.
  const stuck = connect(Number(new URL(server.url).port), '127.0.0.1')
  t.teardown(() => stuck.destroy())
  let stuckHead = ''
  let stuckBytes = 0
  stuck.on('error', () => {}) // a reset shows up as 'close' too, which is what the test waits for
  const stuckClosed = new Promise<void>((resolve) => stuck.once('close', () => resolve()))
  const headArrived = new Promise<void>((resolve) => stuck.once('data', (chunk: Buffer) => {
    stuckHead = chunk.toString('latin1')
    stuck.pause()
    resolve()
  }))
  stuck.on('data', (chunk: Buffer) => { stuckBytes += chunk.length })
  stuck.write('GET /api/stream HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n')
  await within(headArrived, 'the stuck client\'s response head', 5_000)
  t.match(stuckHead, /^HTTP\/1\.1 200 /, 'the stuck client got a stream')

  const fast = await Promise.all([1, 2, 3].map(async () => await openReader(t, `${server.url}/api/stream`)))
  await waitFor(async () => (await health(server.url)).clients === 4, 5_000, 'four open streams')

  const rssBefore = rssBytes(pid)
  let rssMax = rssBefore
  const sample = (): void => {
    try {
      rssMax = Math.max(rssMax, rssBytes(pid))
    } catch {
      // the process has gone: the assertions below report why
    }
  }
  const sampler = setInterval(sample, 10)
  t.teardown(() => clearInterval(sampler))

  // Each fast reader checks every id as it arrives, batch by batch, so nothing piles up in the test.
  let streamedBytes = 0
  const batchesRead = fast.map(() => 0)
  const reading = fast.map(async (reader, n) => {
    let next = 1
    let received = 0
    let problem: string | undefined
    for (let b = 0; b < batches; b++) {
      const events = await reader.metrics(BATCH, 60_000)
      for (const event of events) {
        if (event.id !== next && problem === undefined) problem = `expected id ${next}, got ${event.id}`
        next = event.id + 1
        if (n === 0) streamedBytes += Buffer.byteLength(encodeMetric(event))
      }
      received += events.length
      batchesRead[n] = b + 1
    }
    return { received, lastId: next - 1, problem }
  })

  const started = Date.now()
  let acked = 0
  let ackProblem: string | undefined
  for (let b = 0; b < batches; b++) {
    // The fast readers share this process with the publisher; letting them stay within two batches
    // keeps "fast" true however loaded the machine is, while the stuck client falls behind for good.
    await waitFor(async () => Math.min(...batchesRead) >= b - 1, 60_000, `the fast readers to take batch ${b - 1}`)
    const ack = await post(server.url, pointsOf(b * BATCH))
    const body = ack.body as { firstId: number, lastId: number }
    if (ack.status !== 202 || body.firstId !== acked + 1 || body.lastId !== acked + BATCH) {
      ackProblem ??= `batch ${b}: ${ack.status} ${JSON.stringify(ack.body)}`
    }
    acked += BATCH
    sample()
  }
  const results = await Promise.all(reading)
  const elapsedMs = Date.now() - started
  t.equal(ackProblem, undefined, `every batch of ${BATCH} was accepted with consecutive ids`)
  t.ok(streamedBytes >= FLOOD_BYTES * 0.95, `about 50 MB was streamed to each reader (${mb(streamedBytes)}, ${total} points of ~${frameBytes} bytes)`)
  for (const [n, result] of results.entries()) {
    t.same(result, { received: total, lastId: total, problem: undefined }, `fast reader ${n + 1} received ids 1..${total} in order with no gap`)
  }

  // Once cut off, the stuck client stops counting; reading again, it finds the end of the stream.
  await t.resolves(waitFor(async () => (await health(server.url)).clients === 3, 10_000, 'the stuck stream to close'),
    'the server cut the stuck client off (/healthz clients 4 → 3)')
  stuck.resume()
  await t.resolves(within(stuckClosed, 'the stuck socket closing', 10_000), 'the stuck socket sees the server close it')
  t.ok(stuckBytes < streamedBytes / 2, `the stuck client received only part of the flood (${mb(stuckBytes)} of ${mb(streamedBytes)})`)

  sample()
  clearInterval(sampler)
  // The bound covers everything the server holds during the flood, its in-memory resume window included.
  const growth = rssMax - rssBefore
  t.comment(`flood of ${mb(streamedBytes)} to 3 readers in ${elapsedMs} ms; server RSS ${mb(rssBefore)} before, ${mb(rssMax)} at most (+${mb(growth)})`)
  // Most of the growth is V8 sizing its heap to the ingest's garbage: the resume window's byte bound
  // (WINDOW_BYTES) and the --optimize-for-size that `npm start` gives Node keep it down (docs/performance.md).
  t.ok(growth < 100 * MiB, `server RSS grew by less than 100 MiB (grew ${mb(growth)})`)
  t.equal(server.process.exitCode, null, 'the server is still running')
})
