import type { EventId, MetricSummary, StoredEvent } from '../../core/event.js'

/**
 * Messages between the cluster primary, which owns the SQLite log, and its
 * workers. Sent with `serialization: 'advanced'`, so JSON bodies made on the
 * primary's reader threads cross as bytes, not as arrays of numbers.
 */

/** One end of an IPC channel (a cluster worker, or `process` inside one), carrying messages of type `M`. */
export interface IpcChannel<M = LogMessage> {
  send: (message: M) => void
  onMessage: (listener: (message: unknown) => void) => void
  onDisconnect: (listener: () => void) => void
  readonly connected: () => boolean
}

/** Operations a worker asks of the primary's log. */
export type LogOp = 'append' | 'readAfter' | 'history' | 'buckets' | 'position'

/** What `position` answers: where the primary's log stands, enough for a worker to start mirroring it. */
export interface LogPosition {
  readonly latestId: EventId
  readonly oldestId: EventId
  /** Present when asked for. */
  readonly catalog?: MetricSummary[]
}

export type LogMessage =
  | { readonly pb: 'call', readonly id: number, readonly op: LogOp, readonly args: readonly unknown[] }
  | { readonly pb: 'reply', readonly id: number, readonly value: unknown }
  | { readonly pb: 'fail', readonly id: number, readonly statusCode: number | undefined, readonly code: string | undefined, readonly message: string }
  /** Each committed batch, in id order, to every worker. */
  | { readonly pb: 'events', readonly events: StoredEvent[], readonly oldestId: EventId }
  /** Metrics that retention removed from the catalog, to every worker, in order with the batches. */
  | { readonly pb: 'forget', readonly metrics: readonly string[], readonly upToId: EventId }

/** Narrows anything received over the channel to one of our messages. */
export function isLogMessage (message: unknown): message is LogMessage {
  return typeof message === 'object' && message !== null && 'pb' in message
}
