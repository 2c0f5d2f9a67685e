import { join } from 'node:path'
import Database from 'better-sqlite3'
import t, { type Test } from 'tap'
import type { Json, MetricPoint } from '../../../../server/core/event.js'
import { DEFAULT_READ_THREADS, ReadPool } from '../../../../server/log/sqlite/read-pool.js'
import { prepareReads, type ReadRequest } from '../../../../server/log/sqlite/read-queries.js'
import { SqliteWriter } from '../../../../server/log/sqlite/sqlite-writer.js'

/** The text of a JSON answer, whichever form the pool gives it in. */
function text (json: Json<unknown>): string {
  return typeof json === 'string' ? json : Buffer.from(json).toString()
}

/** A database of `count` points over three metrics, in a test dir; returns its path. */
async function database (t: Test, count = 300): Promise<string> {
  const log = SqliteWriter.open({ dataDir: t.testdir() })
  const points: MetricPoint[] = Array.from({ length: count }, (_, i) => ({
    metric: ['cpu', 'mem', 'disk'][i % 3]!,
    value: (i * 7) % 50,
    ts: 1000 + Math.floor(i / 2),
    ...(i % 5 === 0 ? { tags: { host: `h${i % 4}` } } : {})
  }))
  await log.append(points)
  await log.close()
  return log.path
}

/** The same reads, done directly on a read-only connection on this thread. */
function direct (t: Test, path: string): ReturnType<typeof prepareReads> {
  const db = new Database(path, { readonly: true, fileMustExist: true })
  t.teardown(() => db.close())
  return prepareReads(db)
}

function pool (t: Test, path: string, threads?: number): ReadPool {
  const readPool = new ReadPool(path, threads)
  t.teardown(async () => await readPool.close())
  return readPool
}

const REQUESTS: ReadRequest[] = [
  { op: 'readAfter', afterId: 0, limit: 1000 },
  { op: 'readAfter', afterId: 120, limit: 7 },
  { op: 'readAfter', afterId: 300, limit: 10 },
  { op: 'history', metric: 'cpu', fromMs: 1000, toMs: 1100, limit: 1000 },
  { op: 'history', metric: 'mem', fromMs: 1010, toMs: 1090, limit: 5 },
  { op: 'history', metric: 'nope', fromMs: 0, toMs: 1e15, limit: 5 },
  { op: 'buckets', metric: 'disk', fromMs: 1000, toMs: 1149, bucketMs: 10 },
  { op: 'buckets', metric: 'cpu', fromMs: 1003, toMs: 1097, bucketMs: 7 },
  { op: 'buckets', metric: 'cpu', fromMs: 5000, toMs: 6000, bucketMs: 10 }
]

t.test('the default is two reader threads', async (t) => {
  t.equal(DEFAULT_READ_THREADS, 2)
  const path = await database(t, 30)
  const readPool = pool(t, path)
  t.same(await readPool.run({ op: 'readAfter', afterId: 0, limit: 100 }), direct(t, path)({ op: 'readAfter', afterId: 0, limit: 100 }))
})

t.test('each read answers what the same read gives on this thread', async (t) => {
  const path = await database(t)
  const run = direct(t, path)
  const readPool = pool(t, path, 2)
  for (const request of REQUESTS) {
    const expected = run(request)
    if (request.op === 'readAfter') {
      const events = await readPool.run(request)
      t.same(events, expected, `readAfter ${request.afterId}, ${request.limit}`)
      t.equal(JSON.stringify(events), JSON.stringify(expected), 'keys in wire order')
    } else {
      const json = await readPool.run(request)
      t.equal(text(json), JSON.stringify(expected), `${request.op} ${request.metric} as JSON text`)
    }
  }
  t.ok((run(REQUESTS[0]!)).length === 300, 'the first request read every point')
})

