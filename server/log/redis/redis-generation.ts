import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { EventId } from '../../core/event.js'
import type { RedisKeys } from './redis-scripts.js'

/**
 * Which data set an instance is appending to. Redis can lose what it had
 * acknowledged (a restart without persistence, FLUSHALL, a failover to a replica
 * that lagged, `appendfsync everysec`), and the id counter then goes back. Every
 * instance therefore checks, at each append and once a second, that the
 * generation token is still the one it knows and that the counter is not below
 * the highest id it has seen. The first to see either starts a new generation:
 * it raises the counter to that id and puts up a fence that holds appends back
 * for the recovery window, in which every other instance, at its next check,
 * raises the counter above the ids it has seen in turn. Ids then go on above
 * every id any of them delivered.
 */
export interface Generation {
  /** Random token of this generation. */
  readonly token: string
  /** First id that may follow a loss: a client resuming from below `fromId - 1` may have missed points for good. */
  readonly fromId: EventId
  /** When the loss that began this generation was seen, ms since the epoch; undefined for a data set that lost nothing. */
  readonly lostAtMs: number | undefined
}

/**
 * KEYS: generation, counter, fence. ARGV: the caller's token ('' if it has none
 * yet), the highest id it has seen, a fresh token, the recovery window in ms,
 * the caller's clock in ms. Returns { token, from, lostAt or '' }.
 */
export const GENERATION_LUA = `
local token = redis.call('HGET', KEYS[1], 'token')
local counter = tonumber(redis.call('GET', KEYS[2]) or '0')
local raised = counter < tonumber(ARGV[2])
local lost = raised or (token == false and ARGV[1] ~= '')
if raised then
  counter = tonumber(ARGV[2])
  redis.call('SET', KEYS[2], string.format('%d', counter))
end
if token == false or (raised and token == ARGV[1]) then
  token = ARGV[3]
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'token', token, 'from', '1')
end
if lost then
  redis.call('HSET', KEYS[1], 'from', string.format('%d', counter + 1), 'lostAt', ARGV[5])
  redis.call('SET', KEYS[3], '1', 'PX', ARGV[4])
end
return { token, redis.call('HGET', KEYS[1], 'from'), redis.call('HGET', KEYS[1], 'lostAt') or '' }
`

type GenerationCommand = (...args: Array<string | number>) => Promise<[string, string, string]>

/** The ioredis custom command that runs {@link GENERATION_LUA}. */
export const GENERATION_COMMAND = { pbGeneration: { lua: GENERATION_LUA, numberOfKeys: 3 } }

/**
 * Checks the generation against what the caller knows (`known`, undefined before
 * the first check, and `highestId`, the newest id it has appended or been delivered),
 * starts or joins a new one after a loss, and returns the current one.
 */
export async function checkGeneration (redis: Redis, keys: RedisKeys, known: Generation | undefined, highestId: EventId, recoveryMs: number, nowMs: number): Promise<Generation> {
  const command = (redis as Redis & { pbGeneration: GenerationCommand }).pbGeneration
  const [token, from, lostAt] = await command.call(redis, keys.generation, keys.counter, keys.fence,
    known?.token ?? '', highestId, randomUUID(), recoveryMs, nowMs)
  return { token, fromId: Number(from), lostAtMs: lostAt === '' ? undefined : Number(lostAt) }
}
