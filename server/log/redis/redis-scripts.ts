/**
 * The Lua that makes one append a single atomic step in Redis: ids, stream
 * entry, catalog and history change together or not at all, in one round trip.
 */

/** Keys of one Pulseboard data set in Redis, all under one prefix. */
export interface RedisKeys {
  /** Stream of every event, entry id `<event id>-0`, field `e` = the event's JSON. */
  readonly stream: string
  /** Newest id given out (INCRBY). */
  readonly counter: string
  /** Hash: metric → JSON of its newest event. */
  readonly last: string
  /** Hash: metric → points appended. */
  readonly counts: string
  /** Prefix of the per-metric sorted sets of history (score = ts, member = the event's JSON). */
  readonly history: string
  /** Hash of the current generation: `token`, `from` (ids below it may be lost), `lostAt` (ms, after a loss). */
  readonly generation: string
  /** Present while appends wait after a data loss (PX = the recovery window). */
  readonly fence: string
}

/** The keys under `prefix` (e.g. `pulseboard:`). */
export function redisKeys (prefix: string): RedisKeys {
  return { stream: `${prefix}stream`, counter: `${prefix}id`, last: `${prefix}last`, counts: `${prefix}count`, history: `${prefix}history:`, generation: `${prefix}generation`, fence: `${prefix}fence` }
}

/** What the append script answers instead of an id when the points would take the catalog past maxMetrics. */
export const APPEND_METRIC_LIMIT = -1
/** What it answers when Redis lost data since this instance last looked, or appends wait after a loss. */
export const APPEND_OUT_OF_STEP = -2

/**
 * KEYS: stream, counter, last, counts, generation, fence. ARGV: maxLen, maxMetrics,
 * historyPoints, cutoffMs, history prefix, the generation token the instance knows,
 * the highest id it has seen, then metric, ts and JSON body (the event without its
 * opening brace and id) for each point. Returns the first id, or a negative code
 * (then nothing is written): -1 when the points would take the catalog past
 * maxMetrics; -2 when the generation is not the caller's, the counter is below an id
 * the caller has seen (Redis lost data), or the fence after a loss is up.
 * History keys are built here, not passed as KEYS: fine on one Redis, not on Redis Cluster.
 */
export const APPEND_LUA = `
if redis.call('HGET', KEYS[5], 'token') ~= ARGV[6] or redis.call('EXISTS', KEYS[6]) == 1
  or tonumber(redis.call('GET', KEYS[2]) or '0') < tonumber(ARGV[7]) then return -2 end
local maxMetrics = tonumber(ARGV[2])
local historyPoints = tonumber(ARGV[3])
local n = (#ARGV - 7) / 3
local metrics = {}
local added = 0
for i = 0, n - 1 do
  local metric = ARGV[8 + i * 3]
  if metrics[metric] == nil then
    metrics[metric] = true
    if redis.call('HEXISTS', KEYS[4], metric) == 0 then added = added + 1 end
  end
end
if added > 0 and redis.call('HLEN', KEYS[4]) + added > maxMetrics then return -1 end
local first = redis.call('INCRBY', KEYS[2], n) - n + 1
for i = 0, n - 1 do
  local metric, ts, body = ARGV[8 + i * 3], ARGV[9 + i * 3], ARGV[10 + i * 3]
  local id = string.format('%d', first + i)
  local event = '{"id":' .. id .. ',' .. body
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], id .. '-0', 'e', event)
  redis.call('HSET', KEYS[3], metric, event)
  redis.call('HINCRBY', KEYS[4], metric, 1)
  redis.call('ZADD', ARGV[5] .. metric, ts, event)
end
for metric in pairs(metrics) do
  local key = ARGV[5] .. metric
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. ARGV[4])
  redis.call('ZREMRANGEBYRANK', key, 0, -historyPoints - 1)
end
return first
`

/** Stream entries as XREAD and XRANGE return them (RESP2): `[entryId, [field, value, …]]`. */
export type StreamEntry = [id: string, fields: string[]]

/** The events of stream entries; the append script gives each entry the one field `e`. */
export function entriesToEvents<T> (entries: readonly StreamEntry[]): T[] {
  return entries.map(([, fields]) => JSON.parse(fields[1]!) as T)
}
