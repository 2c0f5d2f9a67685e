import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import Database from 'better-sqlite3'
import type { EventId, MetricPoint, MetricSummary, StoredEvent } from '../../core/event.js'
import { byName, toEvent, toSummary } from '../catalog-cache.js'
import { DEFAULT_MAX_METRICS, DEFAULT_RETENTION_MS } from '../event-log.js'
import { acquireProcessLock } from './process-lock.js'
import { applySchema, fromRow, SQL, tagsColumn, type MetricRow } from './sqlite-schema.js'
import { MetricLimitError, StoreOpenError, StoreWriteError } from '../errors.js'

/** Default database file name inside `dataDir`. */
export const DEFAULT_FILE_NAME = 'pulseboard.db'
/** Default number of points kept: 50,000,000. */
export const DEFAULT_MAX_POINTS = 50_000_000
/** Default rows deleted per statement by `prune()`: 5,000. */
export const DEFAULT_PRUNE_BATCH_SIZE = 5_000
/**
 * Default time one `prune()` call may spend deleting: 5 ms. Its commit, which writes and
 * syncs the WAL and now and then checkpoints, comes on top (docs/performance.md).
 */
export const DEFAULT_PRUNE_BUDGET_MS = 5

export interface SqliteWriterOptions {
  /** Directory of the database; created (with parents) if missing. */
  readonly dataDir: string
  /** Database file name inside `dataDir` (default `pulseboard.db`). */
  readonly fileName?: string
  /** Points kept (default 50,000,000); `prune()` deletes the oldest beyond it. */
  readonly maxPoints?: number
  /** Distinct metrics tracked (default 10,000); an append that would add more is refused. */
  readonly maxMetrics?: number
  /** Age in ms after which `prune()` deletes a point, judged by its `ts` (default 7 days). */
  readonly retentionMs?: number
  /** Rows deleted per statement by `prune()` (default 5,000). */
  readonly pruneBatchSize?: number
  /** Time in ms one `prune()` call may spend deleting, at least one batch (default 5). */
  readonly pruneBudgetMs?: number
  /** Called with every committed batch, in id order, once it is on disk. */
  readonly onCommit?: (events: StoredEvent[]) => void
  /** Called with the metrics a `prune()` removed from the catalog, once it has committed. */
  readonly onForget?: (metrics: readonly string[]) => void
  /** Clock for retention, ms since the epoch (default `Date.now`). */
  readonly now?: () => number
}

interface PendingAppend {
  readonly points: readonly MetricPoint[]
  readonly resolve: (events: StoredEvent[]) => void
  readonly reject: (err: StoreWriteError) => void
}

/** What one commit changes in the catalog, per metric: its newest point and how many points it gained. */
type CatalogChanges = Map<string, { last: StoredEvent, added: number }>

/**
 * The write side of the SQLite event log, on the main thread. Appends made in
 * the same tick are committed together in one transaction (group commit); each
 * promise settles only once that commit is on disk. Ids are consecutive and never
 * reused, even after retention or a restart. Oldest and latest id and the catalog
 * are kept in memory. Reads are the reader threads' job (read-pool.ts).
 */
export class SqliteWriter {
  readonly #db: Database.Database
  readonly #path: string
  /** Gives up the process lock on the store. */
  readonly #release: () => void
  readonly #maxPoints: number
  readonly #maxMetrics: number
  readonly #retentionMs: number
  readonly #pruneBatchSize: number
  readonly #pruneBudgetMs: number
  readonly #now: () => number
  readonly #onCommit: (events: StoredEvent[]) => void
  readonly #onForget: (metrics: readonly string[]) => void
  readonly #insert: Database.Statement<[number, string, number, number, string | null]>
  readonly #upsert: Database.Statement<[string, number, number, number, number, string | null]>
  readonly #deleteBelow: Database.Statement<[number, number], { metric: string }>
  readonly #deleteOlder: Database.Statement<[number, number], { metric: string }>
  readonly #hasPoints: Database.Statement<[string], unknown>
  readonly #deleteMetric: Database.Statement<[string]>
  readonly #firstId: Database.Statement<[], { id: number | null }>
  readonly #commit: (events: readonly StoredEvent[], changes: CatalogChanges) => void
  readonly #prune: (startedMs: number) => { deleted: number, emptied: string[] }
  readonly #catalog = new Map<string, MetricSummary>()
  /** New metrics of the appends queued for the next commit, counted against `maxMetrics` before they are stored. */
  readonly #reserved = new Set<string>()
  #sorted: MetricSummary[] | undefined
  #queue: PendingAppend[] = []
  #flushTimer: NodeJS.Immediate | undefined
  #oldestId: EventId
  #latestId: EventId
  #commits = 0
  #closed = false

