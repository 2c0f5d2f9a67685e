import { StreamEvent, type EventId, type ResetNotice, type StoredEvent } from '../core/event.js'
import type { MetricFilter } from '../core/metric-filter.js'
import type { Subscription } from '../core/subscription.js'
import type { SseConnection } from './sse-connection.js'
import { encodeEvent, encodeMetric } from './sse-frame.js'

/** Default number of events read from the log per replay step. */
export const DEFAULT_REPLAY_CHUNK = 1000

/** Where missed events come from (an EventLog matches by shape). */
export interface ReplaySource {
  readAfter: (afterId: EventId, limit: number) => Promise<StoredEvent[]>
  oldestId: () => EventId
  latestId: () => EventId
  /** Catches `latestId()` and `oldestId()` up with other processes, for a log they share. */
  sync: () => Promise<void>
}

/** Where live events come from (the Hub matches by shape). */
export interface LiveFeed {
  readonly lastPublishedId: EventId
  subscribe: (filter: MetricFilter, subscriber: SseConnection) => Subscription
}

export interface FollowOptions {
  readonly source: ReplaySource
  readonly live: LiveFeed
  readonly filter: MetricFilter
  /** Resume after this id (from Last-Event-ID); undefined for live events only. */
  readonly afterId?: EventId | undefined
  /** Events read per replay step (default 1,000). */
  readonly chunkSize?: number
}

/**
 * Replays what the client missed, then joins the live feed with no gap and
 * no duplicate. Replay goes in chunks and waits for the client to drain, so a
 * long catch-up neither blocks other clients nor queues without bound. The
 * switch to live happens in the same tick as the check that replay reached
 * the newest published id, so nothing can be published in between.
 * The connection ends the subscription when it closes. Resolves to the live
 * subscription, or undefined if the client left first.
 */
export async function replayThenFollow (connection: SseConnection, options: FollowOptions): Promise<Subscription | undefined> {
  const { source, live, filter } = options
  const chunkSize = options.chunkSize ?? DEFAULT_REPLAY_CHUNK
  let cursor = options.afterId ?? live.lastPublishedId
  // An id seen on another instance may be newer than this one has followed yet: not a reason to reset.
  if (options.afterId !== undefined) {
    await source.sync()
    if (connection.closed) return undefined
  }
  if (cursor > source.latestId()) {
    sendReset(connection, cursor, source.oldestId())
    cursor = source.latestId()
  }
  while (cursor < live.lastPublishedId) {
    if (cursor < source.oldestId() - 1) {
      // The client asked for, or replay fell behind, points the log no longer holds.
      sendReset(connection, cursor, source.oldestId())
      cursor = source.oldestId() - 1
    }
    const events = await source.readAfter(cursor, chunkSize)
    if (connection.closed) return undefined
    const last = events.at(-1)
    if (last === undefined) break
    const frames = events.filter((event) => filter.matches(event.metric)).map(encodeMetric).join('')
    if (frames.length > 0) connection.send(frames)
    cursor = last.id
    await connection.whenWritable()
    if (connection.closed) return undefined
  }
  connection.lastId = cursor
  const subscription = live.subscribe(filter, connection)
  connection.keepSubscription(subscription)
  return subscription
}

function sendReset (connection: SseConnection, requestedId: EventId, oldestId: EventId): void {
  const notice: ResetNotice = { requestedId, oldestId }
  connection.send(encodeEvent(StreamEvent.reset, JSON.stringify(notice)))
}
