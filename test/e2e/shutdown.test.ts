import t from 'tap'
import { startServer } from '../fixtures/child-server.js'
import { post, tempDir } from '../helpers/app.js'
import { SseReader } from '../helpers/sse-reader.js'

const args = ['--no-self-metrics']

t.test('SIGTERM: streams get a jittered retry, nothing acknowledged is lost, and a restart resumes every client', async (t) => {
  const dataDir = tempDir(t)
  const first = await startServer(t, args, { DATA_DIR: dataDir })
  const readers = await Promise.all([1, 2, 3].map(async () => await SseReader.open(`${first.url}/api/stream`)))
  t.teardown(() => { for (const reader of readers) reader.close() })
  const acked: number[] = []
  const publishing = { on: true }
  const publisher = (async () => {
    for (let i = 0; publishing.on; i++) {
      const response = await post(first.url, [{ metric: 'shutdown.m', value: i }]).catch(() => undefined)
      if (response?.status === 202) acked.push((response.body as { lastId: number }).lastId)
      else if (response === undefined) return // the server has gone
    }
  })()
  while (acked.length < 50) await new Promise((resolve) => setTimeout(resolve, 5))
  const signalledAt = Date.now()
  first.process.kill('SIGTERM')
  t.equal(await first.exited, 0, 'exits cleanly')
  t.ok(Date.now() - signalledAt < 5000, 'within 5 s')
  publishing.on = false
  await publisher

  const lastSeen: number[] = []
  for (const reader of readers) {
    let last = 0
    let retryMs: number | undefined
    for (;;) {
      const frame = await reader.next().catch(() => undefined)
      if (frame === undefined) break
      if (frame.kind === 'event' && frame.event === 'metric') last = Number(frame.id)
      if (frame.kind === 'retry' && last > 0) retryMs = frame.ms
    }
    t.ok(retryMs !== undefined && retryMs >= 3000 && retryMs < 5000, `a final retry between 3 and 5 s (got ${retryMs})`)
    lastSeen.push(last)
  }

  const second = await startServer(t, args, { DATA_DIR: dataDir })
  const newest = acked.at(-1)!
  for (const last of lastSeen) {
    const resumed = await SseReader.open(`${second.url}/api/stream`, { 'last-event-id': String(last) })
    const ids = (await resumed.metrics(newest - last, 10_000)).map((e) => e.id)
    resumed.close()
    t.same(ids, Array.from({ length: newest - last }, (_, i) => last + i + 1), `a client at ${last} resumes with exactly what it missed`)
  }
  const all = await SseReader.open(`${second.url}/api/stream?lastEventId=0`)
  const stored = new Set((await all.metrics(newest, 10_000)).map((e) => e.id))
  all.close()
  t.same(acked.filter((id) => !stored.has(id)), [], `all ${acked.length} acknowledged points survived`)
})