  /** Opens (creating if needed) the database and loads ids and catalog. Throws StoreOpenError. */
  static open (options: SqliteWriterOptions): SqliteWriter {
    const path = join(options.dataDir, options.fileName ?? DEFAULT_FILE_NAME)
    let db: Database.Database | undefined
    let release: (() => void) | undefined
    try {
      mkdirSync(options.dataDir, { recursive: true })
      release = acquireProcessLock(`${path}.lock`)
      db = new Database(path)
      applySchema(db)
      return new SqliteWriter(db, path, release, options)
    } catch (err) {
      db?.close()
      release?.()
      throw new StoreOpenError(path, err)
    }
  }

  private constructor (db: Database.Database, path: string, release: () => void, options: SqliteWriterOptions) {
    this.#db = db
    this.#release = release
    this.#path = path
    this.#maxPoints = options.maxPoints ?? DEFAULT_MAX_POINTS
    this.#maxMetrics = options.maxMetrics ?? DEFAULT_MAX_METRICS
    this.#retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS
    this.#pruneBatchSize = options.pruneBatchSize ?? DEFAULT_PRUNE_BATCH_SIZE
    this.#pruneBudgetMs = options.pruneBudgetMs ?? DEFAULT_PRUNE_BUDGET_MS
    this.#now = options.now ?? Date.now
    this.#onCommit = options.onCommit ?? (() => {})
    this.#onForget = options.onForget ?? (() => {})
    this.#insert = db.prepare(SQL.insertEvent)
    this.#upsert = db.prepare(SQL.upsertMetric)
    this.#deleteBelow = db.prepare(SQL.deleteBelow)
    this.#deleteOlder = db.prepare(SQL.deleteOlder)
    this.#hasPoints = db.prepare(SQL.hasPoints)
    this.#deleteMetric = db.prepare(SQL.deleteMetric)
    this.#firstId = db.prepare(SQL.firstId)
    this.#commit = db.transaction((events: readonly StoredEvent[], changes: CatalogChanges) => {
      for (const e of events) this.#insert.run(e.id, e.metric, e.value, e.ts, tagsColumn(e.tags))
      for (const [metric, { last, added }] of changes) this.#upsert.run(metric, last.value, last.ts, last.id, added, tagsColumn(last.tags))
    })
    // One transaction per prune() call: one sync to disk, however many batches fit the budget.
    this.#prune = db.transaction((startedMs: number) => {
      const touched = new Set<string>()
      let deleted = 0
      for (;;) {
        const batchStartedMs = performance.now()
        const batch = this.#deleteBatch()
        if (batch.length === 0) break
        deleted += batch.length
        for (const { metric } of batch) touched.add(metric)
        // Stop if one more batch as slow as this one would end past the budget.
        const nowMs = performance.now()
        if (nowMs - startedMs + (nowMs - batchStartedMs) > this.#pruneBudgetMs) break
      }
      // A metric with no point left leaves the catalog, so names that only ever held junk do not fill it for
      // good; one that a queued append names stays, as it is about to get a point.
      const queued = new Set(this.#queue.flatMap(({ points }) => points.map((point) => point.metric)))
      const emptied = [...touched].filter((metric) => !queued.has(metric) && this.#hasPoints.get(metric) === undefined)
      for (const metric of emptied) this.#deleteMetric.run(metric)
      return { deleted, emptied }
    })
    this.#latestId = db.prepare<[], { id: number }>(SQL.lastId).get()!.id
    this.#oldestId = this.#firstId.get()!.id ?? this.#latestId + 1
    for (const row of db.prepare<[], MetricRow>(SQL.catalog).all()) this.#catalog.set(row.metric, toSummary(fromRow(row), row.count))
  }

  /** Number of transactions committed by appends since open: one per group of same-tick appends. */
  get commits (): number {
    return this.#commits
  }

  /** Queues the points for this tick's group commit; resolves once they are on disk, rejects with StoreWriteError. */
  append (points: readonly MetricPoint[]): Promise<StoredEvent[]> {
    if (this.#closed) return Promise.reject(new StoreWriteError(this.#path, new Error('the log is closed')))
    // New names count from the moment they are queued, so appends of one tick together cannot pass the cap.
    const added = new Set(points.map((p) => p.metric).filter((metric) => !this.#catalog.has(metric) && !this.#reserved.has(metric)))
    if (added.size > 0 && this.#catalog.size + this.#reserved.size + added.size > this.#maxMetrics) return Promise.reject(new MetricLimitError(this.#maxMetrics))
    for (const metric of added) this.#reserved.add(metric)
    return new Promise((resolve, reject) => {
      this.#queue.push({ points, resolve, reject })
      this.#flushTimer ??= setImmediate(() => this.#flush())
    })
  }

  oldestId (): EventId {
    return this.#oldestId
  }

  latestId (): EventId {
    return this.#latestId
  }

  catalog (): MetricSummary[] {
    this.#sorted ??= [...this.#catalog.values()].sort(byName)
    return [...this.#sorted]
  }

  /** Whether the catalog holds this metric. */
  knows (metric: string): boolean {
    return this.#catalog.has(metric)
  }

  /** The database file. */
  get path (): string {
    return this.#path
  }

  /**
   * Deletes, in batches of `pruneBatchSize` and all in one transaction, the points with an
   * id more than `maxPoints` below the latest, then every point whose `ts` is older than
   * `retentionMs`, wherever it sits among the ids; a metric left with no point leaves the
   * catalog. Starts no batch that, at the pace of the previous one, would end past
   * `pruneBudgetMs`, so a timer can call it without stalling the process (the commit comes
   * on top); returns the number deleted and hands the metrics it removed to `onForget`.
   * A metric that queued appends name is kept. Throws what SQLite throws (e.g.
   * `SQLITE_IOERR`), having deleted nothing.
   */
  prune (): number {
    const { deleted, emptied } = this.#prune(performance.now())
    this.#oldestId = this.#firstId.get()!.id ?? this.#latestId + 1
    if (emptied.length === 0) return deleted
    for (const metric of emptied) this.#catalog.delete(metric)
    this.#sorted = undefined
    this.#onForget(emptied)
    return deleted
  }

  /** Commits whatever is queued, then closes the database. Later appends reject. */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#flush()
    this.#closed = true
    this.#db.close()
    this.#release()
  }

  /** Runs a PRAGMA on the connection, for diagnostics (`page_count`, `wal_checkpoint(TRUNCATE)`, …). */
  pragma (source: string, options?: Database.PragmaOptions): unknown {
    return this.#db.pragma(source, options)
  }

  #flush (): void {
    if (this.#flushTimer !== undefined) clearImmediate(this.#flushTimer)
    this.#flushTimer = undefined
    const group = this.#queue
    this.#queue = []
    // Committed or refused, the group's new names now count through the catalog or not at all.
    this.#reserved.clear()
    let nextId = this.#latestId + 1
    const results = group.map(({ points }) => points.map((point) => toEvent(nextId++, point)))
    const events = results.flat()
    const changes: CatalogChanges = new Map()
    for (const event of events) {
      changes.set(event.metric, { last: event, added: (changes.get(event.metric)?.added ?? 0) + 1 })
    }
    if (events.length > 0) {
      try {
        this.#commit(events, changes)
      } catch (err) {
        // better-sqlite3 has rolled the transaction back: nothing of the group is stored.
        const error = new StoreWriteError(this.#path, err)
        for (const pending of group) pending.reject(error)
        return
      }
      this.#commits++
      this.#latestId = nextId - 1
      this.#track(changes)
    }
    group.forEach((pending, i) => pending.resolve(results[i]!))
    // Settling only queues each caller's continuation: every listener has the batch before any caller goes on.
    if (events.length > 0) this.#onCommit(events)
  }

  #track (changes: CatalogChanges): void {
    for (const [metric, { last, added }] of changes) {
      this.#catalog.set(metric, toSummary(last, (this.#catalog.get(metric)?.count ?? 0) + added))
    }
    this.#sorted = undefined
  }

  /** Deletes the next batch: points beyond `maxPoints` first, then points past their age; the metric of each. */
  #deleteBatch (): Array<{ metric: string }> {
    const overCount = this.#latestId - this.#maxPoints + 1
    const beyondCount = overCount > this.#oldestId ? this.#deleteBelow.all(overCount, this.#pruneBatchSize) : []
    return beyondCount.length > 0 ? beyondCount : this.#deleteOlder.all(this.#now() - this.#retentionMs, this.#pruneBatchSize)
  }
}
