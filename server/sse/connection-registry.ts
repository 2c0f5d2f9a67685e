import type { Writable } from 'node:stream'
import { SseConnection, type CloseReason } from './sse-connection.js'

/** Stream connections closed so far, by reason. */
export type CloseCounts = Record<CloseReason, number>

export interface ConnectionRegistryOptions {
  /** Unsent bytes allowed per client before it is cut off. */
  readonly maxQueuedBytes: number
}

/**
 * Every open stream, so the server can cap them, count why they end, and
 * close them all on shutdown.
 */
export class ConnectionRegistry {
  readonly #open = new Set<SseConnection>()
  readonly #perAddress = new Map<string, number>()
  readonly #closed: CloseCounts = { client: 0, 'slow-consumer': 0, shutdown: 0, error: 0 }
  readonly #maxQueuedBytes: number

  constructor (options: ConnectionRegistryOptions) {
    this.#maxQueuedBytes = options.maxQueuedBytes
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

  /** Wraps a client's socket in a tracked connection; `onClose` runs after it leaves the registry. */
  open (out: Writable, address: string, onClose: (reason: CloseReason) => void): SseConnection {
    const connection: SseConnection = new SseConnection(out, {
      maxQueuedBytes: this.#maxQueuedBytes,
      onClose: (reason) => {
        this.#open.delete(connection)
        const left = this.countFrom(address) - 1
        if (left > 0) this.#perAddress.set(address, left)
        else this.#perAddress.delete(address)
        this.#closed[reason]++
        onClose(reason)
      }
    })
    this.#open.add(connection)
    this.#perAddress.set(address, this.countFrom(address) + 1)
    return connection
  }

  /** Ends every open stream, sending `farewell` (e.g. a `retry:` with jitter) to each. */
  closeAll (farewell: (connection: SseConnection) => string): void {
    for (const connection of this.#open) connection.close('shutdown', farewell(connection))
  }
}
