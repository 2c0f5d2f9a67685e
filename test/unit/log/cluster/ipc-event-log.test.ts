import t from 'tap'
import type { StoredEvent } from '../../../../server/core/event.js'
import { IpcEventLog } from '../../../../server/log/cluster/ipc-event-log.js'
import { IpcLogHost } from '../../../../server/log/cluster/ipc-log-host.js'
import type { SqliteEventLog } from '../../../../server/log/sqlite/sqlite-event-log.js'
import type { LogMessage } from '../../../../server/log/cluster/ipc-protocol.js'
import { channelPair, type ChannelPair } from '../../../helpers/ipc-channel-pair.js'
import { fill, ids, open, parse, point } from '../../../helpers/sqlite-log.js'
import { waitFor } from '../../../helpers/wait-for.js'

/** A host on `store` with two workers' channels attached. */
function twoChannels (store: SqliteEventLog): [ChannelPair<LogMessage>, ChannelPair<LogMessage>] {
  const host = new IpcLogHost(store)
  const pairs = [channelPair<LogMessage>(), channelPair<LogMessage>()] as const
  for (const pair of pairs) host.attach(pair.primary)
  return [...pairs]
}

t.test('a metric that retention removes from the primary\'s catalog leaves every worker\'s catalog, in order with the batches', async (t) => {
  let nowMs = 1000
  const forget = { to: (_metrics: readonly string[]): void => {} }
  const store = open(t, { retentionMs: 100, now: () => nowMs, onForget: (metrics) => forget.to(metrics) })
  const host = new IpcLogHost(store)
  forget.to = (metrics) => host.forget(metrics, store.latestId())
  const pairs = [channelPair(), channelPair()]
  for (const pair of pairs) host.attach(pair.primary)
  const [a, b] = [await IpcEventLog.connect(pairs[0]!.worker), await IpcEventLog.connect(pairs[1]!.worker)]
  await a.append([point('junk', 1, 1000), point('kept', 2, 1000), point('kept', 3, 1150)])
  await waitFor(() => b.catalog().length === 2, 2000, 'B to be delivered the batch')
  nowMs = 1200 // cutoff 1100
  t.equal(store.prune(), 2)
  await waitFor(() => a.catalog().length === 1 && b.catalog().length === 1, 2000, 'both workers to forget junk')
  t.same(b.catalog().map((m) => m.metric), ['kept'])
  t.equal(await b.history('junk', { fromMs: 0, toMs: 5000, limit: 10 }), undefined)
  await b.append([point('junk', 4, 1200)])
  await waitFor(() => a.catalog().length === 2, 2000, 'A to be delivered the name that came back')
  t.same(a.catalog().map((m) => [m.metric, m.count]), [['junk', 1], ['kept', 2]])
})

t.test('a worker appends, reads and is delivered batches through the primary', async (t) => {
  const store = open(t, { maxMetrics: 2 })
  await fill(store, 2, 'old')
  const [one, two] = twoChannels(store)
  const a = await IpcEventLog.connect(one.worker)
  const b = await IpcEventLog.connect(two.worker)
  t.same([b.latestId(), b.oldestId(), b.catalog().map((m) => [m.metric, m.count])], [2, 1, [['old', 2]]], 'ids and catalog from the primary')
  const delivered: StoredEvent[] = []
  b.onAppended((events) => delivered.push(...events))

  const stored = await a.append([point('cpu', 1), point('cpu', 2, 1001)])
  t.same(ids(stored), [3, 4])
  await waitFor(() => delivered.length === 2, 2000, 'B to be delivered A\'s batch')
  t.same(delivered, stored, 'every worker gets the batch')
  t.same(b.catalog().map((m) => [m.metric, m.count]), [['cpu', 2], ['old', 2]])
  t.same(ids(await b.readAfter(1, 10)), [2, 3, 4])
  t.same(parse<StoredEvent[]>(await b.history('cpu', { fromMs: 0, toMs: 5000, limit: 10 }))?.map((e) => e.value), [1, 2])
  t.same(parse(await b.buckets('cpu', { fromMs: 1000, toMs: 1001, bucketMs: 2 })), [{ t: 1000, first: 1, min: 1, max: 2, avg: 1.5, last: 2, count: 2 }])
  t.equal(await b.history('nope', { fromMs: 0, toMs: 1, limit: 1 }), undefined)
  await b.sync()
  t.equal(b.latestId(), 4)

  await t.rejects(a.append([point('third', 1)]), { code: 'PB_ERR_METRIC_LIMIT', statusCode: 409 }, 'the primary\'s errors keep their status and code')
  t.same(b.state(), { kind: 'primary', state: 'up' })

  one.disconnect()
  t.same(a.state(), { kind: 'primary', state: 'down' })
  await t.rejects(a.append([point('cpu', 3)]), { code: 'PB_ERR_STORE_UNAVAILABLE' }, 'a worker cut off from the primary refuses at once')
  const after = await b.append([point('cpu', 4)])
  t.same(ids(after), [5], 'the other worker goes on')
  t.notOk(one.sent.some((m) => m.pb === 'events' && m.events[0]?.id === 5), 'nothing is sent to a worker that has gone')
  await b.close()
  await t.rejects(b.readAfter(0, 1), { code: 'PB_ERR_STORE_UNAVAILABLE' }, 'a closed log refuses')
})

