import { PassThrough } from 'node:stream'
import t, { type Test } from 'tap'
import type { EventId, MetricPoint, StoredEvent } from '../../../server/core/event.js'
import { compileMetricFilter, type MetricFilter } from '../../../server/core/metric-filter.js'
import { Hub } from '../../../server/hub/hub.js'
import type { EventLog } from '../../../server/log/event-log.js'
import { BatchListeners } from '../../../server/log/batch-listeners.js'
import { RingWindow } from '../../../server/log/ring-window.js'
import { DEFAULT_REPLAY_CHUNK, replayThenFollow, type FollowOptions, type ReplaySource } from '../../../server/sse/resume.js'
import { SseConnection, type CloseReason } from '../../../server/sse/sse-connection.js'
import { encodeMetric } from '../../../server/sse/sse-frame.js'

const ALL = compileMetricFilter([])

/**
 * The smallest log replay needs: ids given out here from 1, the newest
 * `windowSize` events kept in a RingWindow, nothing on disk.
 */
function windowLog (windowSize: number): EventLog {
  const window = new RingWindow(windowSize, 1)
  const listeners = new BatchListeners()
  let latestId = 0
  return {
    append: async (points) => {
      const events = points.map((point): StoredEvent => ({ id: ++latestId, ...point }))
      window.push(events)
      if (events.length > 0) listeners.emit(events)
      return events
    },
    readAfter: async (afterId, limit) => window.readAfter(afterId, limit),
    oldestId: () => window.oldestId(),
    latestId: () => latestId,
    catalog: () => [],
    history: async () => undefined,
    buckets: async () => undefined,
    close: async () => {},
    onAppended: (listener) => listeners.add(listener),
    sync: async () => {},
    state: () => ({ kind: 'sqlite', state: 'up' })
  }
}

interface Rig {
  readonly log: EventLog
  readonly hub: Hub
  readonly out: PassThrough
  readonly connection: SseConnection
  readonly reasons: CloseReason[]
  /** Text the client has read so far, after pending stream callbacks ran. */
  readonly received: () => Promise<string>
  /** Starts reading; the stream is left unread until then when `reading` is false. */
  readonly read: () => void
}

interface RigOptions {
  readonly windowSize?: number
  readonly maxQueuedBytes?: number
  readonly reading?: boolean
}

function rig (t: Test, options: RigOptions = {}): Rig {
  const log = windowLog(options.windowSize ?? 1000)
  // A long flush delay: the tests flush by hand.
  const hub = new Hub({ encode: encodeMetric, flushMs: 60_000 })
  log.onAppended((events) => hub.publish(events))
  const out = new PassThrough({ highWaterMark: 16 })
  const reasons: CloseReason[] = []
  const connection = new SseConnection(out, { maxQueuedBytes: options.maxQueuedBytes ?? 1_000_000, onClose: (_connection, r) => reasons.push(r) })
  const chunks: Buffer[] = []
  const read = (): void => { out.on('data', (chunk: Buffer) => chunks.push(chunk)) }
  if (options.reading ?? true) read()
  t.teardown(() => {
    hub.close()
    out.destroy()
  })
  const received = async (): Promise<string> => {
    await settle()
    return Buffer.concat(chunks).toString()
  }
  return { log, hub, out, connection, reasons, received, read }
}

/** Lets pending stream callbacks and microtasks run (no timer involved). */
async function settle (): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

function points (count: number, metric = 'cpu.load'): MetricPoint[] {
  return Array.from({ length: count }, (_, i) => ({ metric, value: i, ts: 1000 + i }))
}

function metricFrames (events: readonly StoredEvent[], from: EventId, to: EventId = Infinity): string {
  return events.filter((e) => e.id >= from && e.id <= to).map(encodeMetric).join('')
}

function resetFrame (requestedId: EventId, oldestId: EventId): string {
  return `event: reset\ndata: {"requestedId":${requestedId},"oldestId":${oldestId}}\n\n`
}

/** The ids of the `id:` lines in a stream text, in order. */
function ids (text: string): number[] {
  return [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))
}

