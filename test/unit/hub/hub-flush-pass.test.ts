import { setImmediate as nextTurn } from 'node:timers/promises'
import t from 'tap'
import type { StoredEvent } from '../../../server/core/event.js'
import { compileMetricFilter } from '../../../server/core/metric-filter.js'
import { Hub, type Subscriber } from '../../../server/hub/hub.js'
import { fakeSubscriber } from '../../helpers/hub-fakes.js'

const ALL = compileMetricFilter([])

function counting (): Subscriber & { sends: number } {
  const subscriber = { lastId: 0, sentSinceHeartbeat: false, sends: 0, send: () => { subscriber.sends++ } }
  return subscriber
}

const ev = (id: number): StoredEvent => ({ id, metric: 'm', value: id, ts: id })

function setup (subscribers: number, sendsPerSlice: number): { hub: Hub, members: Array<ReturnType<typeof counting>>, encodes: () => number } {
  let encodes = 0
  const hub = new Hub({ encode: (e) => { encodes++; return `data: ${e.id}\n\n` }, flushMs: 60_000, sendsPerSlice })
  const members = Array.from({ length: subscribers }, () => counting())
  for (const member of members) hub.subscribe(ALL, member)
  return { hub, members, encodes: () => encodes }
}

t.test('a flush pass writes one slice at once and the rest in later turns of the event loop', async (t) => {
  const { hub, members } = setup(5, 2)
  t.teardown(() => hub.close())
  hub.publish([ev(1), ev(2)])
  hub.flush()
  t.same(members.map((m) => m.sends), [1, 1, 0, 0, 0], 'the first slice goes out at once')
  await nextTurn()
  t.same(members.map((m) => m.sends), [1, 1, 1, 1, 0])
  await nextTurn()
  t.same(members.map((m) => m.sends), [1, 1, 1, 1, 1])
  t.equal(hub.stats.delivered, 10)
})

t.test('points published during a pass reach the members it has not visited yet, and the rest in the next pass', async (t) => {
  const { hub, members, encodes } = setup(4, 2)
  t.teardown(() => hub.close())
  hub.publish([ev(1)])
  hub.flush()
  t.same(members.map((m) => m.lastId), [1, 1, 0, 0], 'the first slice went out')
  hub.publish([ev(2)]) // while the pass is under way
  hub.flush() // refused: a pass is running; it schedules the next one
  await nextTurn()
  t.same(members.map((m) => m.lastId), [1, 1, 2, 2], 'members visited after the publish got both points in one write')
  t.same(members.map((m) => m.sends), [1, 1, 1, 1])
  hub.flushNow()
  t.same(members.map((m) => m.lastId), [2, 2, 2, 2])
  t.same(members.map((m) => m.sends), [2, 2, 1, 1], 'the next pass writes only to those that lacked the point')
  t.equal(hub.stats.delivered, 8, 'each point delivered once to each member')
  t.equal(encodes(), 2, 'each point encoded once')
})

t.test('a member visited mid-pass is sent only the frames it lacks', async (t) => {
  const hub = new Hub({ encode: (e) => `data: ${e.id}\n\n`, flushMs: 60_000, sendsPerSlice: 1 })
  t.teardown(() => hub.close())
  const members = [fakeSubscriber(), fakeSubscriber(), fakeSubscriber()]
  for (const member of members) hub.subscribe(ALL, member)
  hub.publish([ev(1), ev(2)])
  hub.flush()
  hub.publish([ev(3)])
  hub.flushNow()
  t.same(members.map((m) => m.text()), ['data: 1\n\ndata: 2\n\ndata: 3\n\n', 'data: 1\n\ndata: 2\n\ndata: 3\n\n', 'data: 1\n\ndata: 2\n\ndata: 3\n\n'])
  t.same(members.map((m) => m.chunks.length), [2, 1, 1])
  t.equal(members[1]!.chunks[0], members[2]!.chunks[0], 'members wanting the same bytes share one buffer')
})

t.test('flushNow writes everything before it returns', async (t) => {
  const { hub, members } = setup(7, 2)
  t.teardown(() => hub.close())
  hub.publish([ev(1)])
  hub.flushNow()
  t.ok(members.every((m) => m.sends === 1 && m.lastId === 1))
})

t.test('a pass that ends with points left over schedules the next flush by the timer', async (t) => {
  let encodes = 0
  const hub = new Hub({ encode: (e) => { encodes++; return `data: ${e.id}\n\n` }, flushMs: 5, sendsPerSlice: 1 })
  t.teardown(() => hub.close())
  const members = [counting(), counting()]
  for (const member of members) hub.subscribe(ALL, member)
  hub.publish([ev(1)])
  hub.flush()
  hub.publish([ev(2)])
  const deadline = Date.now() + 2000
  while (members.some((m) => m.lastId < 2) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
  t.same(members.map((m) => m.lastId), [2, 2])
  t.equal(encodes, 2)
})
