import type { Writable } from 'node:stream'
import { SseConnection, type CloseReason } from './sse-connection.js'

/** Stream connections closed so far, by reason. */
export type CloseCounts = Record<CloseReason, number>

export interface ConnectionRegistryOptions {
  /** Unsent bytes allowed per client before it is cut off. */
  readonly maxQueuedBytes: number
  /** Called after a stream has left the registry (for logging); default none. */
  readonly onClose?: (reason: CloseReason, address: string) => void
}

/**
 * Every open stream, so the server can cap them, count why they end, and
 * close them all on shutdown.
 */
export class ConnectionRegistry {
  /** Every open stream, with its client's address. */
  readonly #open = new Map<SseConnection, string>()
  readonly #perAddress = new Map<string, number>()
  readonly #closed: CloseCounts = { client: 0, 'slow-consumer': 0, shutdown: 0, error: 0 }
  readonly #maxQueuedBytes: number
  readonly #onClose: (reason: CloseReason, address: string) => void

  constructor (options: ConnectionRegistryOptions) {
    this.#maxQueuedBytes = options.maxQueuedBytes
    this.#onClose = options.onClose ?? (() => {})
  }

  get size (): number {
    return this.#open.size
  }

  /** Open streams from one client address. */
  countFrom (address: string): number {
    return this.#perAddress.get(address) ?? 0
  }

  get closeCounts (): Readonly<CloseCounts> {
    return this.#closed
  }

  /** Wraps a client's socket in a tracked connection. */
  open (out: Writable, address: string): SseConnection {
    const connection = new SseConnection(out, { maxQueuedBytes: this.#maxQueuedBytes, onClose: this.#release })
    this.#open.set(connection, address)
    this.#perAddress.set(address, this.countFrom(address) + 1)
    return connection
  }

  /** Ends every open stream, sending `farewell` (e.g. a `retry:` with jitter) to each. */
  closeAll (farewell: (connection: SseConnection) => string): void {
    for (const connection of this.#open.keys()) connection.close('shutdown', farewell(connection))
  }

  /** Shared by every connection, so an idle stream costs no closure of its own. */
  readonly #release = (connection: SseConnection, reason: CloseReason): void => {
    // A connection closes once, and only registered connections have this callback.
    const address = this.#open.get(connection)!
    this.#open.delete(connection)
    const left = this.countFrom(address) - 1
    if (left > 0) this.#perAddress.set(address, left)
    else this.#perAddress.delete(address)
    this.#closed[reason]++
    this.#onClose(reason, address)
  }
}
