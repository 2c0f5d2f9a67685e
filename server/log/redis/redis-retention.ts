import type { Redis } from 'ioredis'
import type { EventId } from '../../core/event.js'
import type { RedisKeys } from './redis-scripts.js'

/** Default metrics trimmed per script call, so one call holds Redis for a short time only. */
export const DEFAULT_PRUNE_BATCH = 500

/**
 * KEYS: last, counts, counter. ARGV: cutoffMs, history prefix, then metric names.
 * Drops history points older than the cutoff; a metric left with none leaves the
 * catalog hashes, so it no longer counts against maxMetrics. Returns the counter
 * and the names that Redis no longer has (dropped now, or before).
 */
export const PRUNE_LUA = `
local gone = {}
for i = 3, #ARGV do
  local key = ARGV[2] .. ARGV[i]
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. ARGV[1])
  if redis.call('EXISTS', key) == 0 then
    redis.call('HDEL', KEYS[1], ARGV[i])
    redis.call('HDEL', KEYS[2], ARGV[i])
    gone[#gone + 1] = ARGV[i]
  end
end
return { redis.call('GET', KEYS[3]) or '0', gone }
`

type PruneCommand = (...args: Array<string | number>) => Promise<[string, string[]]>

/** The ioredis custom command that runs {@link PRUNE_LUA}. */
export const PRUNE_COMMAND = { pbPrune: { lua: PRUNE_LUA, numberOfKeys: 3 } }

/** Metrics that Redis no longer has, as of the moment the counter stood at `upToId`. */
export interface GoneMetrics {
  readonly upToId: EventId
  readonly metrics: readonly string[]
}

/**
 * Applies retention to the history of `metrics` (the instance's catalog), in
 * batches of `batchSize`, and returns per batch the metrics whose history is gone.
 * A point appended after a batch ran has an id above its `upToId`.
 */
export async function pruneMetrics (redis: Redis, keys: RedisKeys, metrics: readonly string[], cutoffMs: number, batchSize = DEFAULT_PRUNE_BATCH): Promise<GoneMetrics[]> {
  const command = (redis as Redis & { pbPrune: PruneCommand }).pbPrune
  const results: GoneMetrics[] = []
  for (let start = 0; start < metrics.length; start += batchSize) {
    const [counter, gone] = await command.call(redis, keys.last, keys.counts, keys.counter, cutoffMs, keys.history, ...metrics.slice(start, start + batchSize))
    results.push({ upToId: Number(counter), metrics: gone })
  }
  return results
}