t.test('many concurrent requests are all answered, each with its own result', async (t) => {
  const path = await database(t)
  const run = direct(t, path)
  const readPool = pool(t, path, 3)
  const requests = Array.from({ length: 300 }, (_, i): ReadRequest => (i % 3 === 0
    ? { op: 'readAfter', afterId: i, limit: 1 + (i % 11) }
    : i % 3 === 1
      ? { op: 'history', metric: 'mem', fromMs: 1000 + (i % 50), toMs: 1100, limit: 1 + (i % 13) }
      : { op: 'buckets', metric: 'cpu', fromMs: 1000, toMs: 1000 + i, bucketMs: 1 + (i % 17) }))
  const answers = await Promise.all(requests.map(async (request) => await readPool.run(request)))
  t.equal(answers.length, requests.length)
  const mismatched = requests.filter((request, i) => {
    const answer = answers[i]!
    const got = Array.isArray(answer) ? JSON.stringify(answer) : text(answer)
    return got !== JSON.stringify(run(request))
  })
  t.same(mismatched, [], 'every answer matches its own request')
})

t.test('a read that throws in the worker rejects with its message and the pool goes on', async (t) => {
  const path = await database(t, 10)
  const readPool = pool(t, path, 1)
  // An object where a number belongs: better-sqlite3 reads it as named parameters and throws in the worker.
  const bad = { op: 'readAfter', afterId: 0, limit: { not: 'a number' } } as unknown as ReadRequest
  await t.rejects(readPool.run(bad), { message: 'Too few parameter values were provided' })
  t.equal((await readPool.run({ op: 'readAfter', afterId: 0, limit: 100 })).length, 10, 'the same worker still answers')
})

t.test('a reader that dies fails its pending request and is replaced', async (t) => {
  const dir = t.testdir()
  const path = join(dir, 'late.db')
  // No file yet: each reader dies at start-up, when its connection fails to open.
  const readPool = pool(t, path, 1)
  const err = await readPool.run({ op: 'readAfter', afterId: 0, limit: 10 }).then(() => undefined, (e: unknown) => e)
  t.match(err, { code: 'SQLITE_CANTOPEN' }, 'the request fails with the reason the reader died')
  t.type(err, Error, 'and the reason is an Error, as run() promises')
  const log = SqliteWriter.open({ dataDir: dir, fileName: 'late.db' })
  await log.append([{ metric: 'm', value: 1, ts: 1 }])
  await log.close()
  // Readers started before the file existed may still die; a replacement started after it answers.
  const deadline = Date.now() + 10_000
  let events: unknown
  while (events === undefined) {
    try {
      events = await readPool.run({ op: 'readAfter', afterId: 0, limit: 10 })
    } catch (err) {
      if (Date.now() > deadline) throw err
      t.match(err, { code: /^(SQLITE_CANTOPEN|PB_ERR_STORE_UNAVAILABLE)$/ }, 'until then, reads fail fast with a reason')
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
  t.same(events, [{ id: 1, metric: 'm', value: 1, ts: 1 }])
})

t.test('close settles requests in flight, later runs reject and a second close is harmless', async (t) => {
  const path = await database(t)
  const readPool = new ReadPool(path, 2)
  const inFlight = Array.from({ length: 20 }, async () => await readPool.run({ op: 'readAfter', afterId: 0, limit: 1000 }))
  const settling = Promise.allSettled(inFlight)
  await readPool.close()
  const settled = await settling
  t.equal(settled.length, 20, 'every request settled')
  for (const result of settled) {
    if (result.status === 'fulfilled') t.equal(result.value.length, 300)
    else t.match(result.reason, { message: /read worker exited with code/ })
  }
  await t.rejects(readPool.run({ op: 'readAfter', afterId: 0, limit: 10 }), { message: 'the read pool is closed' })
  await t.resolves(readPool.close(), 'closing again')
  await t.rejects(readPool.run({ op: 'history', metric: 'cpu', fromMs: 0, toMs: 1, limit: 1 }), { message: 'the read pool is closed' })
})
