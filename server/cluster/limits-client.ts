import type { IpcChannel } from '../log/cluster/ipc-protocol.js'
import { StoreUnavailableError } from '../log/errors.js'
import type { AddressSlots } from '../sse/address-slots.js'
import { isLimitsMessage, type LimitsMessage, type RateCount, type SharedLimits } from './limits-protocol.js'

type Call = Exclude<LimitsMessage, { pbLimits: 'reply' | 'release' }>

interface Pending {
  readonly resolve: (value: unknown) => void
  readonly reject: (err: Error) => void
}

/**
 * A cluster worker's per-address limits: every count is kept by the primary
 * (cluster/limits-host.ts), so a limit holds for the whole port. Once the
 * primary is gone, calls are refused with 503 (the worker is shutting down).
 */
export class LimitsClient implements SharedLimits {
  readonly slots: AddressSlots
  readonly #channel: IpcChannel<LimitsMessage>
  readonly #pending = new Map<number, Pending>()
  #nextCall = 1

  constructor (channel: IpcChannel<LimitsMessage>) {
    this.#channel = channel
    channel.onMessage((message) => this.#receive(message))
    channel.onDisconnect(() => this.#failAll())
    this.slots = {
      take: async (key, max) => await this.#call({ pbLimits: 'take', id: this.#nextCall++, key, max }) as boolean,
      release: (key) => {
        // The primary gives back a gone worker's slots itself.
        if (channel.connected()) channel.send({ pbLimits: 'release', key })
      }
    }
  }

  async hit (window: string, key: string, timeWindowMs: number, max: number): Promise<RateCount> {
    return await this.#call({ pbLimits: 'hit', id: this.#nextCall++, window, key, timeWindowMs, max }) as RateCount
  }

  async #call (message: Call): Promise<unknown> {
    if (!this.#channel.connected()) throw unavailable()
    return await new Promise((resolve, reject) => {
      this.#pending.set(message.id, { resolve, reject })
      this.#channel.send(message)
    })
  }

  #receive (message: unknown): void {
    if (!isLimitsMessage(message) || message.pbLimits !== 'reply') return
    const pending = this.#pending.get(message.id)
    this.#pending.delete(message.id)
    pending?.resolve(message.value)
  }

  #failAll (): void {
    const error = unavailable()
    for (const pending of this.#pending.values()) pending.reject(error)
    this.#pending.clear()
  }
}

function unavailable (): StoreUnavailableError {
  return new StoreUnavailableError('the cluster primary', new Error('IPC channel closed'))
}
