import t from 'tap'
import { compileMetricFilter } from '../../../server/core/metric-filter.js'
import { DEFAULT_FLUSH_MS, DEFAULT_MAX_FILTER_GROUPS, Hub } from '../../../server/hub/hub.js'
import { encodeMetric } from '../../../server/sse/sse-frame.js'
import { countingHub, ev, fakeSubscriber, frames, spyFilter } from '../../helpers/hub-fakes.js'

t.test('the default flush delay is 25 ms', async (t) => {
  t.equal(DEFAULT_FLUSH_MS, 25)
})

t.test('a subscriber receives the exact frames of published events on flush', async (t) => {
  const { hub } = countingHub(t)
  const sub = fakeSubscriber()
  hub.subscribe(compileMetricFilter([]), sub)
  hub.publish([ev(1), ev(2)])
  t.equal(sub.chunks.length, 0, 'nothing is sent before the flush')
  hub.flush()
  t.equal(sub.text(), frames(ev(1), ev(2)))
  t.equal(sub.lastId, 2, 'the cursor moves to the last id sent')
})

t.test('each event is encoded once whatever the number of subscribers and groups', async (t) => {
  const { hub, encoded } = countingHub(t)
  for (let i = 0; i < 5; i++) hub.subscribe(compileMetricFilter([]), fakeSubscriber())
  for (let i = 0; i < 3; i++) hub.subscribe(compileMetricFilter(['cpu.*']), fakeSubscriber())
  hub.subscribe(compileMetricFilter(['cpu.load']), fakeSubscriber())
  hub.publish([ev(1), ev(2), ev(3, 'mem.rss')])
  hub.flush()
  t.same(encoded, [1, 2, 3])
})

t.test('an event that no group matches is not encoded', async (t) => {
  const { hub, encoded } = countingHub(t)
  const sub = fakeSubscriber()
  hub.subscribe(compileMetricFilter(['cpu.*']), sub)
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
  for (const sub of subs) hub.subscribe(compileMetricFilter([]), sub)
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

t.test('each name is matched once per group, so a point costs no glob match however many groups there are', async (t) => {
  const { hub } = countingHub(t)
  const filters = Array.from({ length: 200 }, (_, i) => spyFilter([`*x${i}*`, `*y${i}*`, `m.${i}`]))
  for (const filter of filters) hub.subscribe(filter, fakeSubscriber())
  // 1,000 points over 10 names: before, every point was matched against all 200 groups.
  hub.publish(Array.from({ length: 1000 }, (_, i) => ev(i + 1, `m.${i % 10}`)))
  hub.flush()
  const calls = filters.reduce((sum, filter) => sum + filter.calls.length, 0)
  t.equal(calls, 200 * 10, 'one match per group and name')
  hub.publish(Array.from({ length: 1000 }, (_, i) => ev(i + 1001, `m.${i % 10}`)))
  t.equal(filters.reduce((sum, filter) => sum + filter.calls.length, 0), calls, 'none for later points of those names')
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
  hub.subscribe(compileMetricFilter(['cpu.*']), cpu)
  hub.subscribe(compileMetricFilter(['mem.*']), mem)
  hub.subscribe(compileMetricFilter([]), all)
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
  hub.subscribe(compileMetricFilter([]), early)
  // Multi-byte tag values check that the split is made at byte offsets, not string offsets.
  const events = [ev(1, 'm', { tags: { city: 'Zürich' } }), ev(2, 'm', { tags: { sym: '€→¥' } }), ev(3), ev(4)]
  hub.publish(events)
  const late = fakeSubscriber(2)
  hub.subscribe(compileMetricFilter([]), late)
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
  hub.subscribe(compileMetricFilter(['cpu.*']), holder)
  hub.publish([ev(1, 'cpu.a'), ev(2, 'mem.a'), ev(3, 'mem.b'), ev(4, 'cpu.b'), ev(5, 'cpu.c')])
  const late = fakeSubscriber(3)
  hub.subscribe(compileMetricFilter(['cpu.*']), late)
  hub.flush()
  t.equal(late.text(), frames(ev(4, 'cpu.b'), ev(5, 'cpu.c')))
})

t.test('a subscriber whose lastId is the first id of the tick gets all but the first frame', async (t) => {
  const { hub } = countingHub(t)
  hub.subscribe(compileMetricFilter([]), fakeSubscriber())
  hub.publish([ev(10), ev(11), ev(12)])
  const late = fakeSubscriber(10)
  hub.subscribe(compileMetricFilter([]), late)
  hub.flush()
  t.equal(late.text(), frames(ev(11), ev(12)))
})

t.test('a subscriber whose lastId is at or past the last id of the tick gets nothing', async (t) => {
  const { hub } = countingHub(t)
  hub.subscribe(compileMetricFilter([]), fakeSubscriber())
  hub.publish([ev(1), ev(2), ev(3)])
  const atLast = fakeSubscriber(3)
  const past = fakeSubscriber(9)
  hub.subscribe(compileMetricFilter([]), atLast)
  hub.subscribe(compileMetricFilter([]), past)
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
  hub.subscribe(compileMetricFilter([]), sub)
  hub.flush()
  t.equal(sub.chunks.length, 0, 'replay from the log, not the hub, covers what was published before joining')
})

t.test('later ticks are sent after an earlier one, each as its own chunk', async (t) => {
  const { hub } = countingHub(t)
  const sub = fakeSubscriber()
  hub.subscribe(compileMetricFilter([]), sub)
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

t.test('past maxFilterGroups distinct filters, only a filter already served or one matching everything is admitted', async (t) => {
  t.equal(DEFAULT_MAX_FILTER_GROUPS, 1000)
  const hub = new Hub({ encode: encodeMetric, maxFilterGroups: 2 })
  t.teardown(() => hub.close())
  const cpu = compileMetricFilter(['cpu.*'])
  const mem = compileMetricFilter(['mem.*'])
  const disk = compileMetricFilter(['disk.*'])
  t.ok(hub.admits(cpu))
  const first = hub.subscribe(cpu, fakeSubscriber())
  hub.subscribe(mem, fakeSubscriber())
  t.notOk(hub.admits(disk), 'a third distinct filter waits')
  t.ok(hub.admits(compileMetricFilter(['cpu.*', 'cpu.*'])), 'a filter already served joins its group')
  t.ok(hub.admits(compileMetricFilter([])), 'the unfiltered stream is always served')
  const all = hub.subscribe(compileMetricFilter([]), fakeSubscriber())
  first.unsubscribe()
  t.ok(hub.admits(disk), 'a place freed by the last member of a group; the unfiltered group takes none')
  hub.subscribe(disk, fakeSubscriber())
  all.unsubscribe()
  t.notOk(hub.admits(cpu), 'full again')
})
