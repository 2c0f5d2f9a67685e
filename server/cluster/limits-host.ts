import LocalStore from '@fastify/rate-limit/store/LocalStore.js'
import type { IpcChannel } from '../log/cluster/ipc-protocol.js'
import { LocalAddressSlots } from '../sse/address-slots.js'
import { isLimitsMessage, type LimitsMessage, type RateCount } from './limits-protocol.js'

/**
 * The primary's side of the per-address limits of `--workers N`: it keeps the
 * only count of each address's streams and rate-limit windows, and workers ask
 * it over IPC (cluster/limits-client.ts), one round trip per new stream or
 * limited request, so each limit holds for the port and not N times over.
 *
 * Counting in one place rather than sending each address to one worker:
 * node:cluster hands a connection to a worker before any byte of it is read,
 * and behind a proxy every connection comes from the proxy, with the client's
 * address only in a header; and a worker that dies takes none of the counts
 * with it, since the primary gives back the slots it held.
 */
export class LimitsHost {
  readonly #slots = new LocalAddressSlots()
  /** One window store per route, as @fastify/rate-limit keeps one per route; each is an LRU, so bounded. */
  readonly #windows = new Map<string, LocalStore>()

  /** Slots `key` holds across every worker. */
  held (key: string): number {
    return this.#slots.held(key)
  }

  /** Serves one worker until its channel closes, then gives back the stream slots it still held. */
  attach (channel: IpcChannel<LimitsMessage>): void {
    const held = new Map<string, number>()
    channel.onDisconnect(() => {
      for (const [key, count] of held) {
        for (let i = 0; i < count; i++) this.#slots.release(key)
      }
      held.clear()
    })
    const reply = (id: number, value: boolean | RateCount): void => {
      // A worker that has gone away needs no answer.
      if (channel.connected()) channel.send({ pbLimits: 'reply', id, value })
    }
    channel.onMessage((message) => {
      if (!isLimitsMessage(message) || message.pbLimits === 'reply') return
      switch (message.pbLimits) {
        case 'take': {
          const taken = this.#slots.takeNow(message.key, message.max)
          if (taken) held.set(message.key, (held.get(message.key) ?? 0) + 1)
          reply(message.id, taken)
          return
        }
        case 'release': {
          const count = held.get(message.key)
          // Only what this worker holds: a worker cannot give back another's slots.
          if (count === undefined) return
          if (count > 1) held.set(message.key, count - 1)
          else held.delete(message.key)
          this.#slots.release(message.key)
          return
        }
        case 'hit':
          this.#window(message.window).incr(message.key, (_err, window) => reply(message.id, { current: window.current, ttl: window.ttl }), message.timeWindowMs, message.max)
      }
    })
  }

  #window (name: string): LocalStore {
    let store = this.#windows.get(name)
    if (store === undefined) {
      store = new LocalStore(false, false)
      this.#windows.set(name, store)
    }
    return store
  }
}
