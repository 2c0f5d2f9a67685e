import { Redis, type RedisOptions } from 'ioredis'
import type { EventId, HistoryBucket, Json, MetricPoint, MetricSummary, StoredEvent } from '../../core/event.js'
import { toEvent, toJson, toSummary } from '../catalog-cache.js'
import { DEFAULT_MAX_HISTORY_POINTS, DEFAULT_MAX_METRICS, DEFAULT_RETENTION_MS, type BucketQuery, type EventLog, type HistoryQuery, type StoreState } from '../event-log.js'
import { MirroredLog, type MirrorStart } from '../mirrored-log.js'
import { checkGeneration, GENERATION_COMMAND, type Generation } from './redis-generation.js'
import { backoffMs, RedisReadLoop } from './redis-read-loop.js'
import { joinMembers, newestWholeBuckets, parseMembers, toBuckets } from './redis-history.js'
import { PRUNE_COMMAND, pruneMetrics } from './redis-retention.js'
import { APPEND_LUA, APPEND_METRIC_LIMIT, APPEND_OUT_OF_STEP, entriesToEvents, redisKeys, type RedisKeys, type StreamEntry } from './redis-scripts.js'
import { MetricLimitError, RedisDataLossError, StoreOpenError, StoreUnavailableError } from '../errors.js'

/** Default stream length kept for resume (`XADD MAXLEN ~`): 1,000,000 entries. */
export const DEFAULT_REDIS_MAXLEN = 1_000_000
/** Default history points kept per metric: 20,000 (buckets are computed in Node from at most this many). */
export const DEFAULT_REDIS_HISTORY_POINTS = 20_000
/** Default prefix of every key. */
export const DEFAULT_KEY_PREFIX = 'pulseboard:'
/** Default time a command may take before it fails, in ms: a publish answers 503 rather than hang. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 2000
/**
 * Default time appends wait after Redis lost data, in ms: long enough for every other
 * instance to reconnect (backoff up to 2 s) and check the generation (every second).
 */
export const DEFAULT_REDIS_RECOVERY_MS = 5000
/** Default interval between two generation checks, in ms. */
export const DEFAULT_GENERATION_CHECK_MS = 1000
/** Default interval between two retention passes over the catalog, in ms. */
export const DEFAULT_REDIS_PRUNE_INTERVAL_MS = 60_000

export interface RedisEventLogOptions {
  /** `redis://[user:password@]host:port[/db]`. */
  readonly url: string
  /** Prefix of every key (default `pulseboard:`), so several data sets can share one Redis. */
  readonly keyPrefix?: string
  /** Stream entries kept, approximately (default 1,000,000); resume reaches back this far. */
  readonly maxLen?: number
  /** History points kept per metric (default 20,000), on top of `retentionMs`. */
  readonly historyPoints?: number
  /** Distinct metrics (default 10,000); an append that would add more is refused. */
  readonly maxMetrics?: number
  /** Age in ms after which history points go, judged by `ts` at each append of the metric (default 7 days). */
  readonly retentionMs?: number
  /** Points one bucketed history request reads at most, newest first (default 200,000); older buckets are left out. */
  readonly maxHistoryPoints?: number
  /** Time in ms a command may take (default 2,000). */
  readonly commandTimeoutMs?: number
  /** Time in ms appends wait after Redis lost data, while every instance raises the id counter (default 5,000). */
  readonly recoveryMs?: number
  /** Interval in ms of the generation check that notices a loss nobody appends through (default 1,000). */
  readonly generationCheckMs?: number
  /** Interval in ms of the retention pass that drops metrics whose history is gone (default 60,000). */
  readonly pruneIntervalMs?: number
  /** Called for connection errors, failed reads and failed checks; connections reconnect, and the loop reads again, on their own. */
  readonly onError?: (err: unknown) => void
  /** Called once for each loss of data this instance notices, with the id the stream continues from. */
  readonly onDataLoss?: (err: RedisDataLossError) => void
  /** Clock for retention, ms since the epoch (default `Date.now`). */
  readonly now?: () => number
}

