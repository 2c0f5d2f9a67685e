import t, { type Test } from 'tap'
import type { StoredEvent } from '../../../server/core/event.js'
import { compileTopicFilter, type TopicFilter } from '../../../server/core/topic-filter.js'
import { DEFAULT_FLUSH_MS, Hub, type Subscriber } from '../../../server/hub/hub.js'
import { encodeMetric } from '../../../server/sse/sse-frame.js'

interface FakeSubscriber extends Subscriber {
  readonly chunks: Buffer[]
  text: () => string
}

function fakeSubscriber (lastId = 0): FakeSubscriber {
  const chunks: Buffer[] = []
  return {
    lastId,
    chunks,
    send: (chunk) => { chunks.push(chunk) },
    text: () => Buffer.concat(chunks).toString()
  }
}

/** A filter that counts how often it is asked. */
function spyFilter (globs: string[]): TopicFilter & { calls: string[] } {
  const inner = compileTopicFilter(globs)
  const calls: string[] = []
  return {
    key: inner.key,
    calls,
    matches: (metric) => {
      calls.push(metric)
      return inner.matches(metric)
    }
  }
}

function ev (id: number, metric = 'cpu.load', extra: Partial<StoredEvent> = {}): StoredEvent {
  return { id, metric, value: id, ts: 1000 + id, ...extra }
}

/** A subscriber whose sends resolve `next()`, which rejects after 2 s so a hang fails. */
function timedSubscriber (t: Test): Subscriber & { chunks: Buffer[], next: () => Promise<void> } {
  const chunks: Buffer[] = []
  let wake: () => void = () => {}
  let timer: NodeJS.Timeout | undefined
  t.teardown(() => clearTimeout(timer))
  return {
    lastId: 0,
    chunks,
    send: (chunk) => {
      chunks.push(chunk)
      wake()
    },
    next: async () => {
      clearTimeout(timer)
      await new Promise<void>((resolve, reject) => {
        wake = resolve
        timer = setTimeout(() => reject(new Error('no flush within 2 s')), 2000)
      })
      clearTimeout(timer)
    }
  }
}

function frames (...events: StoredEvent[]): string {
  return events.map(encodeMetric).join('')
}

/** A hub whose encode calls are counted; flushMs is long so only flush() sends. */
function countingHub (t: Test, flushMs = 10_000): { hub: Hub, encoded: number[] } {
  const encoded: number[] = []
  const hub = new Hub({
    encode: (event) => {
      encoded.push(event.id)
      return encodeMetric(event)
    },
    flushMs
  })
  t.teardown(() => hub.close())
  return { hub, encoded }
}

t.test('the default flush delay is 25 ms', async (t) => {
  t.equal(DEFAULT_FLUSH_MS, 25)
})

t.test('a subscriber receives the exact frames of published events on flush', async (t) => {
  const { hub } = countingHub(t)
  const sub = fakeSubscriber()
  hub.subscribe(compileTopicFilter([]), sub)
  hub.publish([ev(1), ev(2)])
  t.equal(sub.chunks.length, 0, 'nothing is sent before the flush')
  hub.flush()
  t.equal(sub.text(), frames(ev(1), ev(2)))
  t.equal(sub.lastId, 2, 'the cursor moves to the last id sent')
})

t.test('each event is encoded once whatever the number of subscribers and groups', async (t) => {
  const { hub, encoded } = countingHub(t)
  for (let i = 0; i < 5; i++) hub.subscribe(compileTopicFilter([]), fakeSubscriber())
  for (let i = 0; i < 3; i++) hub.subscribe(compileTopicFilter(['cpu.*']), fakeSubscriber())
  hub.subscribe(compileTopicFilter(['cpu.load']), fakeSubscriber())
  hub.publish([ev(1), ev(2), ev(3, 'mem.rss')])
  hub.flush()
  t.same(encoded, [1, 2, 3])
})

t.test('an event that no group matches is not encoded', async (t) => {
  const { hub, encoded } = countingHub(t)
  const sub = fakeSubscriber()
  hub.subscribe(compileTopicFilter(['cpu.*']), sub)
  hub.publish([ev(1, 'mem.rss')])
  hub.flush()
  t.same(encoded, [])
  t.equal(sub.chunks.length, 0)
  t.equal(sub.lastId, 0)
})

