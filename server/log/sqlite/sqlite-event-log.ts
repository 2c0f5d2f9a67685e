import type { EventId, HistoryBucket, Json, MetricPoint, MetricSummary, StoredEvent } from '../../core/event.js'
import { BatchListeners, type BatchListener } from '../batch-listeners.js'
import { toJson } from '../catalog-cache.js'
import { DEFAULT_MAX_HISTORY_POINTS, type BucketQuery, type EventLog, type HistoryQuery, type StoreState } from '../event-log.js'
import { RingWindow } from '../ring-window.js'
import { ReadQueueFullError } from '../errors.js'
import { ReadPool } from './read-pool.js'
import { SqliteWriter, type SqliteWriterOptions } from './sqlite-writer.js'

/** Default number of recent events kept in memory for resume. */
export const DEFAULT_WINDOW_SIZE = 100_000
/** Default bound on the memory those recent events take: 4 MiB. */
export const DEFAULT_WINDOW_BYTES = 4 * 1024 * 1024
/** Default number of history reads waiting for a reader thread before more are refused: 64. */
export const DEFAULT_MAX_QUEUED_READS = 64
/** Default interval between two retention passes, in ms. */
export const DEFAULT_PRUNE_INTERVAL_MS = 1000

/** What the SQLite log always shows on /healthz: the file is in this process, so it is up while the process is. */
const EMBEDDED: StoreState = { kind: 'sqlite', state: 'up' }

export interface SqliteEventLogOptions extends Omit<SqliteWriterOptions, 'onCommit'> {
  /** Recent events served from memory (default 100,000). */
  readonly windowSize?: number
  /** Approximate bytes those events may take (default 4 MiB); older ones are read from SQLite. */
  readonly windowBytes?: number
  /** Reader threads for history and old replays (default 2). */
  readonly readThreads?: number
  /** History reads waiting for a reader thread (default 64); past it, history is refused with ReadQueueFullError. */
  readonly maxQueuedReads?: number
  /** Points one bucketed history request reads at most, newest first (default 200,000); older buckets are left out. */
  readonly maxHistoryPoints?: number
  /** Interval of the retention pass in ms (default 1,000); each pass is bounded in time. */
  readonly pruneIntervalMs?: number
  /** Called when a retention pass fails; the next pass tries again. */
  readonly onPruneError?: (err: unknown) => void
}

/**
 * The event log in one SQLite file, owned by this process: every write committed
 * on the main thread (group commit, sqlite-writer.ts), recent events answered
 * from memory, and everything else (history, buckets, replays older than the
 * window) read on worker threads, so the event loop never waits on a query.
 */
export class SqliteEventLog implements EventLog {
  readonly #writer: SqliteWriter
  readonly #window: RingWindow
  readonly #pool: ReadPool
  readonly #listeners = new BatchListeners()
  readonly #pruneTimer: NodeJS.Timeout
  readonly #maxQueuedReads: number
  readonly #maxHistoryPoints: number

  /** Opens the store under `dataDir`; throws StoreOpenError with one clear line. */
  static open (options: SqliteEventLogOptions): SqliteEventLog {
    return new SqliteEventLog(options)
  }

  private constructor (options: SqliteEventLogOptions) {
    const writer = SqliteWriter.open({ ...options, onCommit: (events) => this.#committed(events) })
    this.#writer = writer
    this.#window = new RingWindow(options.windowSize ?? DEFAULT_WINDOW_SIZE, writer.latestId() + 1, options.windowBytes ?? DEFAULT_WINDOW_BYTES)
    this.#pool = new ReadPool(writer.path, options.readThreads)
    this.#maxQueuedReads = options.maxQueuedReads ?? DEFAULT_MAX_QUEUED_READS
    this.#maxHistoryPoints = options.maxHistoryPoints ?? DEFAULT_MAX_HISTORY_POINTS
    const onPruneError = options.onPruneError ?? (() => {})
    this.#pruneTimer = setInterval(() => {
      try {
        this.prune()
      } catch (err) {
        onPruneError(err)
      }
    }, options.pruneIntervalMs ?? DEFAULT_PRUNE_INTERVAL_MS)
    this.#pruneTimer.unref()
  }

  /** The writer underneath, for diagnostics (`pragma`, `commits`) and tests. */
  get writer (): SqliteWriter {
    return this.#writer
  }

  async append (points: readonly MetricPoint[]): Promise<StoredEvent[]> {
    return await this.#writer.append(points)
  }

  async readAfter (afterId: EventId, limit: number): Promise<StoredEvent[]> {
    // SQLite reads a negative LIMIT as no limit at all.
    if (limit <= 0) return []
    if (this.#window.covers(afterId)) return this.#window.readAfter(afterId, limit)
    return await this.#pool.run({ op: 'readAfter', afterId, limit })
  }

  oldestId (): EventId {
    return this.#writer.oldestId()
  }

  latestId (): EventId {
    return this.#writer.latestId()
  }

  catalog (): MetricSummary[] {
    return this.#writer.catalog()
  }

  async history (metric: string, query: HistoryQuery): Promise<Json<StoredEvent[]> | undefined> {
    if (!this.#writer.knows(metric)) return undefined
    if (query.limit <= 0) return toJson([])
    this.#admitHistory()
    return await this.#pool.run({ op: 'history', metric, ...query })
  }

  async buckets (metric: string, query: BucketQuery): Promise<Json<HistoryBucket[]> | undefined> {
    if (!this.#writer.knows(metric)) return undefined
    this.#admitHistory()
    return await this.#pool.run({ op: 'buckets', metric, ...query, maxPoints: this.#maxHistoryPoints })
  }

  /** The batches this process commits: no other process writes the file. */
  onAppended (listener: BatchListener): () => void {
    return this.#listeners.add(listener)
  }

  /** Nothing to catch up with: only this process appends. */
  async sync (): Promise<void> {}

  state (): StoreState {
    return EMBEDDED
  }

  /** One retention pass now, as the timer runs it; returns the number of points deleted (see SqliteWriter.prune). */
  prune (): number {
    return this.#writer.prune()
  }

  async close (): Promise<void> {
    clearInterval(this.#pruneTimer)
    await this.#pool.close()
    await this.#writer.close()
    this.#listeners.clear()
  }

  /** A batch is on disk: it joins the window before any listener or appender can ask for it. */
  #committed (events: StoredEvent[]): void {
    this.#window.push(events)
    this.#listeners.emit(events)
  }

  /**
   * Refuses a history read while `maxQueuedReads` reads already wait, so a flood of
   * history requests cannot queue without bound. Replays are not refused: each stream
   * has at most one in flight, and the streams are bounded by their own cap.
   */
  #admitHistory (): void {
    if (this.#pool.pending >= this.#maxQueuedReads) throw new ReadQueueFullError(this.#maxQueuedReads)
  }
}