type AppendCommand = (...args: Array<string | number>) => Promise<number>

/**
 * An EventLog in Redis, shared by every instance that points at the same
 * Redis and prefix. One script call per append (ids, stream, catalog and
 * history at once); one reading loop per instance feeds `onAppended`, the local
 * catalog and `latestId()`.
 */
export class RedisEventLog extends MirroredLog implements EventLog {
  readonly #writer: Redis
  readonly #loop: RedisReadLoop
  readonly #keys: RedisKeys
  readonly #options: RedisEventLogOptions
  readonly #timers: NodeJS.Timeout[]
  readonly #report: (err: unknown) => void
  #generation: Generation
  /** Until when (local clock) appends wait after a loss this instance saw, or until the first append goes through. */
  #recoveringUntilMs = 0
  #checking: Promise<void> | undefined

  /** Connects, loads ids and catalog, and starts the reading loop; rejects with StoreOpenError when Redis cannot be reached. */
  static async open (options: RedisEventLogOptions): Promise<RedisEventLog> {
    const keys = redisKeys(options.keyPrefix ?? DEFAULT_KEY_PREFIX)
    const writer = connect(options, { enableOfflineQueue: false, maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false, commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS })
    const reader = connect(options, { enableOfflineQueue: false, maxRetriesPerRequest: 0 })
    try {
      await Promise.all([writer.connect(), reader.connect()])
      // Nothing seen yet, so nothing to raise the counter to: a new data set, or one joined as it is.
      const generation = await checkGeneration(writer, keys, undefined, 0, recoveryMsOf(options), Date.now())
      const state = await stateOf(writer, keys, true)
      const start = { latestId: state.latestId, oldestId: Math.max(state.firstId ?? state.latestId + 1, generation.fromId), catalog: state.catalog }
      return new RedisEventLog({ writer, reader, keys }, start, generation, options)
    } catch (err) {
      writer.disconnect()
      reader.disconnect()
      throw new StoreOpenError(safeUrl(options.url), err)
    }
  }