/** A replay source over `log` that records reads and can run code after each one. */
function spySource (log: ReplaySource, afterRead: (call: number) => Promise<void> | void = () => {}): ReplaySource & { reads: Array<[EventId, number]> } {
  const reads: Array<[EventId, number]> = []
  return {
    reads,
    readAfter: async (afterId, limit) => {
      reads.push([afterId, limit])
      const events = await log.readAfter(afterId, limit)
      await afterRead(reads.length)
      return events
    },
    oldestId: () => log.oldestId(),
    latestId: () => log.latestId(),
    sync: async () => await log.sync()
  }
}

function follow (r: Rig, options: Partial<FollowOptions> & { filter?: MetricFilter } = {}): ReturnType<typeof replayThenFollow> {
  return replayThenFollow(r.connection, { source: r.log, live: r.hub, filter: ALL, ...options })
}

t.test('the default replay chunk is 1,000 events', async (t) => {
  t.equal(DEFAULT_REPLAY_CHUNK, 1000)
  const r = rig(t)
  await r.log.append(points(3))
  const source = spySource(r.log)
  await follow(r, { source, afterId: 0 })
  t.same(source.reads, [[0, 1000]])
})

t.test('without afterId the client gets only live events from now on', async (t) => {
  const r = rig(t)
  await r.log.append(points(3))
  r.hub.flush()
  const subscription = await follow(r)
  t.ok(subscription)
  t.equal(r.connection.lastId, 3, 'the cursor starts at the newest published id')
  t.equal(await r.received(), '')
  const live = await r.log.append(points(2))
  r.hub.flush()
  t.equal(await r.received(), metricFrames(live, 4))
  t.equal(r.hub.stats.subscribers, 1)
})

t.test('without afterId on an empty log the client subscribes at 0', async (t) => {
  const r = rig(t)
  const source = spySource(r.log)
  t.ok(await follow(r, { source }))
  t.same(source.reads, [], 'nothing to replay, nothing read')
  t.equal(r.connection.lastId, 0)
})

t.test('afterId replays exactly the missed events, then live ones with no gap or duplicate', async (t) => {
  const r = rig(t)
  const missed = await r.log.append(points(10))
  r.hub.flush()
  const subscription = await follow(r, { afterId: 4 })
  t.ok(subscription)
  t.equal(r.connection.lastId, 10)
  const live = await r.log.append(points(2))
  r.hub.flush()
  const text = await r.received()
  t.equal(text, metricFrames(missed, 5) + metricFrames(live, 11))
  t.same(ids(text), [5, 6, 7, 8, 9, 10, 11, 12])
})

t.test('afterId equal to the newest id replays nothing and goes live', async (t) => {
  const r = rig(t)
  await r.log.append(points(3))
  const source = spySource(r.log)
  t.ok(await follow(r, { source, afterId: 3 }))
  t.same(source.reads, [])
  t.equal(await r.received(), '')
})

t.test('events published while the replay reads are delivered once each, in order', async (t) => {
  const r = rig(t)
  // Another client in the same group, so the hub has a pending tick when this one joins.
  const other: Buffer[] = []
  r.hub.subscribe(ALL, { lastId: 3, sentSinceHeartbeat: false, send: (chunk) => other.push(chunk) })
  const all = await r.log.append(points(3))
  r.hub.flush()
  const source = spySource(r.log, async (call) => {
    if (call <= 2) all.push(...await r.log.append(points(2, `during.${call}`)))
  })
  const subscription = await follow(r, { source, afterId: 0, chunkSize: 2 })
  t.ok(subscription)
  t.equal(r.connection.lastId, 7)
  t.equal(r.hub.lastPublishedId, 7)
  all.push(...await r.log.append(points(1)))
  r.hub.flush() // this tick holds 4..8; the client already has up to 7
  const text = await r.received()
  t.same(ids(text), [1, 2, 3, 4, 5, 6, 7, 8])
  t.equal(text, metricFrames(all, 1))
})

