import t from 'tap'
import { LimitsClient } from '../../../server/cluster/limits-client.js'
import { LimitsHost } from '../../../server/cluster/limits-host.js'
import type { LimitsMessage } from '../../../server/cluster/limits-protocol.js'
import { channelPair, type ChannelPair } from '../../helpers/ipc-channel-pair.js'
import { waitFor } from '../../helpers/wait-for.js'

/** A host with `count` workers' clients attached, each over its own channel. */
function cluster (count: number): { host: LimitsHost, workers: Array<{ client: LimitsClient, pair: ChannelPair<LimitsMessage> }> } {
  const host = new LimitsHost()
  const workers = Array.from({ length: count }, () => {
    const pair = channelPair<LimitsMessage>()
    host.attach(pair.primary)
    return { client: new LimitsClient(pair.worker), pair }
  })
  return { host, workers }
}

t.test('two workers share one per-address stream cap', async (t) => {
  const { host, workers: [a, b] } = cluster(2)
  t.ok(await a!.client.slots.take('203.0.113.9', 3))
  t.ok(await b!.client.slots.take('203.0.113.9', 3))
  t.ok(await a!.client.slots.take('203.0.113.9', 3))
  t.notOk(await b!.client.slots.take('203.0.113.9', 3), 'the fourth, on either worker, is refused')
  t.ok(await b!.client.slots.take('203.0.113.10', 3), 'another key has its own slots')
  a!.client.slots.release('203.0.113.9')
  await waitFor(() => host.held('203.0.113.9') === 2, 2000, 'the release to reach the primary')
  t.ok(await b!.client.slots.take('203.0.113.9', 3), 'a released slot can be taken on the other worker')
})

t.test('a worker that dies gives back the slots it held, and only those', async (t) => {
  const { host, workers: [a, b] } = cluster(2)
  for (let i = 0; i < 2; i++) t.ok(await a!.client.slots.take('k', 5))
  t.ok(await b!.client.slots.take('k', 5))
  a!.pair.disconnect()
  t.equal(host.held('k'), 1, "the dead worker's two slots are free")
  b!.client.slots.release('k')
  b!.client.slots.release('k')
  await waitFor(() => host.held('k') === 0, 2000, 'the release to reach the primary')
  t.ok(await b!.client.slots.take('k', 1))
  a!.client.slots.release('k')
  t.equal(host.held('k'), 1, 'a gone worker releases nothing, and a slot is not given back twice')
})

t.test('rate-limit windows count across workers, one window per route', async (t) => {
  const { workers: [a, b] } = cluster(2)
  t.match(await a!.client.hit('POST /api/session', 'k', 60_000, 10), { current: 1 })
  t.match(await b!.client.hit('POST /api/session', 'k', 60_000, 10), { current: 2 })
  const third = await a!.client.hit('POST /api/session', 'k', 60_000, 10)
  t.equal(third.current, 3)
  t.ok(third.ttl > 0 && third.ttl <= 60_000, 'with the ms left in the window')
  t.match(await b!.client.hit('POST /api/events', 'k', 1000, 10), { current: 1 }, 'another route counts apart')
})

t.test('once the primary is gone, waiting and new calls are refused with PB_ERR_STORE_UNAVAILABLE', async (t) => {
  const { workers: [a] } = cluster(1)
  const release = a!.pair.hold()
  const waiting = a!.client.slots.take('k', 1)
  a!.pair.disconnect()
  release()
  await t.rejects(waiting, { code: 'PB_ERR_STORE_UNAVAILABLE' })
  await t.rejects(a!.client.hit('w', 'k', 1000, 1), { code: 'PB_ERR_STORE_UNAVAILABLE' })
  t.doesNotThrow(() => a!.client.slots.release('k'), 'a release after the primary is gone is a no-op')
})

t.test('each end ignores messages that are not its own', async (t) => {
  const { host, workers: [a] } = cluster(1)
  // The log's messages share the channel; a reply never goes to the primary; an unknown id is dropped.
  a!.pair.worker.send({ pb: 'call', id: 1, op: 'state', args: [] } as unknown as LimitsMessage)
  a!.pair.worker.send({ pbLimits: 'reply', id: 1, value: true })
  a!.pair.primary.send({ pb: 'events', events: [], oldestId: 0 } as unknown as LimitsMessage)
  a!.pair.primary.send({ pbLimits: 'take', id: 1, key: 'k', max: 1 })
  a!.pair.primary.send({ pbLimits: 'reply', id: 999, value: true })
  t.ok(await a!.client.slots.take('k', 1), 'the client still works')
  t.equal(host.held('k'), 1)
})
