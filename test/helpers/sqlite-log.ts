import type { Test } from 'tap'
import type { Json, MetricPoint, StoredEvent } from '../../server/core/event.js'
import type { EventLog } from '../../server/log/event-log.js'
import { SqliteEventLog, type SqliteEventLogOptions } from '../../server/log/sqlite/sqlite-event-log.js'

/** A point with a fixed ts unless given. */
export function point (metric: string, value: number, ts = 1000, tags?: Record<string, string>): MetricPoint {
  return tags === undefined ? { metric, value, ts } : { metric, value, ts, tags }
}

/** One reader thread, and no retention pass unless a test asks for one: tests prune by hand (their points are from 1970). */
export const QUIET: Partial<SqliteEventLogOptions> = { readThreads: 1, pruneIntervalMs: 3_600_000 }

/** Opens a log in `dir` (a fresh test dir by default) with QUIET under `options`, closed on teardown. */
export function open (t: Test, options: Partial<SqliteEventLogOptions> = {}): SqliteEventLog {
  const log = SqliteEventLog.open({ ...QUIET, ...options, dataDir: options.dataDir ?? t.testdir() })
  t.teardown(() => log.close())
  return log
}

/** Appends `count` points of one metric, one call per point, ts = 1000 + i. */
export async function fill (log: EventLog, count: number, metric = 'm'): Promise<StoredEvent[]> {
  const stored: StoredEvent[] = []
  for (let i = 0; i < count; i++) stored.push(...await log.append([point(metric, i, 1000 + i)]))
  return stored
}

/** The ids of `events`, in order. */
export const ids = (events: readonly StoredEvent[]): number[] => events.map((e) => e.id)

/** The ids from `first` to `last`, both included. */
export const range = (first: number, last: number): number[] => Array.from({ length: last - first + 1 }, (_, i) => first + i)

/** The text of a JSON answer of history or buckets; undefined stays undefined. */
export function text (json: Json<unknown> | undefined): string | undefined {
  if (json === undefined) return undefined
  return typeof json === 'string' ? json : Buffer.from(json).toString()
}

/** The value behind a JSON answer of history or buckets; undefined stays undefined. */
export function parse<T> (json: Json<T> | undefined): T | undefined {
  const source = text(json)
  return source === undefined ? undefined : JSON.parse(source) as T
}
