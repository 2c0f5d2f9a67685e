import type { ResetNotice, StoredEvent } from '../../server/core/event.js'
import { isResetNotice, isStoredEvent, parseJson } from './wire.js'

/** Connection state shown in the header badge. */
export type StreamStatus = 'live' | 'reconnecting' | 'offline'

/** `EventSource.readyState` values (the constants are not available outside a browser). */
export const ReadyState = { connecting: 0, open: 1, closed: 2 } as const

/** The part of a `MessageEvent` the stream reads. */
export interface MessageLike {
  readonly data?: unknown
}

/** The part of `EventSource` the stream uses; a browser `EventSource` satisfies it. */
export interface EventSourceLike {
  readonly readyState: number
  addEventListener (type: string, listener: (event: MessageLike) => void): void
  close (): void
}

/** Timer functions, injectable so tests control time. */
export interface Timers {
  readonly setTimeout: (callback: () => void, ms: number) => unknown
  readonly clearTimeout: (handle: unknown) => void
}

/** Options of an {@link EventStream}. */
export interface EventStreamOptions {
  /** Stream endpoint, e.g. `/api/stream`. */
  readonly url: string
  /** Metric globs to subscribe to; empty means all. */
  readonly metrics?: readonly string[]
  /** Opens the underlying connection; `(url) => new EventSource(url)` in a browser. */
  readonly createSource: (url: string) => EventSourceLike
  /** Called for every `metric` frame, in stream order. */
  readonly onMetric: (event: StoredEvent) => void
  /** Called when the server could not resume from our last id: the caller must backfill. */
  readonly onReset: (notice: ResetNotice) => void
  /**
   * Called each time a connection opens. `resumed` is false when it carried no resume id
   * (the first connection, or no frame ever arrived): the server sends only new points, so
   * the caller loads what came before from the history API.
   */
  readonly onOpen?: (resumed: boolean) => void
  /** Called whenever {@link EventStream.status} changes. */
  readonly onStatus?: (status: StreamStatus) => void
  /** Called with a frame the stream could not parse; the frame is skipped. */
  readonly onInvalid?: (error: Error) => void
  /** First delay before this class reopens a connection, in ms; doubles up to 30 s. Default 1000. */
  readonly reopenDelayMs?: number
  readonly timers?: Timers
}

const MAX_REOPEN_DELAY_MS = 30_000
const defaultTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => { clearTimeout(handle as number) }
}

/**
 * One SSE connection for every metric on the page (browsers allow six HTTP/1.1
 * connections per host, so one per card would starve the page). Tracks the last event
 * id: the browser resumes with `Last-Event-ID` by itself while it retries; when it gives
 * up (a non-200 answer) this class opens a new connection with `?lastEventId=`.
 * No DOM access: the EventSource comes from `createSource`.
 *
 * A connection opened with `?lastEventId=` is never left to the browser's own retry: it
 * would reuse that URL, and the server reads the query before the header, so it would
 * replay from the old id. Such a connection is replaced with a fresh URL instead.
 */
export class EventStream {
  #options: EventStreamOptions
  #timers: Timers
  #source: EventSourceLike | undefined
  #status: StreamStatus = 'reconnecting'
  #lastEventId: number | undefined
  #reopenTimer: unknown
  #reopenDelayMs: number
  #closed = false
  /** Whether the open connection's URL carries a resume id. */
  #resumeInUrl = false

  constructor (options: EventStreamOptions) {
    this.#options = options
    this.#timers = options.timers ?? defaultTimers
    this.#reopenDelayMs = options.reopenDelayMs ?? 1000
  }

  /** Current connection state; `reconnecting` until the first open. */
  get status (): StreamStatus {
    return this.#status
  }

  /** Id of the last `metric` frame received, or undefined before the first. */
  get lastEventId (): number | undefined {
    return this.#lastEventId
  }

  /** The URL the next connection will use: metrics filter plus the resume id, if any. */
  get connectUrl (): string {
    const params = new URLSearchParams()
    const metrics = this.#options.metrics ?? []
    if (metrics.length > 0) params.set('metrics', metrics.join(','))
    if (this.#lastEventId !== undefined) params.set('lastEventId', String(this.#lastEventId))
    const query = params.toString()
    return query === '' ? this.#options.url : `${this.#options.url}?${query}`
  }

  /** Opens the connection, resuming after the last id received if there is one. Calling it again while open does nothing. */
  open (): void {
    if (this.#source !== undefined || this.#closed) return
    this.#resumeInUrl = this.#lastEventId !== undefined
    const source = this.#options.createSource(this.connectUrl)
    this.#source = source
    source.addEventListener('open', () => { this.#opened() })
    source.addEventListener('error', () => { this.#failed(source) })
    source.addEventListener('metric', (event) => { this.#metric(event) })
    source.addEventListener('reset', (event) => { this.#reset(event) })
  }

  /** Closes the connection for good and cancels any pending reopen. */
  close (): void {
    this.#closed = true
    this.#timers.clearTimeout(this.#reopenTimer)
    this.#source?.close()
    this.#source = undefined
    this.#setStatus('offline')
  }

  #opened (): void {
    this.#reopenDelayMs = this.#options.reopenDelayMs ?? 1000
    this.#setStatus('live')
    this.#options.onOpen?.(this.#lastEventId !== undefined)
  }

  // While readyState is CONNECTING the browser retries by itself, sending Last-Event-ID,
  // unless the URL pins an older id (see the class comment). CLOSED means it gave up.
  #failed (source: EventSourceLike): void {
    if (source !== this.#source) return
    const gaveUp = source.readyState === ReadyState.closed
    if (!gaveUp && !this.#resumeInUrl) {
      this.#setStatus('reconnecting')
      return
    }
    source.close()
    this.#source = undefined
    this.#setStatus(gaveUp ? 'offline' : 'reconnecting')
    const delay = this.#reopenDelayMs
    this.#reopenDelayMs = Math.min(delay * 2, MAX_REOPEN_DELAY_MS)
    this.#reopenTimer = this.#timers.setTimeout(() => { this.open() }, delay)
  }

  #metric (message: MessageLike): void {
    const event = parseJson(message.data, isStoredEvent, 'metric frame')
    if (event instanceof Error) {
      this.#options.onInvalid?.(event)
      return
    }
    // The last id received, not the highest: a server that restarted with a fresh log counts
    // from 1 again, and resuming from an old, higher id would earn a reset on every reconnect.
    this.#lastEventId = event.id
    this.#setStatus('live')
    this.#options.onMetric(event)
  }

  #reset (message: MessageLike): void {
    const notice = parseJson(message.data, isResetNotice, 'reset frame')
    if (notice instanceof Error) {
      this.#options.onInvalid?.(notice)
      return
    }
    this.#options.onReset(notice)
  }

  #setStatus (status: StreamStatus): void {
    if (status === this.#status) return
    this.#status = status
    this.#options.onStatus?.(status)
  }
}
