import t from 'tap'
import type { ResetNotice, StoredEvent } from '../../../server/core/event.js'
import {
  EventStream,
  ReadyState,
  type EventSourceLike,
  type EventStreamOptions,
  type MessageLike,
  type StreamStatus
} from '../../../web/src/event-stream.js'

/** Stands in for a browser EventSource: tests fire its events by hand. */
class FakeSource implements EventSourceLike {
  readyState: number = ReadyState.connecting
  closed = false
  readonly url: string
  #listeners = new Map<string, Array<(event: MessageLike) => void>>()

  constructor (url: string) {
    this.url = url
  }

  addEventListener (type: string, listener: (event: MessageLike) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener])
  }

  close (): void {
    this.closed = true
    this.readyState = ReadyState.closed
  }

  emit (type: string, data?: unknown): void {
    for (const listener of this.#listeners.get(type) ?? []) listener(data === undefined ? {} : { data })
  }

  open (): void {
    this.readyState = ReadyState.open
    this.emit('open')
  }

  metric (event: StoredEvent): void {
    this.emit('metric', JSON.stringify(event))
  }
}

function setup (overrides: Partial<EventStreamOptions> = {}) {
  const sources: FakeSource[] = []
  const metrics: StoredEvent[] = []
  const resets: ResetNotice[] = []
  const statuses: StreamStatus[] = []
  const invalid: Error[] = []
  const opens: boolean[] = []
  const timers: Array<{ callback: () => void, ms: number, cleared: boolean }> = []
  const stream = new EventStream({
    url: '/api/stream',
    createSource: (url) => {
      const source = new FakeSource(url)
      sources.push(source)
      return source
    },
    onMetric: (event) => { metrics.push(event) },
    onReset: (notice) => { resets.push(notice) },
    onStatus: (status) => { statuses.push(status) },
    onInvalid: (error) => { invalid.push(error) },
    onOpen: (resumed) => { opens.push(resumed) },
    timers: {
      setTimeout: (callback, ms) => {
        const timer = { callback, ms, cleared: false }
        timers.push(timer)
        return timer
      },
      clearTimeout: (handle) => { if (handle !== undefined) (handle as { cleared: boolean }).cleared = true }
    },
    ...overrides
  })
  const source = (i = sources.length - 1): FakeSource => {
    const s = sources[i]
    if (s === undefined) throw new Error(`no source ${i}`)
    return s
  }
  return { stream, sources, source, metrics, resets, statuses, invalid, timers, opens }
}

const event = (id: number, metric = 'btc.usd'): StoredEvent => ({ id, metric, value: id * 10, ts: 1_700_000_000_000 + id })

t.test('opens one connection for all metrics and reports live on open', async (t) => {
  const { stream, sources, source, statuses } = setup()
  t.equal(stream.status, 'reconnecting', 'not live before the connection opens')
  stream.open()
  stream.open()
  t.equal(sources.length, 1, 'a second open() does not open a second connection')
  t.equal(source().url, '/api/stream')
  source().open()
  t.equal(stream.status, 'live')
  t.same(statuses, ['live'])
})

t.test('passes the metric globs in the URL', async (t) => {
  const { stream, source } = setup({ metrics: ['btc.*', 'cpu.load'] })
  stream.open()
  t.equal(source().url, '/api/stream?metrics=btc.*%2Ccpu.load')
})

t.test('parses metric frames, hands them over in order and tracks the last id', async (t) => {
  const { stream, source, metrics } = setup()
  stream.open()
  source().open()
  t.equal(stream.lastEventId, undefined)
  source().metric(event(1))
  source().metric({ ...event(2, 'cpu.load'), tags: { host: 'web-1' } })
  t.same(metrics, [event(1), { ...event(2, 'cpu.load'), tags: { host: 'web-1' } }])
  t.equal(stream.lastEventId, 2)
})

t.test('a metric frame means the connection is live again', async (t) => {
  const { stream, source } = setup()
  stream.open()
  source().readyState = ReadyState.connecting
  source().emit('error')
  t.equal(stream.status, 'reconnecting')
  source().metric(event(1))
  t.equal(stream.status, 'live')
})

t.test('skips malformed frames and reports them', async (t) => {
  const { stream, source, metrics, invalid } = setup()
  stream.open()
  source().emit('metric')
  source().emit('metric', 'not json')
  source().emit('metric', JSON.stringify({ id: 'x', metric: 'a', value: 1, ts: 1 }))
  source().emit('metric', JSON.stringify({ id: 1, metric: 'a', value: 1, ts: 1, tags: { n: 1 } }))
  source().emit('metric', JSON.stringify([1]))
  source().emit('reset', JSON.stringify({ requestedId: 'a' }))
  t.same(metrics, [])
  t.equal(invalid.length, 6)
  t.match(invalid[1]?.message, /not JSON/)
  t.equal(stream.lastEventId, undefined, 'a bad frame does not move the resume point')
})

t.test('works without an onInvalid handler', async (t) => {
  const { stream, source, metrics } = setup({ onInvalid: undefined, onStatus: undefined })
  stream.open()
  source().open()
  source().emit('metric', '{')
  source().emit('reset', '{')
  source().metric(event(3))
  t.equal(metrics.length, 1)
})

