import { spawn } from 'node:child_process'
import { randomBytes, randomInt } from 'node:crypto'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { SqliteEventLog } from '../../../../server/log/sqlite/sqlite-event-log.js'
import { StoreOpenError, StoreWriteError } from '../../../../server/log/errors.js'
import { fill, ids, open, point, QUIET } from '../../../helpers/sqlite-log.js'

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
const WRITER = fileURLToPath(new URL('../../../fixtures/sqlite-writer.ts', import.meta.url))

t.test('a directory that cannot be created gives StoreOpenError naming the path', async (t) => {
  const dir = t.testdir({ file: 'not a directory' })
  const dataDir = join(dir, 'file', 'sub')
  const err = t.throws(() => SqliteEventLog.open({ ...QUIET, dataDir })) as StoreOpenError
  t.type(err, StoreOpenError)
  t.type(err, Error)
  t.equal(err.code, 'PB_ERR_STORE_UNAVAILABLE')
  t.equal(err.name, 'StoreOpenError')
  t.equal(err.path, join(dataDir, 'pulseboard.db'))
  t.match(err.message, dataDir)
  t.match(err.message, /ENOTDIR/)
  t.notMatch(err.message, /\n/)
})

t.test('a file that is not a database gives StoreOpenError', async (t) => {
  const dir = t.testdir()
  writeFileSync(join(dir, 'pulseboard.db'), randomBytes(16_384))
  const err = t.throws(() => SqliteEventLog.open({ ...QUIET, dataDir: dir })) as StoreOpenError
  t.type(err, StoreOpenError)
  t.equal(err.code, 'PB_ERR_STORE_UNAVAILABLE')
  t.match(err.message, join(dir, 'pulseboard.db'))
  t.match(err.message, /not a database/)
  t.notMatch(err.message, /\n/)
})

t.test('a disk-full commit rejects every caller of the group, stores nothing, and the log recovers', async (t) => {
  const dir = t.testdir()
  const log = open(t, { dataDir: dir })
  await fill(log, 3)
  const catalog = log.catalog()
  const commits = log.writer.commits
  // A real SQLITE_FULL: the file may not grow past its current size.
  log.writer.pragma(`max_page_count = ${String(log.writer.pragma('page_count', { simple: true }))}`)
  const big = Array.from({ length: 2000 }, (_, i) => point('big', i, 2000 + i, { pad: 'x'.repeat(90) }))
  const results = await Promise.allSettled([log.append([point('m', 100)]), log.append(big), log.append([])])
  for (const result of results) {
    t.equal(result.status, 'rejected')
    const err: unknown = result.status === 'rejected' ? result.reason : undefined
    t.type(err, StoreWriteError)
    t.match(err, { code: 'PB_ERR_STORE_UNAVAILABLE', sqliteCode: 'SQLITE_FULL', name: 'StoreWriteError' })
    t.match((err as Error).message, join(dir, 'pulseboard.db'))
  }
  t.equal(log.latestId(), 3)
  t.equal(log.writer.commits, commits)
  t.same(ids(await log.readAfter(0, 10_000)), [1, 2, 3])
  t.same(log.catalog(), catalog)
  t.equal(await log.history('big', { fromMs: 0, toMs: 1e15, limit: 10 }), undefined)
  log.writer.pragma('max_page_count = 1073741823')
  t.same(ids(await log.append([point('m', 200)])), [4], 'the next id follows the last stored one')
  await log.close()
  const reopened = open(t, { dataDir: dir })
  t.equal(reopened.latestId(), 4)
  t.same((await reopened.readAfter(0, 10_000)).map((e) => e.value), [0, 1, 2, 200])
})

t.test('StoreWriteError keeps a cause without an SQLite code', async (t) => {
  const fromString = new StoreWriteError('/x.db', 'boom')
  t.equal(fromString.message, 'cannot write to event store /x.db: boom')
  t.equal(fromString.sqliteCode, undefined)
  t.equal(new StoreWriteError('/x.db', { code: 5 }).sqliteCode, undefined)
  t.equal(new StoreOpenError('/x.db', new Error('two\n  lines')).message, 'cannot open event store /x.db: two lines')
})

t.test('close commits what is queued, is idempotent, and later appends reject', async (t) => {
  const dir = t.testdir()
  const log = SqliteEventLog.open({ ...QUIET, dataDir: dir })
  const queued = log.append([point('m', 1)])
  await log.close()
  t.same(ids(await queued), [1])
  await log.close()
  await t.rejects(log.append([point('m', 2)]), { code: 'PB_ERR_STORE_UNAVAILABLE', sqliteCode: undefined, message: /closed/ })
  const reopened = open(t, { dataDir: dir })
  t.equal(reopened.latestId(), 1)
})

t.test('acknowledged appends survive kill -9 and ids continue after the last stored one', async (t) => {
  const dir = t.testdir()
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  const exited = once(child, 'exit')
  const killAfter = randomInt(5, 200)
  const acked: number[] = []
  let partial = ''
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n')
    partial = lines.pop()!
    acked.push(...lines.map(Number))
    if (acked.length >= killAfter) child.kill('SIGKILL')
  })
  const [code, signal] = await exited as [number | null, string | null]
  t.equal(signal, 'SIGKILL', `killed mid-stream (exit ${String(code)}): ${stderr}`)
  t.ok(acked.length >= killAfter, `${acked.length} acknowledged appends`)
  const log = open(t, { dataDir: dir })
  const lastAcked = Math.max(...acked)
  t.ok(log.latestId() >= lastAcked, `latestId ${log.latestId()} ≥ last acknowledged ${lastAcked}`)
  const stored = await log.readAfter(0, log.latestId() + 1)
  t.same(ids(stored), stored.map((_, i) => i + 1), 'every id from 1 to latestId, no gap')
  t.ok(acked.every((id) => stored[id - 1]?.id === id), 'every acknowledged id is stored')
  t.same(stored.map((e) => e.tags?.seq), stored.map((e) => String(e.value)), 'each row intact')
  t.same(ids(await log.append([point('after', 1)])), [log.latestId()])
  t.equal(log.latestId(), stored.length + 1)
})
