import t from 'tap'
import { compileMetricFilter } from '../../../server/core/metric-filter.js'
import { Hub, type Subscriber } from '../../../server/hub/hub.js'
import { encodeMetric } from '../../../server/sse/sse-frame.js'
import { countingHub, ev, fakeSubscriber, frames, spyFilter, timedSubscriber } from '../../helpers/hub-fakes.js'

t.test('an unsubscribed subscriber receives nothing more', async (t) => {
  const { hub } = countingHub(t)
  const stays = fakeSubscriber()
  const leaves = fakeSubscriber()
  hub.subscribe(compileMetricFilter([]), stays)
  const subscription = hub.subscribe(compileMetricFilter([]), leaves)
  hub.publish([ev(1)])
  subscription.unsubscribe()
  hub.flush()
  t.equal(leaves.chunks.length, 0)
  t.equal(stays.text(), frames(ev(1)))
  t.equal(hub.stats.subscribers, 1)
})

t.test('unsubscribing twice is harmless and counts once', async (t) => {
  const { hub } = countingHub(t)
  hub.subscribe(compileMetricFilter([]), fakeSubscriber())
  const subscription = hub.subscribe(compileMetricFilter([]), fakeSubscriber())
  subscription.unsubscribe()
  subscription.unsubscribe()
  t.equal(hub.stats.subscribers, 1)
})

t.test('the last unsubscribe removes its group, so its filter is no longer matched', async (t) => {
  const { hub, encoded } = countingHub(t)
  const filter = spyFilter(['cpu.*'])
  const subscription = hub.subscribe(filter, fakeSubscriber())
  subscription.unsubscribe()
  hub.publish([ev(1, 'cpu.load')])
  hub.flush()
  t.same(filter.calls, [])
  t.same(encoded, [])
})

t.test('re-subscribing with the same filter key after the group was removed works', async (t) => {
  const { hub } = countingHub(t)
  const old = hub.subscribe(compileMetricFilter(['cpu.*']), fakeSubscriber())
  old.unsubscribe()
  const sub = fakeSubscriber()
  const fresh = hub.subscribe(compileMetricFilter(['cpu.*']), sub)
  old.unsubscribe()
  t.equal(hub.stats.subscribers, 1, 'a stale unsubscribe does not touch the new group')
  hub.publish([ev(1, 'cpu.load')])
  hub.flush()
  t.equal(sub.text(), frames(ev(1, 'cpu.load')))
  fresh.unsubscribe()
  t.equal(hub.stats.subscribers, 0)
})

t.test('a member leaving does not remove a group that still has members', async (t) => {
  const { hub } = countingHub(t)
  const stays = fakeSubscriber()
  hub.subscribe(compileMetricFilter(['x']), stays)
  hub.subscribe(compileMetricFilter(['x']), fakeSubscriber()).unsubscribe()
  hub.publish([ev(1, 'x')])
  hub.flush()
  t.equal(stays.text(), frames(ev(1, 'x')))
})

t.test('a subscriber may unsubscribe from inside send without disturbing the flush', async (t) => {
  const { hub } = countingHub(t)
  const others = [fakeSubscriber(), fakeSubscriber()]
  const chunks: Buffer[] = []
  const quitter: Subscriber = {
    lastId: 0,
    sentSinceHeartbeat: false,
    send: (chunk) => {
      chunks.push(chunk)
      subscription.unsubscribe()
    }
  }
  hub.subscribe(compileMetricFilter([]), others[0]!)
  const subscription = hub.subscribe(compileMetricFilter([]), quitter)
  hub.subscribe(compileMetricFilter([]), others[1]!)
  hub.publish([ev(1)])
  hub.flush()
  t.equal(chunks.length, 1)
  for (const sub of others) t.equal(sub.text(), frames(ev(1)))
  hub.publish([ev(2)])
  hub.flush()
  t.equal(chunks.length, 1)
  t.equal(hub.stats.subscribers, 2)
})

t.test('stats count subscribers, published points and points delivered per subscriber', async (t) => {
  const { hub } = countingHub(t)
  t.same(hub.stats, { subscribers: 0, published: 0, delivered: 0 })
  hub.subscribe(compileMetricFilter(['cpu.*']), fakeSubscriber())
  hub.subscribe(compileMetricFilter([]), fakeSubscriber())
  hub.subscribe(compileMetricFilter([]), fakeSubscriber())
  hub.publish([ev(1, 'cpu.a'), ev(2, 'mem.a'), ev(3, 'cpu.b')])
  t.same(hub.stats, { subscribers: 3, published: 3, delivered: 0 })
  hub.flush()
  t.same(hub.stats, { subscribers: 3, published: 3, delivered: 2 + 3 + 3 })
})

t.test('the flush timer sends a tick after flushMs without a manual flush', async (t) => {
  const hub = new Hub({ encode: encodeMetric, flushMs: 5 })
  t.teardown(() => hub.close())
  const sub = timedSubscriber(t)
  hub.subscribe(compileMetricFilter([]), sub)
  const sent = sub.next()
  hub.publish([ev(1)])
  hub.publish([ev(2)])
  await sent
  t.same(sub.chunks.map(String), [frames(ev(1), ev(2))], 'both publishes of the tick arrive in one write')
})

t.test('without flushMs the hub flushes on its own timer, not during publish', async (t) => {
  const hub = new Hub({ encode: encodeMetric })
  t.teardown(() => hub.close())
  const sub = timedSubscriber(t)
  hub.subscribe(compileMetricFilter([]), sub)
  const sent = sub.next()
  hub.publish([ev(1)])
  t.equal(sub.chunks.length, 0)
  await sent
  t.same(sub.chunks.map(String), [frames(ev(1))])
})

t.test('after a manual flush the next publish arms a new timer', async (t) => {
  const hub = new Hub({ encode: encodeMetric, flushMs: 5 })
  t.teardown(() => hub.close())
  const sub = timedSubscriber(t)
  hub.subscribe(compileMetricFilter([]), sub)
  hub.publish([ev(1)])
  hub.flush()
  const sent = sub.next()
  hub.publish([ev(2)])
  await sent
  t.same(sub.chunks.map(String), [frames(ev(1)), frames(ev(2))])
})

t.test('close stops a pending flush timer', async (t) => {
  const hub = new Hub({ encode: encodeMetric, flushMs: 1 })
  const sub = fakeSubscriber()
  hub.subscribe(compileMetricFilter([]), sub)
  hub.publish([ev(1)])
  hub.close()
  // A later timer of a second hub: once it has fired, the closed hub's shorter one would have too.
  const probe = new Hub({ encode: encodeMetric, flushMs: 20 })
  t.teardown(() => probe.close())
  const watcher = timedSubscriber(t)
  probe.subscribe(compileMetricFilter([]), watcher)
  const probed = watcher.next()
  probe.publish([ev(1)])
  await probed
  t.equal(sub.chunks.length, 0, 'nothing was sent by the closed hub')
  hub.flush()
  t.equal(sub.text(), frames(ev(1)), 'queued frames are still there for a manual flush')
})
