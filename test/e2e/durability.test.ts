import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { runServer, startServer, type ChildServer } from '../fixtures/child-server.js'
import { post, tempDir } from '../helpers/app.js'
import { SseReader } from '../helpers/sse-reader.js'

const args = ['--no-self-metrics']

/** Publishes `total` points in batches of 1–300 from `concurrency` publishers; returns every acknowledged id. */
async function publishMixed (url: string, total: number, concurrency: number): Promise<number[]> {
  const acked: number[] = []
  let remaining = total
  const publisher = async (): Promise<void> => {
    while (remaining > 0) {
      const size = Math.min(remaining, 1 + Math.floor(Math.random() * 300))
      remaining -= size
      const response = await post(url, Array.from({ length: size }, (_, i) => ({ metric: `crash.m${i % 7}`, value: i })))
        .catch(() => undefined) // the server may be killed mid-request: that point was never acknowledged
      if (response?.status !== 202) return
      const { firstId, lastId } = response.body as { firstId: number, lastId: number }
      for (let id = firstId; id <= lastId; id++) acked.push(id)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, publisher))
  return acked.sort((a, b) => a - b)
}

/** Every id the server replays after `afterId`, up to its newest. */
async function replayedIds (server: ChildServer, afterId: number): Promise<number[]> {
  const { lastId } = await (await fetch(`${server.url}/healthz`)).json() as { lastId: number }
  const reader = await SseReader.open(`${server.url}/api/stream?lastEventId=${afterId}`)
  try {
    return (await reader.metrics(lastId - afterId, 20_000)).map((e) => e.id)
  } finally {
    reader.close()
  }
}

t.test('after kill -9 every acknowledged point is there and ids continue', async (t) => {
  const dataDir = tempDir(t)
  const first = await startServer(t, args, { DATA_DIR: dataDir })
  const acked = await publishMixed(first.url, 5000, 4)
  t.equal(acked.length, 5000)
  first.process.kill('SIGKILL')
  await first.exited
  const second = await startServer(t, args, { DATA_DIR: dataDir })
  t.same(await replayedIds(second, acked[0]! - 1), acked, 'resume from the first id minus 1 returns exactly the acknowledged points')
  const { metrics } = await (await fetch(`${second.url}/api/metrics`)).json() as { metrics: Array<{ metric: string, count: number }> }
  t.same(metrics.map((m) => m.metric), ['crash.m0', 'crash.m1', 'crash.m2', 'crash.m3', 'crash.m4', 'crash.m5', 'crash.m6'], 'the catalog survives the restart')
  t.equal(metrics.reduce((sum, m) => sum + m.count, 0), 5000)
  const next = await post(second.url, { metric: 'after.restart', value: 1 })
  t.equal((next.body as { firstId: number }).firstId, acked.at(-1)! + 1, 'ids continue after the last stored id')
})

t.test('kills at random moments during publishing never lose an acknowledged point', async (t) => {
  const dataDir = tempDir(t)
  const acked = new Set<number>()
  let lastSeen = 0
  for (let round = 0; round < 3; round++) {
    const server = await startServer(t, args, { DATA_DIR: dataDir })
    const publishing = publishMixed(server.url, 20_000, 4)
    setTimeout(() => server.process.kill('SIGKILL'), 50 + Math.random() * 400)
    for (const id of await publishing) acked.add(id)
    await server.exited
    const check = await startServer(t, args, { DATA_DIR: dataDir })
    const stored = new Set(await replayedIds(check, 0))
    const missing = [...acked].filter((id) => !stored.has(id))
    t.same(missing, [], `round ${round}: no acknowledged id is missing (${acked.size} acknowledged)`)
    const newest = Math.max(0, ...stored)
    t.ok(newest >= lastSeen, 'ids never go back')
    lastSeen = newest
    check.process.kill('SIGKILL')
    await check.exited
  }
})

t.test('start-up fails with one clear line on an unusable DATA_DIR', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'not-a-dir')
  writeFileSync(file, 'x')
  const underFile = await runServer(args, { DATA_DIR: join(file, 'data') })
  t.equal(underFile.code, 1)
  t.match(underFile.stderr, /^pulseboard: cannot open event store .*not-a-dir.*\n$/)
  writeFileSync(join(dir, 'pulseboard.db'), Buffer.alloc(8192, 7))
  const bad = await runServer(args, { DATA_DIR: dir })
  t.equal(bad.code, 1)
  t.match(bad.stderr, /^pulseboard: cannot open event store .*pulseboard\.db: .*\n$/)
})

t.test('a second server on the same DATA_DIR refuses to start while the first runs', async (t) => {
  const dataDir = tempDir(t)
  const first = await startServer(t, args, { DATA_DIR: dataDir })
  const second = await runServer(args, { DATA_DIR: dataDir })
  t.equal(second.code, 1)
  t.match(second.stderr, new RegExp(`^pulseboard: cannot open event store .*in use by another Pulseboard process \\(pid ${first.process.pid}\\).*\\n$`))
  first.process.kill('SIGTERM')
  await first.exited
  const third = await startServer(t, args, { DATA_DIR: dataDir })
  t.equal((await fetch(`${third.url}/healthz`)).status, 200, 'once the first has stopped, the store opens again')
})