t.test('hands reset notices to onReset', async (t) => {
  const { stream, source, resets } = setup()
  stream.open()
  source().emit('reset', JSON.stringify({ requestedId: 5, oldestId: 100 }))
  t.same(resets, [{ requestedId: 5, oldestId: 100 }])
})

t.test('while the browser retries by itself the status is reconnecting', async (t) => {
  const { stream, sources, source, statuses, timers } = setup()
  stream.open()
  source().open()
  source().readyState = ReadyState.connecting
  source().emit('error')
  t.equal(stream.status, 'reconnecting')
  t.equal(sources.length, 1, 'no second connection: EventSource resumes with Last-Event-ID')
  t.equal(timers.length, 0)
  source().open()
  t.same(statuses, ['live', 'reconnecting', 'live'])
})

t.test('when the browser gives up, reopens later with lastEventId and backs off', async (t) => {
  const { stream, sources, source, timers } = setup({ reopenDelayMs: 500 })
  stream.open()
  source().open()
  source().metric(event(41))
  source().metric(event(42))
  source().readyState = ReadyState.closed
  source().emit('error')
  t.equal(stream.status, 'offline')
  t.ok(source(0).closed)
  t.equal(timers[0]?.ms, 500)
  timers[0]?.callback()
  t.equal(sources.length, 2)
  t.equal(source().url, '/api/stream?lastEventId=42')
  source().readyState = ReadyState.closed
  source().emit('error')
  t.equal(timers[1]?.ms, 1000, 'the delay doubles')
  timers[1]?.callback()
  source().open()
  source().readyState = ReadyState.closed
  source().emit('error')
  t.equal(timers[2]?.ms, 500, 'a successful open resets the delay')
})

t.test('onOpen says whether the connection resumed, so the page knows when to load history', async (t) => {
  const { stream, source, opens } = setup()
  stream.open()
  source().open()
  source().readyState = ReadyState.connecting
  source().emit('error')
  source().open()
  t.same(opens, [false, false], 'no frame yet: nothing to resume from')
  source().metric(event(7))
  source().readyState = ReadyState.connecting
  source().emit('error')
  source().open()
  t.same(opens, [false, false, true], 'the browser sent Last-Event-ID: 7')
})

t.test('a connection with the resume id in its URL is replaced rather than left to retry with a stale id', async (t) => {
  const { stream, sources, source, timers, statuses } = setup({ reopenDelayMs: 200 })
  stream.open()
  source().metric(event(5))
  source().readyState = ReadyState.closed
  source().emit('error')
  timers[0]?.callback()
  t.equal(source().url, '/api/stream?lastEventId=5')
  source().open()
  source().metric(event(9))
  source().readyState = ReadyState.connecting
  source().emit('error')
  t.ok(source(1).closed, 'the browser does not retry it with lastEventId=5')
  t.equal(stream.status, 'reconnecting', 'not offline: the server may well be back at once')
  t.equal(timers[1]?.ms, 200)
  timers[1]?.callback()
  t.equal(sources.length, 3)
  t.equal(source().url, '/api/stream?lastEventId=9')
  t.same(statuses, ['live', 'offline', 'live', 'reconnecting'])
})

t.test('the reopen delay is capped at 30 s and defaults to 1 s', async (t) => {
  const { stream, source, timers } = setup()
  stream.open()
  for (let i = 0; i < 8; i++) {
    source().readyState = ReadyState.closed
    source().emit('error')
    timers.at(-1)?.callback()
  }
  t.same(timers.map((timer) => timer.ms), [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000])
})

t.test('tracks the last id received, not the highest, so a restarted server can resume', async (t) => {
  const { stream, source } = setup()
  stream.open()
  source().metric(event(900))
  source().metric(event(1))
  t.equal(stream.lastEventId, 1)
})

t.test('events from a connection that was replaced are ignored', async (t) => {
  const { stream, source, statuses } = setup()
  stream.open()
  const first = source()
  first.readyState = ReadyState.closed
  first.emit('error')
  first.emit('error')
  t.same(statuses, ['offline'], 'a late error from the closed source changes nothing')
})

t.test('close() stops the connection and any pending reopen for good', async (t) => {
  const { stream, sources, source, timers, statuses } = setup()
  stream.open()
  source().open()
  source().readyState = ReadyState.closed
  source().emit('error')
  stream.close()
  t.ok(timers[0]?.cleared)
  timers[0]?.callback()
  t.equal(sources.length, 1, 'no reopen after close')
  t.equal(stream.status, 'offline')
  t.same(statuses, ['live', 'offline'])
  stream.close()
})

t.test('close() on a live stream closes its source', async (t) => {
  const { stream, source } = setup()
  stream.open()
  source().open()
  stream.close()
  t.ok(source().closed)
})

t.test('uses real timers when none are injected', async (t) => {
  const { stream, sources, source } = setup({ timers: undefined, reopenDelayMs: 1 })
  stream.open()
  source().readyState = ReadyState.closed
  source().emit('error')
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => { reject(new Error('no reopen within 2 s')) }, 2000)
    const check = setInterval(() => {
      if (sources.length < 2) return
      clearInterval(check)
      clearTimeout(deadline)
      resolve()
    }, 1)
  })
  t.equal(sources.length, 2)
  source().readyState = ReadyState.closed
  source().emit('error')
  stream.close()
})
