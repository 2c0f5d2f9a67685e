import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { MetricPoint, StoredEvent } from '../../server/core/event.js'
import { compileMetricFilter } from '../../server/core/metric-filter.js'
import { Hub } from '../../server/hub/hub.js'
import type { EventLog } from '../../server/log/event-log.js'
import { DurableEventLog } from '../../server/log/durable-event-log.js'
import { Publisher } from '../../server/publisher.js'
import { encodeMetric } from '../../server/sse/sse-frame.js'

/** An EventLog whose append is given; the rest is inert. */
function fakeLog (append: (points: readonly MetricPoint[]) => Promise<StoredEvent[]>): EventLog {
  return {
    append,
    readAfter: async () => [],
    oldestId: () => 1,
    latestId: () => 0,
    catalog: () => [],
    history: async () => undefined,
    buckets: async () => undefined,
    close: async () => {}
  }
}

/** A real log in a fresh temp dir; closed, then removed, on teardown. No retention pass runs during a test. */
function durableLog (t: Test): DurableEventLog {
  const dataDir = mkdtempSync(join(tmpdir(), 'pulseboard-test-'))
  const log = DurableEventLog.open({ dataDir, readThreads: 1, pruneIntervalMs: 3_600_000 })
  t.teardown(async () => {
    await log.close()
    rmSync(dataDir, { recursive: true, force: true })
  })
  return log
}

t.test('publish stores the points, fans them out and returns them with their ids', async (t) => {
  const log = durableLog(t)
  const hub = new Hub({ encode: encodeMetric, flushMs: 10_000 })
  t.teardown(() => hub.close())
  const chunks: Buffer[] = []
  hub.subscribe(compileMetricFilter([]), { lastId: 0, sentSinceHeartbeat: false, send: (chunk) => chunks.push(chunk) })
  const publisher = new Publisher(log, hub)
  const stored = await publisher.publish([{ metric: 'cpu', value: 1, ts: 5 }, { metric: 'mem', value: 2, ts: 6 }])
  t.same(stored, [{ id: 1, metric: 'cpu', value: 1, ts: 5 }, { id: 2, metric: 'mem', value: 2, ts: 6 }])
  t.same(await log.readAfter(0, 10), stored)
  t.equal(hub.lastPublishedId, 2)
  hub.flush()
  t.equal(Buffer.concat(chunks).toString(), stored.map(encodeMetric).join(''))
})

t.test('the hub sees a point only after the log has stored it', async (t) => {
  const steps: string[] = []
  let release: () => void = () => {}
  const stored: StoredEvent[] = [{ id: 1, metric: 'm', value: 1, ts: 1 }]
  const log = fakeLog(async (points) => {
    steps.push(`append ${points.length}`)
    await new Promise<void>((resolve) => { release = resolve })
    steps.push('stored')
    return stored
  })
  const hub = new Hub({ encode: encodeMetric, flushMs: 10_000 })
  t.teardown(() => hub.close())
  const publisher = new Publisher(log, hub)
  const pending = publisher.publish([{ metric: 'm', value: 1, ts: 1 }])
  t.same(steps, ['append 1'])
  t.equal(hub.stats.published, 0, 'nothing is fanned out while the append is pending')
  release()
  t.equal(await pending, stored)
  t.same(steps, ['append 1', 'stored'])
  t.equal(hub.stats.published, 1)
  t.equal(hub.lastPublishedId, 1)
})

t.test('a failed append rejects and publishes nothing', async (t) => {
  const log = fakeLog(async () => { throw new Error('disk full') })
  const hub = new Hub({ encode: encodeMetric, flushMs: 10_000 })
  t.teardown(() => hub.close())
  const publisher = new Publisher(log, hub)
  await t.rejects(publisher.publish([{ metric: 'm', value: 1, ts: 1 }]), { message: 'disk full' })
  t.equal(hub.stats.published, 0)
  t.equal(hub.lastPublishedId, 0)
})

t.test('publishing no points returns an empty list and leaves the hub untouched', async (t) => {
  const log = durableLog(t)
  const hub = new Hub({ encode: encodeMetric, flushMs: 10_000 })
  t.teardown(() => hub.close())
  const publisher = new Publisher(log, hub)
  t.same(await publisher.publish([]), [])
  t.equal(hub.stats.published, 0)
})
