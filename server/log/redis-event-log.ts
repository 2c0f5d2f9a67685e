import { Redis, type RedisOptions } from 'ioredis'
import type { EventId, HistoryBucket, Json, MetricPoint, StoredEvent } from '../core/event.js'
import { toEvent, toJson, toSummary } from './catalog-cache.js'
import { DEFAULT_MAX_HISTORY_POINTS, type BrokerState, type BucketQuery, type EventLog, type HistoryQuery } from './event-log.js'
import { FollowedLog, type FollowStart } from './followed-log.js'
import { backoffMs, RedisReadLoop } from './redis-read-loop.js'
import { joinMembers, newestWholeBuckets, parseMembers, toBuckets } from './redis-history.js'
import { APPEND_LUA, entriesToEvents, redisKeys, type RedisKeys, type StreamEntry } from './redis-scripts.js'
import { DEFAULT_MAX_METRICS, DEFAULT_RETENTION_MS } from './sqlite-event-log.js'
import { BrokerUnavailableError, MetricLimitError, StoreOpenError } from './store-errors.js'

/** Default stream length kept for resume (`XADD MAXLEN ~`): 1,000,000 entries. */
export const DEFAULT_REDIS_MAXLEN = 1_000_000
/** Default history points kept per metric: 20,000 (buckets are computed in Node from at most this many). */
export const DEFAULT_REDIS_HISTORY_POINTS = 20_000
/** Default prefix of every key. */
export const DEFAULT_KEY_PREFIX = 'pulseboard:'
/** Default time a command may take before it fails, in ms: a publish answers 503 rather than hang. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 2000

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
  /** Called for connection errors and failed reads; both connections reconnect, and the loop reads again, on their own. */
  readonly onError?: (err: unknown) => void
  /** Clock for retention, ms since the epoch (default `Date.now`). */
  readonly now?: () => number
}

type AppendCommand = (...args: Array<string | number>) => Promise<number>

/**
 * An EventLog in Redis, shared by every instance that points at the same
 * Redis and prefix. One script call per append (ids, stream, catalog and
 * history at once); one reading loop per instance feeds `follow`, the local
 * catalog and `latestId()`.
 */
export class RedisEventLog extends FollowedLog implements EventLog {
  readonly #writer: Redis
  readonly #loop: RedisReadLoop
  readonly #keys: RedisKeys
  readonly #options: RedisEventLogOptions

  /** Connects, loads ids and catalog, and starts the reading loop; rejects with StoreOpenError when Redis cannot be reached. */
  static async open (options: RedisEventLogOptions): Promise<RedisEventLog> {
    const keys = redisKeys(options.keyPrefix ?? DEFAULT_KEY_PREFIX)
    const writer = connect(options, { enableOfflineQueue: false, maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false, commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS })
    const reader = connect(options, { enableOfflineQueue: false, maxRetriesPerRequest: 0 })
    try {
      await Promise.all([writer.connect(), reader.connect()])
      const [latest, last, counts, first] = await stateOf(writer, keys)
      const catalog = Object.entries(last).map(([metric, json]) => toSummary(JSON.parse(json) as StoredEvent, Number(counts[metric])))
      return new RedisEventLog({ writer, reader, keys }, { latestId: latest, oldestId: first ?? latest + 1, catalog }, options)
    } catch (err) {
      writer.disconnect()
      reader.disconnect()
      throw new StoreOpenError(safeUrl(options.url), err)
    }
  }