t.test('the filter applies to replayed events and to live ones', async (t) => {
  const r = rig(t)
  const stored = await r.log.append([
    { metric: 'cpu.a', value: 1, ts: 1 },
    { metric: 'mem.a', value: 2, ts: 2 },
    { metric: 'mem.b', value: 3, ts: 3 },
    { metric: 'mem.c', value: 4, ts: 4 },
    { metric: 'cpu.b', value: 5, ts: 5 }
  ])
  r.hub.flush()
  const filter = compileMetricFilter(['cpu.*'])
  const subscription = await follow(r, { afterId: 0, filter, chunkSize: 2 })
  t.ok(subscription)
  t.equal(r.connection.lastId, 5, 'the cursor passes events the filter left out')
  const live = await r.log.append([{ metric: 'mem.d', value: 6, ts: 6 }, { metric: 'cpu.c', value: 7, ts: 7 }])
  r.hub.flush()
  const text = await r.received()
  t.same(ids(text), [1, 5, 7])
  t.equal(text, encodeMetric(stored[0]!) + encodeMetric(stored[4]!) + encodeMetric(live[1]!))
})

t.test('a chunk with no matching event writes nothing', async (t) => {
  const r = rig(t)
  await r.log.append(points(4, 'mem.rss'))
  const writes: string[] = []
  const send = r.connection.send.bind(r.connection)
  r.connection.send = (chunk) => {
    writes.push(chunk.toString())
    send(chunk)
  }
  t.ok(await follow(r, { afterId: 0, filter: compileMetricFilter(['cpu.*']), chunkSize: 2 }))
  t.same(writes, [])
  t.equal(r.connection.lastId, 4)
})

t.test('an afterId older than the window sends a reset, then replays from the oldest kept id', async (t) => {
  const r = rig(t, { windowSize: 5 })
  const stored = await r.log.append(points(12))
  t.equal(r.log.oldestId(), 8)
  t.ok(await follow(r, { afterId: 3 }))
  t.equal(await r.received(), resetFrame(3, 8) + metricFrames(stored, 8))
  t.equal(r.connection.lastId, 12)
})

t.test('an afterId just before the oldest kept id needs no reset', async (t) => {
  const r = rig(t, { windowSize: 5 })
  const stored = await r.log.append(points(12))
  t.ok(await follow(r, { afterId: 7 }))
  t.equal(await r.received(), metricFrames(stored, 8))
})

t.test('an afterId in the future sends a reset and goes live from the newest id', async (t) => {
  const r = rig(t, { windowSize: 5 })
  await r.log.append(points(7))
  const source = spySource(r.log)
  t.ok(await follow(r, { source, afterId: 99 }))
  t.same(source.reads, [], 'nothing is replayed')
  t.equal(r.connection.lastId, 7)
  const live = await r.log.append(points(1))
  r.hub.flush()
  t.equal(await r.received(), resetFrame(99, 3) + metricFrames(live, 8))
})

t.test('an afterId on an empty log resets with the next id as the oldest', async (t) => {
  const r = rig(t)
  t.ok(await follow(r, { afterId: 5 }))
  t.equal(await r.received(), resetFrame(5, 1))
  t.equal(r.connection.lastId, 0)
})

t.test('a replay that falls out of the window midway sends a reset and goes on from the oldest kept id', async (t) => {
  const r = rig(t, { windowSize: 5 })
  const all = await r.log.append(points(5))
  const source = spySource(r.log, async (call) => {
    if (call === 1) all.push(...await r.log.append(points(7, 'burst')))
  })
  t.ok(await follow(r, { source, afterId: 0, chunkSize: 2 }))
  t.same(source.reads, [[0, 2], [7, 2], [9, 2], [11, 2]])
  t.equal(await r.received(), metricFrames(all, 1, 2) + resetFrame(2, 8) + metricFrames(all, 8))
})

t.test('replay reads the backlog in chunks of chunkSize', async (t) => {
  const r = rig(t)
  const stored = await r.log.append(points(10))
  const source = spySource(r.log)
  t.ok(await follow(r, { source, afterId: 0, chunkSize: 3 }))
  t.same(source.reads, [[0, 3], [3, 3], [6, 3], [9, 3]])
  t.equal(await r.received(), metricFrames(stored, 1))
})

