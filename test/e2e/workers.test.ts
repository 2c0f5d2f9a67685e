import { get, request } from 'node:http'
import type { Test } from 'tap'
import t from 'tap'
import type { MetricCatalog, PublishAck } from '../../server/core/event.js'
import type { Health } from '../../server/routes/health.js'
import { runServer, startServer } from '../fixtures/child-server.js'
import { post } from '../helpers/app.js'
import { startRedis } from '../helpers/redis-server.js'
import { SseReader } from '../helpers/sse-reader.js'
import { waitFor } from '../helpers/wait-for.js'

/** GET /healthz on a connection of its own, so the cluster hands it to the next worker; fails after 5 s. */
async function health (url: string): Promise<Health> {
  return await new Promise((resolve, reject) => {
    const request = get(`${url}/healthz`, { agent: false, timeout: 5000 }, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => { body += chunk })
      response.on('end', () => resolve(JSON.parse(body) as Health))
    })
    request.on('timeout', () => request.destroy(new Error('no answer from /healthz within 5 s')))
    request.on('error', reject)
  })
}

/** Streams open on each worker, by pid, once both workers have answered and their counts add up to `total`. */
async function clientsByWorker (url: string, total: number): Promise<Map<number, number>> {
  const seen = new Map<number, number>()
  await waitFor(async () => {
    const answer = await health(url)
    seen.set(answer.pid, answer.clients)
    return seen.size === 2 && [...seen.values()].reduce((a, b) => a + b, 0) === total
  }, 10_000, `two workers serving ${total} streams between them`)
  return seen
}

/** Opens streams one by one until both workers hold at least one (the primary hands connections round robin). */
async function streamsOnBothWorkers (t: Test, url: string, headers: Record<string, string> = {}): Promise<SseReader[]> {
  const readers: SseReader[] = []
  for (;;) {
    const reader = await SseReader.open(`${url}/api/stream?metrics=w`, headers)
    t.teardown(() => reader.close())
    readers.push(reader)
    const byWorker = await clientsByWorker(url, readers.length)
    if ([...byWorker.values()].every((clients) => clients > 0)) return readers
    if (readers.length >= 16) throw new Error(`16 streams, all on one worker: ${JSON.stringify([...byWorker])}`)
  }
}

/** Three processes load on a shared 2-core machine: allow for it. */
const STARTUP_MS = 30_000

const point = (value: number): { metric: string, value: number } => ({ metric: 'w', value })

/** Two workers on one port: streams on both get what either stored, and a client resumes on either. */
async function checkCluster (t: Test, url: string, store: Health['store']['kind']): Promise<void> {
  const readers = await streamsOnBothWorkers(t, url)
  t.pass(`${readers.length} streams, spread over both workers`)
  t.equal((await health(url)).store.kind, store)

  const ack = (await post(url, [point(1), point(2)])).body as PublishAck
  for (const reader of readers) t.same((await reader.metrics(2)).map((e) => e.id), [ack.firstId, ack.lastId], 'every stream, on either worker, gets the points')

  readers[0]!.close()
  const missed = (await post(url, [point(3), point(4), point(5)])).body as PublishAck
  const resumed = await SseReader.open(`${url}/api/stream?metrics=w`, { 'last-event-id': String(ack.lastId) })
  t.teardown(() => resumed.close())
  t.same((await resumed.metrics(3)).map((e) => e.value), [3, 4, 5], 'a client resumes on whichever worker it lands on')
  t.equal(missed.lastId, ack.lastId + 3)
}

/** SIGKILLs the worker that answers next, then waits until two other workers answer: its replacement is up. */
async function killAWorker (url: string): Promise<void> {
  const victim = (await health(url)).pid
  process.kill(victim, 'SIGKILL')
  const pids = new Set<number>()
  await waitFor(async () => {
    // A connection handed to the worker as it died is lost with it: that is why clients retry.
    const answer = await health(url).catch(() => undefined)
    if (answer !== undefined) pids.add(answer.pid)
    return [...pids].filter((pid) => pid !== victim).length === 2
  }, STARTUP_MS, 'a replacement worker')
}

t.test('--workers 2 with the embedded SQLite log, shared through the primary', async (t) => {
  const server = await startServer(t, ['--workers', '2'], { SELF_METRICS: 'false' }, { timeoutMs: STARTUP_MS })
  await checkCluster(t, server.url, 'primary')
  // A worker that dies after it listened is replaced; the others never stop serving.
  await killAWorker(server.url)
  t.pass('the dead worker was replaced')
  server.process.kill('SIGTERM')
  t.equal(await server.exited, 0, 'SIGTERM stops the workers, then the primary, cleanly')
})

