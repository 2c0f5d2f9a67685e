import t from 'tap'
import { startServer } from '../fixtures/child-server.js'
import { post, tempDir } from '../helpers/app.js'
import { ids, range } from '../helpers/sqlite-log.js'
import { SseReader } from '../helpers/sse-reader.js'
import { waitFor } from '../helpers/wait-for.js'

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
  await waitFor(() => acked.length >= 50, 30_000, '50 acknowledged publishes')
  first.process.kill('SIGTERM')
  // Past the 5 s grace period close-with-grace would end the process with 1.
  const started = Date.now()
  const code = await first.exited
  // The server's own words say why, when it did not exit cleanly.
  t.equal(code, 0, 'exits cleanly, within the grace period', { exitedAfterMs: Date.now() - started, output: first.output().slice(-6000) })
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
  const { lastId: newest } = await (await fetch(`${second.url}/healthz`)).json() as { lastId: number }
  const resumed = await Promise.all(lastSeen.map(async (last) => await SseReader.open(`${second.url}/api/stream`, { 'last-event-id': String(last) })))
  t.teardown(() => { for (const reader of resumed) reader.close() })
  // Published after the restart, so each client's stream up to it is all it gets: even one that had seen everything.
  const marker = (await post(second.url, { metric: 'shutdown.m', value: -1 })).body as { firstId: number }
  t.equal(marker.firstId, newest + 1, 'ids continue after the newest stored')
  for (const [i, reader] of resumed.entries()) {
    const last = lastSeen[i]!
    t.same(ids(await reader.metricsBefore(marker.firstId, 10_000)), range(last + 1, newest), `a client at ${last} resumes with exactly what it missed (${newest - last}), then goes live`)
  }
  const all = await SseReader.open(`${second.url}/api/stream?lastEventId=0`)
  const stored = new Set(ids(await all.metrics(newest, 10_000)))
  all.close()
  t.same(acked.filter((id) => !stored.has(id)), [], `all ${acked.length} acknowledged points survived`)
})