t.test('publishing with no subscribers encodes nothing and still counts and tracks the id', async (t) => {
  const { hub, encoded } = countingHub(t)
  hub.publish([ev(1), ev(2)])
  hub.flush()
  t.same(encoded, [])
  t.equal(hub.lastPublishedId, 2)
  t.same(hub.stats, { subscribers: 0, published: 2, delivered: 0 })
})

t.test('every subscriber gets one send per flush however many publishes the tick held', async (t) => {
  const { hub } = countingHub(t)
  const subs = [fakeSubscriber(), fakeSubscriber(), fakeSubscriber()]
  for (const sub of subs) hub.subscribe(compileTopicFilter([]), sub)
  hub.publish([ev(1)])
  hub.publish([ev(2), ev(3)])
  hub.publish([ev(4)])
  hub.flush()
  for (const sub of subs) {
    t.equal(sub.chunks.length, 1)
    t.equal(sub.text(), frames(ev(1), ev(2), ev(3), ev(4)))
  }
  t.equal(subs[0]?.chunks[0], subs[1]?.chunks[0], 'members of a group share one buffer')
})

t.test('a group is matched once per event, not once per member', async (t) => {
  const { hub } = countingHub(t)
  const cpu = spyFilter(['cpu.*'])
  const all = spyFilter([])
  for (let i = 0; i < 4; i++) hub.subscribe(cpu, fakeSubscriber())
  for (let i = 0; i < 3; i++) hub.subscribe(all, fakeSubscriber())
  hub.publish([ev(1, 'cpu.load'), ev(2, 'mem.rss')])
  t.same(cpu.calls, ['cpu.load', 'mem.rss'])
  t.same(all.calls, ['cpu.load', 'mem.rss'])
})

t.test('subscribers with equal filter keys share a group, even with distinct filter objects', async (t) => {
  const { hub } = countingHub(t)
  const first = spyFilter(['b.*', 'a.*'])
  const second = spyFilter(['a.*', 'b.*'])
  const one = fakeSubscriber()
  const two = fakeSubscriber()
  hub.subscribe(first, one)
  hub.subscribe(second, two)
  hub.publish([ev(1, 'a.x')])
  hub.flush()
  t.same(first.calls, ['a.x'], 'the filter of the first subscriber serves the group')
  t.same(second.calls, [])
  t.equal(one.chunks[0], two.chunks[0])
})

t.test('each group gets only the events its filter matches', async (t) => {
  const { hub } = countingHub(t)
  const cpu = fakeSubscriber()
  const mem = fakeSubscriber()
  const all = fakeSubscriber()
  hub.subscribe(compileTopicFilter(['cpu.*']), cpu)
  hub.subscribe(compileTopicFilter(['mem.*']), mem)
  hub.subscribe(compileTopicFilter([]), all)
  hub.publish([ev(1, 'cpu.load'), ev(2, 'mem.rss'), ev(3, 'cpu.idle')])
  hub.flush()
  t.equal(cpu.text(), frames(ev(1, 'cpu.load'), ev(3, 'cpu.idle')))
  t.equal(mem.text(), frames(ev(2, 'mem.rss')))
  t.equal(all.text(), frames(ev(1, 'cpu.load'), ev(2, 'mem.rss'), ev(3, 'cpu.idle')))
  t.equal(cpu.lastId, 3)
  t.equal(mem.lastId, 2, 'the cursor is the last id the group was sent')
})

t.test('a subscriber whose lastId is inside the pending tick gets only the remainder', async (t) => {
  const { hub } = countingHub(t)
  const early = fakeSubscriber()
  hub.subscribe(compileTopicFilter([]), early)
  // Multi-byte tag values check that the split is made at byte offsets, not string offsets.
  const events = [ev(1, 'm', { tags: { city: 'Zürich' } }), ev(2, 'm', { tags: { sym: '€→¥' } }), ev(3), ev(4)]
  hub.publish(events)
  const late = fakeSubscriber(2)
  hub.subscribe(compileTopicFilter([]), late)
  hub.flush()
  t.equal(late.chunks.length, 1)
  t.equal(late.text(), frames(ev(3), ev(4)))
  t.equal(late.lastId, 4)
  t.equal(early.text(), frames(...events))
  t.same(hub.stats, { subscribers: 2, published: 4, delivered: 6 })
})

