import { normalizeIP } from '@fastify/rate-limit'
import type { onRequestAsyncHookHandler } from 'fastify'
import { TooManyAuthFailuresError } from '../http/errors.js'

/** Addresses tracked at once; past it the oldest is forgotten, so memory stays bounded whatever the number of clients. */
export const DEFAULT_MAX_TRACKED_ADDRESSES = 10_000

/** Length of a counting window, in ms. */
const WINDOW_MS = 60_000

export interface AuthFailuresOptions {
  /** Failed authentications allowed from one address in a minute; the next request from it gets 429. */
  readonly limitPerMinute: number
  /** Addresses tracked at most. Default 10,000. */
  readonly maxAddresses?: number
  /** Monotonic clock in ms, injectable for tests. Default `performance.now`. */
  readonly now?: () => number
}

/** Failures from one address in the window that started with its first. */
interface FailureWindow {
  failures: number
  readonly endsMs: number
}

/**
 * Counts failed authentications (a wrong token, never a missing one) per
 * client address in fixed one-minute windows. Every window lasts as long and
 * starts when it is inserted, so the Map's insertion order is also expiry
 * order: expired windows are dropped from the front, and when the Map is full
 * the oldest goes.
 */
export class AuthFailures {
  readonly limitPerMinute: number
  readonly #maxAddresses: number
  readonly #now: () => number
  readonly #windows = new Map<string, FailureWindow>()

  constructor (options: AuthFailuresOptions) {
    this.limitPerMinute = options.limitPerMinute
    this.#maxAddresses = options.maxAddresses ?? DEFAULT_MAX_TRACKED_ADDRESSES
    this.#now = options.now ?? (() => performance.now())
  }

  /** Counts one failed authentication from `address` (an IPv6 client per /64, as the other per-address limits). */
  record (address: string): void {
    const key = normalizeIP(address)
    const now = this.#now()
    this.#dropExpired(now)
    const window = this.#windows.get(key)
    if (window !== undefined) {
      window.failures++
      return
    }
    if (this.#windows.size >= this.#maxAddresses) this.#windows.delete(this.#windows.keys().next().value!)
    this.#windows.set(key, { failures: 1, endsMs: now + WINDOW_MS })
  }

  /** Ms until `address` may try again; 0 when it has failed fewer than `limitPerMinute` times this minute. */
  retryAfterMs (address: string): number {
    const window = this.#windows.get(normalizeIP(address))
    if (window === undefined || window.failures < this.limitPerMinute) return 0
    return Math.max(0, window.endsMs - this.#now())
  }

  /** Addresses tracked now, for tests of the bound. */
  get size (): number {
    return this.#windows.size
  }

  #dropExpired (now: number): void {
    for (const [address, window] of this.#windows) {
      if (window.endsMs > now) return
      this.#windows.delete(address)
    }
  }
}

/**
 * An onRequest hook, run before any route's own checks and before the body is
 * read, that refuses every request from an address over its failure limit with
 * 429 and `Retry-After` until its minute is over. It refuses right tokens too:
 * answering them would tell a guesser which guess was right.
 */
export function refuseLockedOut (failures: AuthFailures): onRequestAsyncHookHandler {
  return async (request, reply) => {
    const waitMs = failures.retryAfterMs(request.ip)
    if (waitMs === 0) return
    const waitS = Math.ceil(waitMs / 1000)
    reply.header('retry-after', waitS)
    throw new TooManyAuthFailuresError(`at most ${failures.limitPerMinute} wrong tokens a minute from one address; retry in ${waitS} s`)
  }
}
