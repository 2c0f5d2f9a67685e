import type { EventId, HistoryBucket, Json, MetricPoint, MetricSummary, StoredEvent } from '../core/event.js'
import { DEFAULT_MAX_HISTORY_POINTS, type BucketQuery, type EventLog, type HistoryQuery } from './event-log.js'
import { ReadPool } from './read-pool.js'
import { RingWindow } from './ring-window.js'
import { SqliteEventLog, type SqliteEventLogOptions } from './sqlite-event-log.js'
import { ReadQueueFullError } from './errors.js'

/** Default number of recent events kept in memory for resume. */
export const DEFAULT_WINDOW_SIZE = 100_000
/** Default bound on the memory those recent events take: 4 MiB. */
export const DEFAULT_WINDOW_BYTES = 4 * 1024 * 1024
/** Default number of history reads waiting for a reader thread before more are refused: 64. */
export const DEFAULT_MAX_QUEUED_READS = 64
/** Default interval between two retention passes, in ms. */
export const DEFAULT_PRUNE_INTERVAL_MS = 1000

export interface DurableEventLogOptions extends SqliteEventLogOptions {
  /** Recent events served from memory (default 100,000). */
  readonly windowSize?: number
  /** Approximate bytes those events may take (default 16 MiB); older ones are read from SQLite. */
  readonly windowBytes?: number
  /** Reader threads for history and old replays (default 2). */
  readonly readThreads?: number
  /** History reads waiting for a reader thread (default 64); past it, history is refused with ReadQueueFullError. */
  readonly maxQueuedReads?: number
  /** Interval of the retention pass in ms (default 1,000); each pass is bounded in time. */
  readonly pruneIntervalMs?: number
  /** Called when a retention pass fails; the next pass tries again. */
  readonly onPruneError?: (err: unknown) => void
}

/**
 * The event log the server runs on: every write committed to SQLite on the
 * main thread (group commit), recent events answered from memory, and
 * everything else (history, buckets, replays older than the window) read on
 * worker threads, so the event loop never waits on a query.
 */
export class DurableEventLog implements EventLog {
  readonly #store: SqliteEventLog
  readonly #window: RingWindow
  readonly #pool: ReadPool
  readonly #pruneTimer: NodeJS.Timeout
  readonly #maxQueuedReads: number
  readonly #maxHistoryPoints: number

  /** Opens the store under `dataDir`; throws StoreOpenError with one clear line. */
  static open (options: DurableEventLogOptions): DurableEventLog {
    return new DurableEventLog(SqliteEventLog.open(options), options)
  }

  private constructor (store: SqliteEventLog, options: DurableEventLogOptions) {
    this.#store = store
    this.#window = new RingWindow(options.windowSize ?? DEFAULT_WINDOW_SIZE, store.latestId() + 1, options.windowBytes ?? DEFAULT_WINDOW_BYTES)
    this.#pool = new ReadPool(store.path, options.readThreads)
    this.#maxQueuedReads = options.maxQueuedReads ?? DEFAULT_MAX_QUEUED_READS
    this.#maxHistoryPoints = options.maxHistoryPoints ?? DEFAULT_MAX_HISTORY_POINTS
    const onPruneError = options.onPruneError ?? (() => {})
    this.#pruneTimer = setInterval(() => {
      try {
        store.prune()
      } catch (err) {
        onPruneError(err)
      }
    }, options.pruneIntervalMs ?? DEFAULT_PRUNE_INTERVAL_MS)
    this.#pruneTimer.unref()
  }

  /** The SQLite store underneath, for diagnostics (`pragma`) and tests. */
  get store (): SqliteEventLog {
    return this.#store
  }

  async append (points: readonly MetricPoint[]): Promise<StoredEvent[]> {
    const events = await this.#store.append(points)
    this.#window.push(events)
    return events
  }

  async readAfter (afterId: EventId, limit: number): Promise<StoredEvent[]> {
    // SQLite reads a negative LIMIT as no limit at all.
    if (limit <= 0) return []
    if (this.#window.covers(afterId)) return this.#window.readAfter(afterId, limit)
    return await this.#pool.run({ op: 'readAfter', afterId, limit })
  }

  oldestId (): EventId {
    return this.#store.oldestId()
  }

  latestId (): EventId {
    return this.#store.latestId()
  }

  catalog (): MetricSummary[] {
    return this.#store.catalog()
  }

  async history (metric: string, query: HistoryQuery): Promise<Json<StoredEvent[]> | undefined> {
    if (!this.#store.knows(metric)) return undefined
    if (query.limit <= 0) return await this.#store.history(metric, query)
    this.#admitHistory()
    return await this.#pool.run({ op: 'history', metric, ...query })
  }

  async buckets (metric: string, query: BucketQuery): Promise<Json<HistoryBucket[]> | undefined> {
    if (!this.#store.knows(metric)) return undefined
    this.#admitHistory()
    return await this.#pool.run({ op: 'buckets', metric, ...query, maxPoints: this.#maxHistoryPoints })
  }

  async close (): Promise<void> {
    clearInterval(this.#pruneTimer)
    await this.#pool.close()
    await this.#store.close()
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
