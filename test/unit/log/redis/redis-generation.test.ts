import { Redis } from 'ioredis'
import t from 'tap'
import { checkGeneration, GENERATION_COMMAND } from '../../../../server/log/redis/redis-generation.js'
import { redisKeys } from '../../../../server/log/redis/redis-scripts.js'
import { startRedis } from '../../../helpers/redis-server.js'

t.test('the generation check: created once, a loss starts a new one, and every instance raises the counter above its ids', async (t) => {
  const redis = await startRedis(t)
  if (redis === undefined) return
  const client = new Redis(redis.url, { scripts: GENERATION_COMMAND })
  t.teardown(() => client.disconnect())
  const keys = redisKeys('g:')

  const fresh = await checkGeneration(client, keys, undefined, 0, 10_000, 1000)
  t.match(fresh, { token: String, fromId: 1, lostAtMs: undefined }, 'a new data set: nothing lost')
  t.same(await checkGeneration(client, keys, undefined, 0, 10_000, 1000), fresh, 'a second instance joins it as it is')
  await client.set(keys.counter, 5)
  t.same(await checkGeneration(client, keys, fresh, 5, 10_000, 1000), fresh, 'in step: nothing changes')
  t.equal(await client.exists(keys.fence), 0, 'and no fence')

  // Redis restarts empty. Instance A had seen id 5, instance B id 9 (its own append, not yet read by A).
  await client.flushall()
  const byA = await checkGeneration(client, keys, fresh, 5, 10_000, 2000)
  t.not(byA.token, fresh.token, 'the first to look starts a new generation')
  t.same([byA.fromId, byA.lostAtMs, await client.get(keys.counter)], [6, 2000, '5'], 'ids go on above what it has seen')
  t.ok(await client.pttl(keys.fence) > 0, 'appends wait behind the fence')
  const byB = await checkGeneration(client, keys, fresh, 9, 10_000, 3000)
  t.same([byB.token, byB.fromId, byB.lostAtMs, await client.get(keys.counter)], [byA.token, 10, 3000, '9'], 'B joins it and raises the counter above its own ids')
  const byC = await checkGeneration(client, keys, byA, 7, 10_000, 4000)
  t.same(byC, byB, 'an instance below the counter changes nothing')
  t.same(await checkGeneration(client, keys, undefined, 0, 10_000, 5000), byB, 'an instance that opens later sees the loss too')

  // A replica that lagged: the generation survives, the counter went back below what B delivered.
  await client.del(keys.fence)
  await client.set(keys.counter, 4)
  const lagged = await checkGeneration(client, keys, byB, 9, 10_000, 6000)
  t.not(lagged.token, byB.token, 'a counter below a delivered id is a loss too')
  t.same([lagged.fromId, lagged.lostAtMs, await client.get(keys.counter)], [10, 6000, '9'])
  t.ok(await client.pttl(keys.fence) > 0)
})
