import type { Writable } from 'node:stream'
import type { AddressSlots } from './address-slots.js'
import { SseConnection, type CloseReason } from './sse-connection.js'

/** Stream connections closed so far, by reason. */
export type CloseCounts = Record<CloseReason, number>

export interface ConnectionRegistryOptions {
  /** Unsent bytes allowed per client before it is cut off. */
  readonly maxQueuedBytes: number
  /** Called after a stream has left the registry (for logging); default none. */
  readonly onClose?: (reason: CloseReason, address: string) => void
  /** Where a stream that took a per-address slot gives it back when it ends; default none. */
  readonly slots?: Pick<AddressSlots, 'release'>
}

/** An open stream's client address, and the slot it holds (none for a client the per-address cap exempts). */
interface OpenStream {
  readonly address: string
  readonly slotKey: string | undefined
}

/**
 * Every open stream, so the server can cap them, count why they end, and
 * close them all on shutdown.
 */
export class ConnectionRegistry {
  /** Every open stream, with its client's address. */
  readonly #open = new Map<SseConnection, OpenStream>()
  readonly #closed: CloseCounts = { client: 0, 'slow-consumer': 0, shutdown: 0, error: 0 }
  readonly #maxQueuedBytes: number
  readonly #onClose: (reason: CloseReason, address: string) => void
  readonly #slots: Pick<AddressSlots, 'release'> | undefined

  constructor (options: ConnectionRegistryOptions) {
    this.#maxQueuedBytes = options.maxQueuedBytes
    this.#onClose = options.onClose ?? (() => {})
    this.#slots = options.slots
  }

  get size (): number {
    return this.#open.size
  }

  get closeCounts (): Readonly<CloseCounts> {
    return this.#closed
  }

  /**
   * Wraps a client's socket in a tracked connection, which gives back the
   * per-address slot `slotKey` (if any) when it ends. A socket that closed
   * while its slot was being taken ends the connection at once.
   */
  open (out: Writable, address: string, slotKey?: string): SseConnection {
    const connection = new SseConnection(out, { maxQueuedBytes: this.#maxQueuedBytes, onClose: this.#release })
    this.#open.set(connection, { address, slotKey })
    if (out.destroyed) connection.close('client')
    return connection
  }

  /** Ends every open stream, sending `farewell` (e.g. a `retry:` with jitter) to each. */
  closeAll (farewell: (connection: SseConnection) => string): void {
    for (const connection of this.#open.keys()) connection.close('shutdown', farewell(connection))
  }

  /** Shared by every connection, so an idle stream costs no closure of its own. */
  readonly #release = (connection: SseConnection, reason: CloseReason): void => {
    // A connection closes once, and only registered connections have this callback.
    const { address, slotKey } = this.#open.get(connection)!
    this.#open.delete(connection)
    if (slotKey !== undefined) this.#slots?.release(slotKey)
    this.#closed[reason]++
    this.#onClose(reason, address)
  }
}
