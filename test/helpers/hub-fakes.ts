import type { Test } from 'tap'
import type { StoredEvent } from '../../server/core/event.js'
import { compileMetricFilter, type MetricFilter } from '../../server/core/metric-filter.js'
import { Hub, type Subscriber } from '../../server/hub/hub.js'
import { encodeMetric } from '../../server/sse/sse-frame.js'

/** Fakes for hub tests: subscribers that record what they are sent, filters that count calls. */

/** A subscriber that keeps every chunk it is sent. */
export interface FakeSubscriber extends Subscriber {
  readonly chunks: Buffer[]
  text: () => string
}

export function fakeSubscriber (lastId = 0): FakeSubscriber {
  const chunks: Buffer[] = []
  return {
    lastId,
    sentSinceHeartbeat: false,
    chunks,
    send: (chunk) => { chunks.push(chunk) },
    text: () => Buffer.concat(chunks).toString()
  }
}

/** A filter that counts how often it is asked. */
export function spyFilter (globs: string[]): MetricFilter & { calls: string[] } {
  const inner = compileMetricFilter(globs)
  const calls: string[] = []
  return {
    key: inner.key,
    globCount: inner.globCount,
    calls,
    matches: (metric) => {
      calls.push(metric)
      return inner.matches(metric)
    }
  }
}

export function ev (id: number, metric = 'cpu.load', extra: Partial<StoredEvent> = {}): StoredEvent {
  return { id, metric, value: id, ts: 1000 + id, ...extra }
}

/** A subscriber whose sends resolve `next()`, which rejects after 2 s so a hang fails. */
export function timedSubscriber (t: Test): Subscriber & { chunks: Buffer[], next: () => Promise<void> } {
  const chunks: Buffer[] = []
  let wake: () => void = () => {}
  let timer: NodeJS.Timeout | undefined
  t.teardown(() => clearTimeout(timer))
  return {
    lastId: 0,
    sentSinceHeartbeat: false,
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

export function frames (...events: StoredEvent[]): string {
  return events.map(encodeMetric).join('')
}

/** A hub whose encode calls are counted; flushMs is long so only flush() sends. */
export function countingHub (t: Test, flushMs = 10_000): { hub: Hub, encoded: number[] } {
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
