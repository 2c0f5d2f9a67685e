import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { killGroup, runServer, startServer, type ChildServer } from '../fixtures/child-server.js'
import { post, tempDir } from '../helpers/app.js'
import { SseReader } from '../helpers/sse-reader.js'
import { waitFor } from '../helpers/wait-for.js'

const args = ['--no-self-metrics']

/**
 * Publishes `total` points in batches of 1–300 from `concurrency` publishers; returns every
 * acknowledged id. `onAck` hears the running count of acknowledged points after each answer.
 */
async function publishMixed (url: string, total: number, concurrency: number, onAck: (count: number) => void = () => {}): Promise<number[]> {
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
      onAck(acked.length)
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

/** Whether process `pid` has ended but is not reaped yet: a zombie, which still owns its pid (Linux). */
function isZombie (pid: number): boolean {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The state follows the command name in parentheses, which may itself hold spaces or parentheses.
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')
}

t.test('a kill at a random moment during publishing never loses an acknowledged point', async (t) => {
  const dataDir = tempDir(t)
  const total = 20_000
  const server = await startServer(t, args, { DATA_DIR: dataDir })
  // Some but not all acknowledged: at most 4 publishers × 300 points are in flight when it lands.
  // In the first half, so that the test stays short; each run picks another moment.
  const killAt = 1 + Math.floor(Math.random() * total / 2)
  const acked = await publishMixed(server.url, total, 4, (count) => { if (count >= killAt) server.process.kill('SIGKILL') })
  t.ok(acked.length >= killAt && acked.length < total, `killed mid-publish, after ${acked.length} of ${total} acknowledgements`)
  await server.exited
  const check = await startServer(t, args, { DATA_DIR: dataDir })
  const stored = await replayedIds(check, 0)
  const storedSet = new Set(stored)
  t.same(acked.filter((id) => !storedSet.has(id)), [], `no acknowledged id is missing (${acked.length} acknowledged)`)
  const next = await post(check.url, { metric: 'after.kill', value: 1 })
  t.equal((next.body as { firstId: number }).firstId, Math.max(0, ...stored) + 1, 'ids continue after the newest stored id')
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
  t.match(second.stderr, /^pulseboard: cannot open event store .*pulseboard\.db: it is in use by another Pulseboard process; stop it or choose another DATA_DIR\n$/)
  first.process.kill('SIGTERM')
  await first.exited
  const third = await startServer(t, args, { DATA_DIR: dataDir })
  t.equal((await fetch(`${third.url}/healthz`)).status, 200, 'once the first has stopped, the store opens again')
})

t.test('a leftover lock file naming a live unrelated process does not block a start', async (t) => {
  const dataDir = tempDir(t)
  const first = await startServer(t, args, { DATA_DIR: dataDir })
  await post(first.url, { metric: 'before.stop', value: 1 })
  first.process.kill('SIGTERM')
  await first.exited
  // This test's own pid: alive, and not a Pulseboard server.
  writeFileSync(join(dataDir, 'pulseboard.db.lock'), String(process.pid))
  const second = await startServer(t, args, { DATA_DIR: dataDir })
  t.same(await replayedIds(second, 0), [1], 'the store opened with its point')
})

t.test('a restart right after SIGKILL of the whole process group starts, while the dead server lingers unreaped', async (t) => {
  const dataDir = tempDir(t)
  const first = await startServer(t, args, { DATA_DIR: dataDir }, { unreaped: true })
  await post(first.url, { metric: 'before.kill', value: 1 })
  killGroup(first.pid)
  await waitFor(() => isZombie(first.pid), 10_000, 'the killed server turning zombie')
  const second = await startServer(t, args, { DATA_DIR: dataDir })
  t.same(await replayedIds(second, 0), [1], 'the store opened with its point')
})
