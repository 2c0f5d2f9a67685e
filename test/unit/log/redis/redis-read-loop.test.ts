import { Redis } from 'ioredis'
import t from 'tap'
import type { StoredEvent } from '../../../../server/core/event.js'
import { RedisReadLoop } from '../../../../server/log/redis/redis-read-loop.js'
import { startRedis } from '../../../helpers/redis-server.js'
import { waitFor } from '../../../helpers/wait-for.js'

/** XREAD calls the server has answered so far. */
async function xreadCalls (client: Redis): Promise<number> {
  const stats = await client.info('commandstats')
  return Number(/cmdstat_xread:calls=(\d+)/.exec(stats)?.[1] ?? 0)
}

t.test('reads on after BLOCK timeouts and after an empty batch, from the id given', async (t) => {
  const redis = await startRedis(t)
  if (redis === undefined) return
  const client = new Redis(redis.url)
  t.teardown(() => client.disconnect())
  await client.xadd('s', '1-0', 'e', JSON.stringify({ id: 1, metric: 'm', value: 1, ts: 1 }))
  const received: StoredEvent[] = []
  const loop = new RedisReadLoop({ redis: new Redis(redis.url), streamKey: 's', afterId: 1, blockMs: 20, onEvents: (events) => received.push(...events), onError: (err) => { throw err } })
  t.teardown(async () => await loop.stop())
  await waitFor(async () => await xreadCalls(client) >= 3, 5000, 'reads that time out')
  t.same(received, [], 'nothing at or below the id it started after')
  await client.xadd('s', '2-0', 'e', JSON.stringify({ id: 2, metric: 'm', value: 2, ts: 2 }))
  await waitFor(() => received.length === 1, 5000, 'the new entry')
  t.same(received.map((e) => e.id), [2])
  t.ok(loop.healthy)
})