t.test('replay stops when the log has nothing more even if the live feed is ahead', async (t) => {
  const r = rig(t)
  await r.log.append(points(5))
  const source = spySource(r.log)
  const live = { lastPublishedId: 9, subscribe: r.hub.subscribe.bind(r.hub) }
  t.ok(await replayThenFollow(r.connection, { source, live, filter: ALL, afterId: 5 }))
  t.same(source.reads, [[5, 1000]])
  t.equal(r.connection.lastId, 5)
})

t.test('replay waits for the client to drain before reading the next chunk', async (t) => {
  const r = rig(t, { maxQueuedBytes: 200, reading: false })
  const stored = await r.log.append(points(6))
  t.ok(encodeMetric(stored[0]!).length * 2 > 100, 'two frames are over half the bound')
  const source = spySource(r.log)
  let done = false
  const following = follow(r, { source, afterId: 0, chunkSize: 2 }).then((s) => {
    done = true
    return s
  })
  await settle()
  t.same(source.reads, [[0, 2]], 'the second chunk waits for the client')
  t.equal(done, false)
  r.read()
  t.ok(await following)
  t.same(source.reads, [[0, 2], [2, 2], [4, 2]])
  t.equal(await r.received(), metricFrames(stored, 1))
  t.same(r.reasons, [], 'the client was never cut off')
})

t.test('a client that leaves during a read gets nothing more and is not subscribed', async (t) => {
  const r = rig(t)
  await r.log.append(points(6))
  const source = spySource(r.log, async () => {
    const closed = new Promise<void>((resolve) => r.out.once('close', () => resolve()))
    r.out.destroy()
    await closed
  })
  t.equal(await follow(r, { source, afterId: 0, chunkSize: 2 }), undefined)
  t.same(source.reads, [[0, 2]])
  t.equal(r.hub.stats.subscribers, 0)
  t.same(r.reasons, ['client'])
  t.equal(await r.received(), '', 'the chunk read after the client left is not sent')
})

t.test('a client that leaves while replay waits for it to drain is not subscribed', async (t) => {
  const r = rig(t, { maxQueuedBytes: 200, reading: false })
  await r.log.append(points(6))
  const source = spySource(r.log)
  const following = follow(r, { source, afterId: 0, chunkSize: 2 })
  await settle()
  r.out.destroy()
  t.equal(await following, undefined)
  t.same(source.reads, [[0, 2]])
  t.equal(r.hub.stats.subscribers, 0)
  t.same(r.reasons, ['client'])
})

t.test('the subscription returned after replay unsubscribes the client', async (t) => {
  const r = rig(t)
  await r.log.append(points(2))
  const subscription = await follow(r, { afterId: 0 })
  t.equal(r.hub.stats.subscribers, 1)
  subscription?.unsubscribe()
  t.equal(r.hub.stats.subscribers, 0)
  await r.log.append(points(1))
  r.hub.flush()
  t.same(ids(await r.received()), [1, 2])
})

t.test('a shared source is synced before the reset check: an id newer than this process has seen is not reset', async (t) => {
  const r = rig(t)
  const stored = await r.log.append(points(5))
  r.hub.flush()
  // This process has only seen up to id 2; ids 3–5 were stored by another one, which the client read from.
  let known = 2
  const source: ReplaySource = { ...spySource(r.log), latestId: () => known, sync: async () => { known = r.log.latestId() } }
  const subscription = await follow(r, { source, afterId: 4 })
  t.ok(subscription)
  t.equal(await r.received(), metricFrames(stored, 5), 'no reset: only what the client missed')
  const live = await r.log.append(points(1))
  r.hub.flush()
  t.equal(await r.received(), metricFrames([...stored, ...live], 5), 'then live, with no gap')
})

t.test('a client that leaves while the source syncs is not subscribed', async (t) => {
  const r = rig(t)
  await r.log.append(points(2))
  const source: ReplaySource = { ...spySource(r.log), sync: async () => { r.connection.close('client') } }
  t.equal(await follow(r, { source, afterId: 1 }), undefined)
  t.equal(r.hub.stats.subscribers, 0)
})