  private constructor (parts: { writer: Redis, reader: Redis, keys: RedisKeys }, start: FollowStart, options: RedisEventLogOptions) {
    super()
    this.load(start)
    this.#writer = parts.writer
    this.#keys = parts.keys
    this.#options = options
    this.#loop = new RedisReadLoop({
      redis: parts.reader,
      streamKey: parts.keys.stream,
      afterId: start.latestId,
      onEvents: (events) => this.deliver(events),
      onError: options.onError ?? (() => {})
    })
  }

  async append (points: readonly MetricPoint[]): Promise<StoredEvent[]> {
    if (points.length === 0) return []
    const { maxLen = DEFAULT_REDIS_MAXLEN, historyPoints = DEFAULT_REDIS_HISTORY_POINTS, retentionMs = DEFAULT_RETENTION_MS } = this.#options
    const maxMetrics = this.#options.maxMetrics ?? DEFAULT_MAX_METRICS
    const args: Array<string | number> = [this.#keys.stream, this.#keys.counter, this.#keys.last, this.#keys.counts,
      maxLen, maxMetrics, historyPoints, (this.#options.now ?? Date.now)() - retentionMs, this.#keys.history]
    for (const point of points) {
      const { metric, value, ts, tags } = point
      // The script writes `{"id":N,` and this body after it.
      args.push(metric, ts, JSON.stringify(tags === undefined ? { metric, value, ts } : { metric, value, ts, tags }).slice(1))
    }
    const first = await this.#call(async () => await (this.#writer as Redis & { pbAppend: AppendCommand }).pbAppend(...args))
    if (first === -1) throw new MetricLimitError(maxMetrics)
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
    const [latest, , , first] = await this.#call(async () => await stateOf(this.#writer, this.#keys, false))
    this.load({ latestId: latest, oldestId: first ?? Math.max(this.latestId(), latest) + 1 })
  }

  broker (): BrokerState {
    return { kind: 'redis', state: this.#writer.status === 'ready' && this.#loop.healthy ? 'up' : 'down' }
  }

  async close (): Promise<void> {
    this.unfollowAll()
    await this.#loop.stop()
    this.#writer.disconnect()
  }

  /** Whether the metric exists: known here, or appended elsewhere and not yet followed. */
  async #exists (metric: string): Promise<boolean> {
    return this.knows(metric) || await this.#call(async () => await this.#writer.hexists(this.#keys.counts, metric)) === 1
  }

  /** Runs a command; any failure of Redis or of the connection becomes a BrokerUnavailableError. */
  async #call<T> (command: () => Promise<T>): Promise<T> {
    try {
      return await command()
    } catch (err) {
      throw new BrokerUnavailableError('Redis', err)
    }
  }
}

function connect (options: RedisEventLogOptions, extra: RedisOptions): Redis {
  const redis = new Redis(options.url, {
    lazyConnect: true,
    // RESP2 keeps stream replies as plain nested arrays whatever the client's default protocol.
    protocol: 2,
    retryStrategy: backoffMs,
    scripts: { pbAppend: { lua: APPEND_LUA, numberOfKeys: 4 } },
    ...extra
  })
  // Reconnection is ioredis's job; commands meanwhile fail (503, a read retried), so this only reports.
  redis.on('error', options.onError ?? (() => {}))
  return redis
}

/**
 * Newest id, newest event per metric, count per metric and oldest retained id, read
 * in one MULTI so they agree; the catalog hashes are skipped when `withCatalog` is false.
 */
async function stateOf (redis: Redis, keys: RedisKeys, withCatalog = true): Promise<[EventId, Record<string, string>, Record<string, string>, EventId | undefined]> {
  const multi = redis.multi().get(keys.counter).xrange(keys.stream, '-', '+', 'COUNT', 1)
  if (withCatalog) multi.hgetall(keys.last).hgetall(keys.counts)
  /* c8 ignore next: EXEC answers null only for a transaction under WATCH, which this is not */
  const results = await multi.exec() ?? []
  const [latest, first, last, counts] = results.map(([err, value]) => {
    if (err !== null) throw err // a key of the wrong type: not data this log wrote
    return value
  })
  const firstEntry = (first as StreamEntry[])[0]
  return [Number(latest ?? 0), (last ?? {}) as Record<string, string>, (counts ?? {}) as Record<string, string>,
    firstEntry === undefined ? undefined : Number(firstEntry[0].split('-')[0])]
}

/** The URL without its password, for messages. */
function safeUrl (url: string): string {
  return url.replace(/\/\/([^@/]*):[^@/]*@/, '//$1:***@')
}