  private constructor (parts: { writer: Redis, reader: Redis, keys: RedisKeys }, start: MirrorStart, generation: Generation, options: RedisEventLogOptions) {
    super()
    this.load(start)
    this.#writer = parts.writer
    this.#keys = parts.keys
    this.#options = options
    this.#generation = generation
    this.#report = options.onError ?? ignore
    // After a reconnect Redis may be another server (a failover) or an empty one: look at once.
    this.#writer.on('ready', () => { this.#recheck() })
    // Both passes skip a turn while the writer is reconnecting; its errors are reported already.
    this.#timers = [
      setInterval(() => { if (this.#writer.status === 'ready') this.#recheck() }, options.generationCheckMs ?? DEFAULT_GENERATION_CHECK_MS),
      setInterval(() => { if (this.#writer.status === 'ready') this.#prune().catch(this.#report) }, options.pruneIntervalMs ?? DEFAULT_REDIS_PRUNE_INTERVAL_MS)
    ]
    for (const timer of this.#timers) timer.unref()
    this.#loop = new RedisReadLoop({
      redis: parts.reader,
      streamKey: parts.keys.stream,
      afterId: start.latestId,
      onEvents: (events) => this.deliver(events),
      onError: this.#report
    })
  }

  async append (points: readonly MetricPoint[]): Promise<StoredEvent[]> {
    if (points.length === 0) return []
    const { maxLen = DEFAULT_REDIS_MAXLEN, historyPoints = DEFAULT_REDIS_HISTORY_POINTS, retentionMs = DEFAULT_RETENTION_MS } = this.#options
    const maxMetrics = this.#options.maxMetrics ?? DEFAULT_MAX_METRICS
    const args: Array<string | number> = [this.#keys.stream, this.#keys.counter, this.#keys.last, this.#keys.counts, this.#keys.generation, this.#keys.fence,
      maxLen, maxMetrics, historyPoints, nowOf(this.#options) - retentionMs, this.#keys.history, this.#generation.token, this.latestId()]
    for (const point of points) {
      const { metric, value, ts, tags } = point
      // The script writes `{"id":N,` and this body after it.
      args.push(metric, ts, JSON.stringify(tags === undefined ? { metric, value, ts } : { metric, value, ts, tags }).slice(1))
    }
    const first = await this.#call(async () => await (this.#writer as Redis & { pbAppend: AppendCommand }).pbAppend(...args))
    if (first === APPEND_METRIC_LIMIT) throw new MetricLimitError(maxMetrics)
    if (first === APPEND_OUT_OF_STEP) {
      this.#recheck()
      throw new StoreUnavailableError('Redis', new Error('it lost data; appends resume once every instance has raised the id counter'))
    }
    // An append that went through means the fence, if any, is down: no need to wait for the local estimate.
    this.#recoveringUntilMs = 0
    this.appended(first + points.length - 1)
    return points.map((point, i) => toEvent(first + i, point))
  }

  async readAfter (afterId: EventId, limit: number): Promise<StoredEvent[]> {
    if (limit <= 0) return []
    const entries = await this.#call(async () => await this.#writer.xrange(this.#keys.stream, `(${afterId}-0`, '+', 'COUNT', limit) as StreamEntry[])
    return entriesToEvents<StoredEvent>(entries)
  }

  async history (metric: string, query: HistoryQuery): Promise<Json<StoredEvent[]> | undefined> {
    if (!await this.#exists(metric)) return undefined
    if (query.limit <= 0) return toJson([])
    const newest = await this.#call(async () => await this.#writer.zrange(this.#keys.history + metric, String(query.toMs), String(query.fromMs), 'BYSCORE', 'REV', 'LIMIT', 0, query.limit))
    return joinMembers(parseMembers(newest))
  }

  async buckets (metric: string, query: BucketQuery): Promise<Json<HistoryBucket[]> | undefined> {
    if (!await this.#exists(metric)) return undefined
    // The newest points first, one more than the bound, to know whether the bound cut the range.
    const maxPoints = this.#options.maxHistoryPoints ?? DEFAULT_MAX_HISTORY_POINTS
    const members = await this.#call(async () => await this.#writer.zrange(this.#keys.history + metric, String(query.toMs), String(query.fromMs), 'BYSCORE', 'REV', 'LIMIT', 0, maxPoints + 1))
    return toJson(toBuckets(newestWholeBuckets(parseMembers(members).map(({ event }) => event), query, maxPoints), query))
  }

  async sync (): Promise<void> {
    await this.#call(async () => await this.#check())
  }

  state (): StoreState {
    const up = this.#writer.status === 'ready' && this.#loop.healthy && Date.now() >= this.#recoveringUntilMs
    const { lostAtMs, fromId } = this.#generation
    const state = up ? 'up' : 'down'
    if (lostAtMs === undefined) return { kind: 'redis', state }
    return { kind: 'redis', state, dataLoss: { detectedAt: new Date(lostAtMs).toISOString(), continuesFromId: fromId } }
  }

  async close (): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer)
    this.stopListeners()
    await this.#loop.stop()
    this.#writer.disconnect()
  }

  /** Checks the generation in the background; a failure is reported, and the next check tries again. */
  #recheck (): void {
    this.#check().catch(this.#report)
  }

  /**
   * Checks the generation (see redis-generation.ts), raising the counter after a loss,
   * then brings ids up to date; after a loss, also the catalog, from what Redis still has.
   * Concurrent callers share one check.
   */
  async #check (): Promise<void> {
    this.#checking ??= (async () => {
      const before = this.#generation
      const generation = await checkGeneration(this.#writer, this.#keys, before, this.latestId(), recoveryMsOf(this.#options), Date.now())
      const lost = generation.lostAtMs !== undefined && generation.lostAtMs !== before.lostAtMs
      this.#generation = generation
      if (lost) this.#recoveringUntilMs = Date.now() + recoveryMsOf(this.#options)
      const state = await stateOf(this.#writer, this.#keys, lost)
      this.load({ latestId: state.latestId, oldestId: Math.max(state.firstId ?? Math.max(this.latestId(), state.latestId) + 1, generation.fromId), catalog: state.catalog })
      if (lost) this.#options.onDataLoss?.(new RedisDataLossError(generation.fromId))
    })().finally(() => { this.#checking = undefined })
    await this.#checking
  }

  /** Retention over the catalog: metrics whose history is gone leave it, here and in Redis. */
  async #prune (): Promise<void> {
    const cutoffMs = nowOf(this.#options) - (this.#options.retentionMs ?? DEFAULT_RETENTION_MS)
    const metrics = this.catalog().map(({ metric }) => metric)
    for (const gone of await pruneMetrics(this.#writer, this.#keys, metrics, cutoffMs)) this.forget(gone.metrics, gone.upToId)
  }

  /** Whether the metric exists: known here, or appended elsewhere and not yet delivered here. */
  async #exists (metric: string): Promise<boolean> {
    return this.knows(metric) || await this.#call(async () => await this.#writer.hexists(this.#keys.counts, metric)) === 1
  }

  /** Runs a command; any failure of Redis or of the connection becomes a StoreUnavailableError. */
  async #call<T> (command: () => Promise<T>): Promise<T> {
    try {
      return await command()
    } catch (err) {
      throw new StoreUnavailableError('Redis', err)
    }
  }
}

function connect (options: RedisEventLogOptions, extra: RedisOptions): Redis {
  const redis = new Redis(options.url, {
    lazyConnect: true,
    // RESP2 keeps stream replies as plain nested arrays whatever the client's default protocol.
    protocol: 2,
    retryStrategy: backoffMs,
    scripts: { pbAppend: { lua: APPEND_LUA, numberOfKeys: 6 }, ...GENERATION_COMMAND, ...PRUNE_COMMAND },
    ...extra
  })
  // Reconnection is ioredis's job; commands meanwhile fail (503, a read retried), so this only reports.
  redis.on('error', options.onError ?? ignore)
  return redis
}

interface StreamState {
  /** Newest id given out. */
  readonly latestId: EventId
  /** Oldest id in the stream; undefined when it is empty. */
  readonly firstId: EventId | undefined
  /** The catalog, when asked for. */
  readonly catalog: MetricSummary[] | undefined
}

/**
 * Newest id, oldest retained id and, when `withCatalog`, the catalog hashes,
 * read in one MULTI so they agree.
 */
async function stateOf (redis: Redis, keys: RedisKeys, withCatalog: boolean): Promise<StreamState> {
  const multi = redis.multi().get(keys.counter).xrange(keys.stream, '-', '+', 'COUNT', 1)
  if (withCatalog) multi.hgetall(keys.last).hgetall(keys.counts)
  /* c8 ignore next: EXEC answers null only for a transaction under WATCH, which this is not */
  const results = await multi.exec() ?? []
  const [latest, first, last, counts] = results.map(([err, value]) => {
    if (err !== null) throw err // a key of the wrong type: not data this log wrote
    return value
  })
  const firstEntry = (first as StreamEntry[])[0]
  const catalog = withCatalog
    ? Object.entries(last as Record<string, string>).map(([metric, json]) => toSummary(JSON.parse(json) as StoredEvent, Number((counts as Record<string, string>)[metric])))
    : undefined
  return { latestId: Number(latest ?? 0), firstId: firstEntry === undefined ? undefined : Number(firstEntry[0].split('-')[0]), catalog }
}

/** The default of `onError`: what it reports is retried anyway, and a caller that passes none asked not to hear of it. */
function ignore (): void {}

function recoveryMsOf (options: RedisEventLogOptions): number {
  return options.recoveryMs ?? DEFAULT_REDIS_RECOVERY_MS
}

function nowOf (options: RedisEventLogOptions): number {
  return (options.now ?? Date.now)()
}

/** The URL without its password, for messages. */
function safeUrl (url: string): string {
  return url.replace(/\/\/([^@/]*):[^@/]*@/, '//$1:***@')
}