/** The instances whose self-metrics the catalog holds with a point from `sinceMs` on, by their `clients` metric, sorted. */
async function selfMetricInstances (url: string, sinceMs = 0): Promise<string[]> {
  const { metrics } = await (await fetch(`${url}/api/metrics`)).json() as MetricCatalog
  return metrics.filter((m) => m.metric.startsWith('pulseboard.') && m.metric.endsWith('.clients') && m.ts >= sinceMs).map((m) => m.metric).sort()
}

t.test('a replacement worker publishes its self-metrics under the name of the slot it fills', async (t) => {
  const server = await startServer(t, ['--workers', '2'], {}, { timeoutMs: STARTUP_MS })
  await waitFor(async () => (await selfMetricInstances(server.url)).length === 2, STARTUP_MS, 'self-metrics of both workers')
  const names = await selfMetricInstances(server.url)
  t.match(names, [/^pulseboard\..+\/w1\.clients$/, /^pulseboard\..+\/w2\.clients$/], 'one name per slot')
  await killAWorker(server.url)
  const replacedAtMs = Date.now()
  await waitFor(async () => (await selfMetricInstances(server.url, replacedAtMs)).length >= 2, STARTUP_MS, 'self-metrics from both workers since the replacement')
  t.same(await selfMetricInstances(server.url), names, 'the replacement took the dead worker\'s name; no new name appeared')
})

t.test('a worker that cannot start stops the whole cluster with exit code 1', async (t) => {
  const { code, stderr } = await runServer(['--workers', '2', '--port', '0'], { STORE: 'redis', REDIS_URL: 'redis://127.0.0.1:1' })
  t.equal(code, 1)
  t.match(stderr, /cannot open event store redis:\/\/127\.0\.0\.1:1/, 'the worker says why, in one line')
  t.match(stderr, /a worker could not start/)
})

t.test('--workers 2 with Redis: each worker reads the stream itself', async (t) => {
  const redis = await startRedis(t)
  if (redis === undefined) return
  const server = await startServer(t, ['--workers', '2'], { SELF_METRICS: 'false', STORE: 'redis', REDIS_URL: redis.url }, { timeoutMs: STARTUP_MS })
  await checkCluster(t, server.url, 'redis')
})

/** One wrong sign-in on a connection of its own (so the cluster hands it to the next worker), from the forwarded client `from`; resolves with the status. */
async function signIn (url: string, from: string): Promise<number> {
  return await new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': from }
    const attempt = request(`${url}/api/session`, { method: 'POST', agent: false, timeout: 5000, headers }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
    attempt.on('timeout', () => attempt.destroy(new Error('no answer from /api/session within 5 s')))
    attempt.on('error', reject)
    attempt.end('token=guess')
  })
}

t.test('--workers 2: the per-address stream cap and the sign-in limit hold for the whole port, and logs name the forwarded client', async (t) => {
  const reader = 'reader-token-000001'
  const server = await startServer(t, ['--workers', '2'], {
    SELF_METRICS: 'false', MAX_CLIENTS_PER_IP: '3', TRUST_PROXY: '127.0.0.1', READ_TOKEN: reader, LOG_LEVEL: 'debug'
  }, { timeoutMs: STARTUP_MS })
  const authorization = `Bearer ${reader}`
  // Local streams (not capped per address) until both workers serve, so that connections alternate between them.
  await streamsOnBothWorkers(t, server.url, { authorization })
  const statuses: number[] = []
  // Each open stream holds a connection of its own, handed to the workers in turn: the cap must count both.
  for (let i = 0; i < 5; i++) {
    const stream = await SseReader.open(`${server.url}/api/stream`, { authorization, 'x-forwarded-for': '203.0.113.7' }, 10_000)
    t.teardown(() => stream.close())
    statuses.push(stream.status)
  }
  t.same(statuses, [200, 200, 200, 503, 503], 'three streams from one client, whichever worker they land on')

  const attempts: number[] = []
  for (let i = 0; i < 12; i++) attempts.push(await signIn(server.url, '203.0.113.8'))
  t.same(attempts, [...Array<number>(10).fill(401), 429, 429], 'ten sign-in attempts a minute from one client, across both workers')
  t.match(server.output(), /"remoteAddress":"203\.0\.113\.8"/, 'the request log names the client, not the proxy')
})
