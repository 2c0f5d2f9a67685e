/**
 * SQLite event store benchmark, in process, on a temp dir:
 * - 200 batches of 1,000 points, one append at a time (synchronous = FULL, then NORMAL for comparison);
 * - 20,000 single-point appends issued 50 per tick, so each 50 share a group commit;
 * - readAfter over 100,000 points in chunks of 1,000, on a connection of its own as a reader thread has;
 * - prune of that whole backlog (maxPoints 0): median and longest single call.
 * Prints a table and one JSON line. Usage: tsx test/bench/ingest-sqlite.ts
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import Database from 'better-sqlite3'
import type { MetricPoint } from '../../server/core/event.js'
import { prepareReads } from '../../server/log/sqlite/read-queries.js'
import { SqliteWriter } from '../../server/log/sqlite/sqlite-writer.js'
import { percentile, printTable } from './process-stats.js'

const BATCHES = 200
const BATCH_SIZE = 1_000
const SINGLES = 20_000
const SINGLES_PER_TICK = 50
const READ_CHUNK = 1_000
const READ_TOTAL = 100_000
const T0 = Date.now()

function makePoint (i: number): MetricPoint {
  const metric = `bench.m${i % 100}`
  return i % 2 === 0
    ? { metric, value: Math.sin(i), ts: T0 + i }
    : { metric, value: Math.sin(i), ts: T0 + i, tags: { host: `h${i % 8}`, region: 'eu-west' } }
}

/** Points/s by the wall clock, and by this process's CPU time (less disturbed by other load on the machine). */
async function batches (log: SqliteWriter): Promise<{ perS: number, perCpuS: number }> {
  const input = Array.from({ length: BATCHES }, (_, b) => Array.from({ length: BATCH_SIZE }, (_, i) => makePoint(b * BATCH_SIZE + i)))
  const cpu = process.cpuUsage()
  const started = performance.now()
  for (const points of input) await log.append(points)
  const wallS = (performance.now() - started) / 1000
  const { user, system } = process.cpuUsage(cpu)
  return { perS: (BATCHES * BATCH_SIZE) / wallS, perCpuS: (BATCHES * BATCH_SIZE) / ((user + system) / 1e6) }
}

async function singles (log: SqliteWriter): Promise<{ perS: number, commits: number }> {
  const commitsBefore = log.commits
  const started = performance.now()
  for (let sent = 0; sent < SINGLES; sent += SINGLES_PER_TICK) {
    await Promise.all(Array.from({ length: SINGLES_PER_TICK }, (_, i) => log.append([makePoint(sent + i)])))
  }
  return { perS: SINGLES / ((performance.now() - started) / 1000), commits: log.commits - commitsBefore }
}

function readAll (log: SqliteWriter): number {
  const db = new Database(log.path, { readonly: true, fileMustExist: true })
  const run = prepareReads(db)
  const started = performance.now()
  let after = log.oldestId() - 1
  let read = 0
  while (read < READ_TOTAL) {
    const chunk = run({ op: 'readAfter', afterId: after, limit: READ_CHUNK })
    if (chunk.length === 0) break
    read += chunk.length
    after = chunk.at(-1)!.id
  }
  const elapsedMs = performance.now() - started
  db.close()
  if (read !== READ_TOTAL) throw new Error(`read ${read} points, expected ${READ_TOTAL}`)
  return elapsedMs
}

async function pruneAll (dataDir: string): Promise<{ callsMs: number[], deleted: number }> {
  const log = SqliteWriter.open({ dataDir, maxPoints: 0 })
  const callsMs: number[] = []
  let deleted = 0
  for (;;) {
    const started = performance.now()
    const n = log.prune()
    if (n === 0) break
    callsMs.push(performance.now() - started)
    deleted += n
  }
  await log.close()
  return { callsMs, deleted }
}

const dir = mkdtempSync(join(tmpdir(), 'pulseboard-bench-'))
try {
  const full = SqliteWriter.open({ dataDir: join(dir, 'full') })
  const fullRate = await batches(full)
  const single = await singles(full)
  const readMs = readAll(full)
  await full.close()
  const prune = await pruneAll(join(dir, 'full'))

  const normal = SqliteWriter.open({ dataDir: join(dir, 'normal') })
  normal.pragma('synchronous = NORMAL')
  const normalRate = await batches(normal)
  await normal.close()

  printTable([
    { measure: 'batch append, synchronous=FULL', value: Math.round(fullRate.perS), unit: 'points/s' },
    { measure: 'batch append, FULL, per CPU second', value: Math.round(fullRate.perCpuS), unit: 'points/cpu-s' },
    { measure: 'batch append, synchronous=NORMAL', value: Math.round(normalRate.perS), unit: 'points/s' },
    { measure: `single appends, ${SINGLES_PER_TICK}/tick (FULL)`, value: Math.round(single.perS), unit: 'appends/s' },
    { measure: 'commits for those appends', value: single.commits, unit: 'transactions' },
    { measure: `readAfter ${READ_TOTAL} in chunks of ${READ_CHUNK}`, value: readMs.toFixed(1), unit: 'ms' },
    { measure: `prune ${prune.deleted} points: median call`, value: percentile(prune.callsMs, 50).toFixed(1), unit: `ms (${prune.callsMs.length} calls)` },
    { measure: `prune ${prune.deleted} points: longest call`, value: Math.max(...prune.callsMs).toFixed(1), unit: 'ms' }
  ])
  process.stdout.write(`${JSON.stringify({
    batchPointsPerS: Math.round(fullRate.perS),
    batchPointsPerCpuS: Math.round(fullRate.perCpuS),
    batchPointsPerSNormal: Math.round(normalRate.perS),
    singleAppendsPerS: Math.round(single.perS),
    singleCommits: single.commits,
    readAfter100kMs: Number(readMs.toFixed(1)),
    pruneMedianCallMs: Number(percentile(prune.callsMs, 50).toFixed(1)),
    pruneMaxCallMs: Number(Math.max(...prune.callsMs).toFixed(1)),
    pruneCalls: prune.callsMs.length
  })}\n`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