t.test('the remainder starts after lastId even when that id was not in the group', async (t) => {
  const { hub } = countingHub(t)
  const holder = fakeSubscriber()
  hub.subscribe(compileTopicFilter(['cpu.*']), holder)
  hub.publish([ev(1, 'cpu.a'), ev(2, 'mem.a'), ev(3, 'mem.b'), ev(4, 'cpu.b'), ev(5, 'cpu.c')])
  const late = fakeSubscriber(3)
  hub.subscribe(compileTopicFilter(['cpu.*']), late)
  hub.flush()
  t.equal(late.text(), frames(ev(4, 'cpu.b'), ev(5, 'cpu.c')))
})

t.test('a subscriber whose lastId is the first id of the tick gets all but the first frame', async (t) => {
  const { hub } = countingHub(t)
  hub.subscribe(compileTopicFilter([]), fakeSubscriber())
  hub.publish([ev(10), ev(11), ev(12)])
  const late = fakeSubscriber(10)
  hub.subscribe(compileTopicFilter([]), late)
  hub.flush()
  t.equal(late.text(), frames(ev(11), ev(12)))
})

t.test('a subscriber whose lastId is at or past the last id of the tick gets nothing', async (t) => {
  const { hub } = countingHub(t)
  hub.subscribe(compileTopicFilter([]), fakeSubscriber())
  hub.publish([ev(1), ev(2), ev(3)])
  const atLast = fakeSubscriber(3)
  const past = fakeSubscriber(9)
  hub.subscribe(compileTopicFilter([]), atLast)
  hub.subscribe(compileTopicFilter([]), past)
  hub.flush()
  t.equal(atLast.chunks.length, 0)
  t.equal(past.chunks.length, 0)
  t.equal(past.lastId, 9, 'a cursor ahead of the tick is left alone')
  t.equal(hub.stats.delivered, 3)
})

t.test('a subscriber that joins a new group after the publish misses that tick', async (t) => {
  const { hub } = countingHub(t)
  hub.publish([ev(1)])
  const sub = fakeSubscriber()
  hub.subscribe(compileTopicFilter([]), sub)
  hub.flush()
  t.equal(sub.chunks.length, 0, 'replay from the log, not the hub, covers what was published before joining')
})

t.test('later ticks are sent after an earlier one, each as its own chunk', async (t) => {
  const { hub } = countingHub(t)
  const sub = fakeSubscriber()
  hub.subscribe(compileTopicFilter([]), sub)
  hub.publish([ev(1)])
  hub.flush()
  hub.flush()
  hub.publish([ev(2)])
  hub.flush()
  t.equal(sub.chunks.length, 2, 'a flush with nothing pending sends nothing')
  t.equal(sub.chunks[0]?.toString(), frames(ev(1)))
  t.equal(sub.chunks[1]?.toString(), frames(ev(2)))
})

t.test('publishing an empty list changes nothing', async (t) => {
  const { hub, encoded } = countingHub(t)
  hub.publish([ev(5)])
  hub.flush()
  hub.publish([])
  t.equal(hub.lastPublishedId, 5)
  t.equal(hub.stats.published, 1)
  t.same(encoded, [])
})

t.test('lastPublishedId is 0 before the first publish and then the newest id', async (t) => {
  const { hub } = countingHub(t)
  t.equal(hub.lastPublishedId, 0)
  hub.publish([ev(3), ev(4)])
  t.equal(hub.lastPublishedId, 4)
})

t.test('an unsubscribed subscriber receives nothing more', async (t) => {
  const { hub } = countingHub(t)
  const stays = fakeSubscriber()
  const leaves = fakeSubscriber()
  hub.subscribe(compileTopicFilter([]), stays)
  const subscription = hub.subscribe(compileTopicFilter([]), leaves)
  hub.publish([ev(1)])
  subscription.unsubscribe()
  hub.flush()
  t.equal(leaves.chunks.length, 0)
  t.equal(stays.text(), frames(ev(1)))
  t.equal(hub.stats.subscribers, 1)
})

