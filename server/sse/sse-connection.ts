import type { Writable } from 'node:stream'
import type { EventId } from '../core/event.js'
import type { Subscription } from '../core/subscription.js'

/** Default bound on bytes queued for one client before it is cut off: 1 MiB. */
export const DEFAULT_MAX_QUEUED_BYTES = 1024 * 1024

/** Time a closed stream is given to take its last bytes before its socket is destroyed, in ms. */
const CLOSE_LINGER_MS = 1000

/** Why a stream ended; counted in self-metrics. */
export type CloseReason = 'client' | 'slow-consumer' | 'shutdown' | 'error'

export interface SseConnectionOptions {
  /** Unsent bytes allowed before the client is cut off (default 1 MiB). */
  readonly maxQueuedBytes?: number
  /**
   * Called once, when the connection ends for whatever reason. One function
   * can serve every connection, which saves a closure per idle client.
   */
  readonly onClose: (connection: SseConnection, reason: CloseReason) => void
}

/** A reset peer surfaces as 'error' then 'close'; the close listener cleans up. */
function ignoreError (): void {}

/**
 * One client's event stream over a writable (the raw HTTP response). Writes
 * go straight to the socket; what the kernel will not take yet queues in the
 * response, and a client that still has more than `maxQueuedBytes` queued
 * when the next bytes come is dropped instead of growing the server's memory.
 */
export class SseConnection {
  /** Id of the newest event sent to this client (the hub's cursor). */
  lastId: EventId = 0
  /** The hub's note that points went out since its last heartbeat. */
  sentSinceHeartbeat = false
  readonly #out: Writable
  readonly #maxQueuedBytes: number
  readonly #onClose: (connection: SseConnection, reason: CloseReason) => void
  #subscription: Subscription | undefined
  #closed = false
  /** Resumes a pending `whenWritable`; only the replay loop waits, so there is at most one. */
  #wake: (() => void) | undefined

  constructor (out: Writable, options: SseConnectionOptions) {
    this.#out = out
    this.#maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES
    this.#onClose = options.onClose
    out.on('close', () => this.close('client'))
    out.on('error', ignoreError)
  }

  get closed (): boolean {
    return this.#closed
  }

  /** Bytes written but not yet taken by the kernel. */
  get queuedBytes (): number {
    return this.#out.writableLength
  }

  /**
   * Queues SSE bytes, or cuts the client off when what it has not taken yet is
   * already over the bound. The check comes before the write because one
   * tick's chunk may alone be larger than the bound, and that chunk is a
   * buffer shared by every client of a filter group, not a copy per client.
   */
  send (chunk: Buffer | string): void {
    if (this.#closed) return
    if (this.#out.writableLength > this.#maxQueuedBytes) {
      this.#out.destroy()
      this.close('slow-consumer')
      return
    }
    this.#out.write(chunk)
  }

  /**
   * Resolves once the client has taken enough that another replay chunk may
   * be queued (below half the bound, or below the socket's own high-water
   * mark, after which no 'drain' would come), or once the connection closed.
   */
  async whenWritable (): Promise<void> {
    const out = this.#out
    while (!this.#closed && out.writableNeedDrain && out.writableLength > this.#maxQueuedBytes / 2) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          out.off('drain', wake)
          out.off('close', wake)
          this.#wake = undefined
          resolve()
        }
        out.on('drain', wake)
        out.on('close', wake)
        this.#wake = wake
      })
    }
  }

  /** Keeps the live subscription, to end it when the connection closes (at once if it already has). */
  keepSubscription (subscription: Subscription): void {
    if (this.#closed) subscription.unsubscribe()
    else this.#subscription = subscription
  }

  /** Ends the stream, after `farewell` bytes if given (e.g. a final `retry:`). */
  close (reason: CloseReason, farewell?: string): void {
    if (this.#closed) return
    this.#closed = true
    this.#wake?.()
    if (!this.#out.destroyed) {
      this.#out.end(farewell)
      // A client that never closes its side would keep a shutting-down server waiting.
      setTimeout(() => this.#out.destroy(), CLOSE_LINGER_MS).unref()
    }
    this.#subscription?.unsubscribe()
    this.#subscription = undefined
    this.#onClose(this, reason)
  }
}
