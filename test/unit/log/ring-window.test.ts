import t from 'tap'
import type { EventId, StoredEvent } from '../../../server/core/event.js'
import { approxEventBytes, RingWindow } from '../../../server/log/ring-window.js'
import { ids } from '../../helpers/sqlite-log.js'

/** Events with consecutive ids from `from` to `to`, both included. */
function events (from: EventId, to: EventId): StoredEvent[] {
  const out: StoredEvent[] = []
  for (let id = from; id <= to; id++) out.push({ id, metric: 'm', value: id * 10, ts: 1000 + id })
  return out
}

t.test('an empty window holds nothing: oldestId is the next id and only later ids are covered', async (t) => {
  const window = new RingWindow(4, 1)
  t.equal(window.oldestId(), 1)
  t.equal(window.covers(0), true, 'after 0 there is nothing held and nothing missing')
  t.equal(window.covers(5), true, 'a future id misses nothing held here')
  t.same(window.readAfter(0, 10), [])
  const later = new RingWindow(4, 101)
  t.equal(later.oldestId(), 101)
  t.equal(later.covers(100), true)
  t.equal(later.covers(99), false, 'id 100 was never held')
  t.same(later.readAfter(0, 10), [])
})

t.test('consecutive pushes across calls are held in order', async (t) => {
  const window = new RingWindow(10, 1)
  const pushed = events(1, 6)
  window.push(pushed.slice(0, 2))
  window.push([])
  window.push(pushed.slice(2))
  t.equal(window.oldestId(), 1)
  t.same(window.readAfter(0, 100), pushed)
  t.equal(window.readAfter(0, 100)[0], pushed[0], 'the events themselves, not copies')
})

t.test('a push whose first id is not the next one throws and changes nothing', async (t) => {
  const window = new RingWindow(4, 1)
  window.push(events(1, 2))
  t.throws(() => window.push(events(4, 4)), { message: 'ring window expected id 3, got 4' })
  t.throws(() => window.push(events(2, 3)), { message: 'ring window expected id 3, got 2' }, 'nor an id already held')
  t.equal(window.oldestId(), 1)
  t.same(ids(window.readAfter(0, 10)), [1, 2])
  window.push(events(3, 3))
  t.same(ids(window.readAfter(0, 10)), [1, 2, 3], 'the right next id is still accepted')
})

t.test('a push with a gap inside the batch throws', async (t) => {
  const window = new RingWindow(8, 1)
  t.throws(() => window.push([...events(1, 2), ...events(4, 4)]), { message: 'ring window expected id 3, got 4' })
})

t.test('a window that starts at a later id takes that id first', async (t) => {
  const window = new RingWindow(3, 41)
  t.throws(() => window.push(events(1, 1)), { message: 'ring window expected id 41, got 1' })
  window.push(events(41, 42))
  t.equal(window.oldestId(), 41)
  t.equal(window.covers(40), true)
  t.equal(window.covers(39), false)
  t.same(ids(window.readAfter(0, 10)), [41, 42])
})

t.test('a partly full window covers from just before its oldest id', async (t) => {
  const window = new RingWindow(5, 1)
  window.push(events(1, 3))
  t.equal(window.oldestId(), 1)
  t.equal(window.covers(0), true)
  t.equal(window.covers(2), true)
  t.equal(window.covers(3), true)
  t.equal(window.covers(-1), false)
})

t.test('once full, each push forgets the oldest events and wraps around the ring', async (t) => {
  const window = new RingWindow(4, 1)
  window.push(events(1, 4))
  t.equal(window.oldestId(), 1, 'exactly full')
  t.same(ids(window.readAfter(0, 10)), [1, 2, 3, 4])
  window.push(events(5, 6))
  t.equal(window.oldestId(), 3)
  t.same(window.readAfter(0, 10), events(3, 6), 'the read crosses the end of the ring in id order')
  window.push(events(7, 17))
  t.equal(window.oldestId(), 14, 'a push larger than the ring keeps its newest events')
  t.same(window.readAfter(0, 10), events(14, 17))
  t.equal(window.covers(13), true)
  t.equal(window.covers(12), false)
  t.equal(window.covers(17), true)
})

t.test('readAfter starts after afterId and stops at limit or the newest event', async (t) => {
  const window = new RingWindow(6, 1)
  window.push(events(1, 10)) // holds 5..10
  t.same(ids(window.readAfter(6, 2)), [7, 8])
  t.same(ids(window.readAfter(6, 100)), [7, 8, 9, 10])
  t.same(ids(window.readAfter(8, 1)), [9])
  t.same(ids(window.readAfter(9, 5)), [10])
  t.same(window.readAfter(10, 5), [], 'nothing after the newest')
  t.same(window.readAfter(50, 5), [], 'nothing after a future id')
  t.same(ids(window.readAfter(4, 3)), [5, 6, 7], 'right after the window start')
  t.same(ids(window.readAfter(0, 3)), [5, 6, 7], 'an afterId before the window reads from the oldest held')
  t.same(window.readAfter(4, 0), [], 'limit 0')
  t.same(window.readAfter(4, -1), [], 'a negative limit reads nothing')
  t.same(window.readAfter(4, -100), [])
})

t.test('approxEventBytes counts the name and every tag', async (t) => {
  const bare = approxEventBytes({ id: 1, metric: 'cpu', value: 1, ts: 0 })
  const tagged = approxEventBytes({ id: 1, metric: 'cpu', value: 1, ts: 0, tags: { host: 'a'.repeat(100) } })
  t.ok(bare > 3, 'more than the name alone')
  t.ok(tagged >= bare + 104, 'a tag adds at least its key and value')
})

t.test('a byte bound drops the oldest events once the held ones pass it', async (t) => {
  const event = (id: number): StoredEvent => ({ id, metric: 'm', value: id, ts: 0, tags: { pad: 'x'.repeat(200) } })
  const each = approxEventBytes(event(1))
  const window = new RingWindow(100, 1, each * 3)
  window.push([1, 2, 3].map(event))
  t.equal(window.oldestId(), 1, 'three fit')
  t.equal(window.bytes, each * 3)
  window.push([4, 5].map(event))
  t.equal(window.oldestId(), 3, 'the two oldest went')
  t.same(window.readAfter(0, 10).map((e) => e.id), [3, 4, 5])
  t.notOk(window.covers(1), 'a resume from before them goes to the store')
  t.equal(window.bytes, each * 3)
})

t.test('the newest event is held even when it alone passes the byte bound', async (t) => {
  const window = new RingWindow(10, 1, 10)
  window.push([{ id: 1, metric: 'a-long-metric-name', value: 1, ts: 0 }, { id: 2, metric: 'another-long-name', value: 2, ts: 0 }])
  t.same(window.readAfter(0, 10).map((e) => e.id), [2])
})

t.test('events overwritten by the count bound leave the byte total', async (t) => {
  const window = new RingWindow(2, 1)
  const event = (id: number): StoredEvent => ({ id, metric: 'm', value: id, ts: 0 })
  window.push([1, 2, 3, 4].map(event))
  t.equal(window.bytes, 2 * approxEventBytes(event(1)))
})
