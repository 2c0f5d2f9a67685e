import { setImmediate as nextTurn } from 'node:timers/promises'
import t from 'tap'
import { compileMetricFilter } from '../../../server/core/metric-filter.js'
import { Hub } from '../../../server/hub/hub.js'
import { encodeMetric } from '../../../server/sse/sse-frame.js'
import { countingHub, ev, fakeSubscriber } from '../../helpers/hub-fakes.js'

const PING = Buffer.from(': ping\n\n')

t.test('a heartbeat pings every subscriber whatever its filter, without moving its cursor', async (t) => {
  const { hub } = countingHub(t)
  const subs = [fakeSubscriber(), fakeSubscriber(), fakeSubscriber()]
  hub.subscribe(compileMetricFilter(['cpu.*']), subs[0]!)
  hub.subscribe(compileMetricFilter(['mem.*']), subs[1]!)
  hub.subscribe(compileMetricFilter([]), subs[2]!)
  hub.heartbeat(PING)
  for (const sub of subs) {
    t.same(sub.chunks, [PING])
    t.equal(sub.lastId, 0)
  }
  t.equal(hub.stats.delivered, 0, 'a ping is not a delivered point')
})

t.test('a subscriber sent points since the last heartbeat is not pinged; once quiet again it is', async (t) => {
  const { hub } = countingHub(t)
  const busy = fakeSubscriber()
  const quiet = fakeSubscriber()
  hub.subscribe(compileMetricFilter(['cpu.*']), busy)
  hub.subscribe(compileMetricFilter(['mem.*']), quiet)
  hub.publish([ev(1, 'cpu.load')])
  hub.flush()
  hub.heartbeat(PING)
  t.same(busy.chunks.map(String), [encodeMetric(ev(1, 'cpu.load'))], 'the busy stream got its point and no ping')
  t.same(quiet.chunks, [PING])
  hub.heartbeat(PING)
  t.equal(busy.chunks.at(-1), PING, 'a heartbeat interval without points ends in a ping')
  t.same(quiet.chunks, [PING, PING])
})

t.test('points and a heartbeat due in the same pass make one write: the points', async (t) => {
  const { hub } = countingHub(t)
  const sub = fakeSubscriber()
  hub.subscribe(compileMetricFilter([]), sub)
  hub.publish([ev(1)])
  hub.heartbeat(PING)
  t.same(sub.chunks.map(String), [encodeMetric(ev(1))])
})

t.test('pings go out in the pass\'s slices, not all in one turn of the event loop', async (t) => {
  const hub = new Hub({ encode: encodeMetric, flushMs: 60_000, sendsPerSlice: 2 })
  t.teardown(() => hub.close())
  const subs = Array.from({ length: 5 }, () => fakeSubscriber())
  for (const sub of subs) hub.subscribe(compileMetricFilter([]), sub)
  hub.heartbeat(PING)
  t.same(subs.map((s) => s.chunks.length), [1, 1, 0, 0, 0])
  await nextTurn()
  await nextTurn()
  t.same(subs.map((s) => s.chunks.length), [1, 1, 1, 1, 1])
})

t.test('a heartbeat that comes during a pass runs as soon as the pass ends', async (t) => {
  const hub = new Hub({ encode: encodeMetric, flushMs: 60_000, sendsPerSlice: 1 })
  t.teardown(() => hub.close())
  const subs = [fakeSubscriber(), fakeSubscriber()]
  for (const sub of subs) hub.subscribe(compileMetricFilter(['cpu.*']), sub)
  const other = fakeSubscriber()
  hub.subscribe(compileMetricFilter(['mem.*']), other)
  hub.publish([ev(1, 'cpu.load')])
  hub.flush()
  hub.heartbeat(PING)
  for (let turn = 0; turn < 5; turn++) await nextTurn()
  t.same(subs.map((s) => s.chunks.length), [1, 1], 'the streams that got points were not pinged')
  t.same(other.chunks, [PING])
})