t.test('calls waiting when the channel closes are refused', async (t) => {
  const store = open(t)
  const pair = channelPair<LogMessage>()
  new IpcLogHost(store).attach(pair.primary)
  const log = await IpcEventLog.connect(pair.worker)
  const pending = log.readAfter(0, 10)
  pair.disconnect()
  await t.rejects(pending, { code: 'PB_ERR_STORE_UNAVAILABLE' })
})

t.test('a batch that reaches a worker before its initial state is counted once', async (t) => {
  const [one, two] = twoChannels(open(t))
  const a = await IpcEventLog.connect(one.worker)
  const release = two.hold()
  const connecting = IpcEventLog.connect(two.worker)
  await a.append([point('m', 1)])
  await waitFor(() => two.sent.some((m) => m.pb === 'events'), 2000, 'the batch to go out to the second worker')
  release()
  const b = await connecting
  const delivered: StoredEvent[] = []
  b.onAppended((events) => delivered.push(...events))
  await a.append([point('m', 2)])
  await waitFor(() => delivered.length === 1, 2000, 'the next batch')
  t.same(ids(delivered), [2], 'the early batch is in the state, not delivered again')
  t.same(b.catalog().map((m) => m.count), [2], 'each point counted once')
  const sentBefore = two.sent.length
  two.worker.send({ pb: 'call', id: 0, op: 'position', args: [] })
  one.primary.send({ pb: 'call', id: 0, op: 'position', args: [] }) // a call sent to a worker is ignored
  await waitFor(() => two.sent.length === sentBefore + 1, 2000, 'the answer to a plain call')
})

t.test('odd traffic: empty appends, strays, late answers and failures that are not Errors', async (t) => {
  const store = open(t)
  const failing = Object.assign(Object.create(store) as typeof store, {
    readAfter: async () => { throw 'not an Error' }, // eslint-disable-line no-throw-literal
    latestId: () => store.latestId(),
    oldestId: () => store.oldestId(),
    catalog: () => store.catalog(),
    append: async (points: Parameters<typeof store.append>[0]) => await store.append(points),
    onAppended: (listener: Parameters<typeof store.onAppended>[0]) => store.onAppended(listener)
  })
  const pair = channelPair<LogMessage>()
  new IpcLogHost(failing).attach(pair.primary)
  pair.worker.send({ pb: 'reply', id: 99, value: 1 }) // not a call: the host ignores it
  pair.worker.send('noise' as unknown as LogMessage)
  const log = await IpcEventLog.connect(pair.worker)
  t.same(await log.append([]), [], 'an empty append is answered')
  await t.rejects(log.readAfter(0, 1), { message: 'not an Error' })
  pair.primary.send({ pb: 'reply', id: 12345, value: 1 }) // an answer to no call is dropped
  pair.primary.send('noise' as unknown as LogMessage)
  await log.sync()
  t.equal(log.latestId(), 0)
})