t.test('unsubscribing twice is harmless and counts once', async (t) => {
  const { hub } = countingHub(t)
  hub.subscribe(compileTopicFilter([]), fakeSubscriber())
  const subscription = hub.subscribe(compileTopicFilter([]), fakeSubscriber())
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
  const old = hub.subscribe(compileTopicFilter(['cpu.*']), fakeSubscriber())
  old.unsubscribe()
  const sub = fakeSubscriber()
  const fresh = hub.subscribe(compileTopicFilter(['cpu.*']), sub)
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
  hub.subscribe(compileTopicFilter(['x']), stays)
  hub.subscribe(compileTopicFilter(['x']), fakeSubscriber()).unsubscribe()
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
    send: (chunk) => {
      chunks.push(chunk)
      subscription.unsubscribe()
    }
  }
  hub.subscribe(compileTopicFilter([]), others[0]!)
  const subscription = hub.subscribe(compileTopicFilter([]), quitter)
  hub.subscribe(compileTopicFilter([]), others[1]!)
  hub.publish([ev(1)])
  hub.flush()
  t.equal(chunks.length, 1)
  for (const sub of others) t.equal(sub.text(), frames(ev(1)))
  hub.publish([ev(2)])
  hub.flush()
  t.equal(chunks.length, 1)
  t.equal(hub.stats.subscribers, 2)
})

t.test('broadcast sends the same bytes to every subscriber whatever its filter', async (t) => {
  const { hub } = countingHub(t)
  const subs = [fakeSubscriber(), fakeSubscriber(), fakeSubscriber()]
  hub.subscribe(compileTopicFilter(['cpu.*']), subs[0]!)
  hub.subscribe(compileTopicFilter(['mem.*']), subs[1]!)
  hub.subscribe(compileTopicFilter([]), subs[2]!)
  const ping = Buffer.from(': ping\n\n')
  hub.broadcast(ping)
  for (const sub of subs) {
    t.equal(sub.chunks.length, 1)
    t.equal(sub.chunks[0], ping)
    t.equal(sub.lastId, 0, 'a broadcast does not move the cursor')
  }
  t.equal(hub.stats.delivered, 0, 'a broadcast is not a delivered point')
})

t.test('stats count subscribers, published points and points delivered per subscriber', async (t) => {
  const { hub } = countingHub(t)
  t.same(hub.stats, { subscribers: 0, published: 0, delivered: 0 })
  hub.subscribe(compileTopicFilter(['cpu.*']), fakeSubscriber())
  hub.subscribe(compileTopicFilter([]), fakeSubscriber())
  hub.subscribe(compileTopicFilter([]), fakeSubscriber())
  hub.publish([ev(1, 'cpu.a'), ev(2, 'mem.a'), ev(3, 'cpu.b')])
  t.same(hub.stats, { subscribers: 3, published: 3, delivered: 0 })
  hub.flush()
  t.same(hub.stats, { subscribers: 3, published: 3, delivered: 2 + 3 + 3 })
})

t.test('the flush timer sends a tick after flushMs without a manual flush', async (t) => {
  const hub = new Hub({ encode: encodeMetric, flushMs: 5 })
  t.teardown(() => hub.close())
  const sub = timedSubscriber(t)
  hub.subscribe(compileTopicFilter([]), sub)
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
  hub.subscribe(compileTopicFilter([]), sub)
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
  hub.subscribe(compileTopicFilter([]), sub)
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
  hub.subscribe(compileTopicFilter([]), sub)
  hub.publish([ev(1)])
  hub.close()
  // A later timer of a second hub: once it has fired, the closed hub's shorter one would have too.
  const probe = new Hub({ encode: encodeMetric, flushMs: 20 })
  t.teardown(() => probe.close())
  const watcher = timedSubscriber(t)
  probe.subscribe(compileTopicFilter([]), watcher)
  const probed = watcher.next()
  probe.publish([ev(1)])
  await probed
  t.equal(sub.chunks.length, 0, 'nothing was sent by the closed hub')
  hub.flush()
  t.equal(sub.text(), frames(ev(1)), 'queued frames are still there for a manual flush')
})
