import type { AddressSlots } from '../sse/address-slots.js'

/**
 * Messages between the cluster primary, which keeps the per-address counts of
 * the whole port, and its workers. A key of their own (`pbLimits`) keeps them
 * apart from the log's messages on the same channel.
 */

/** A rate-limit count as @fastify/rate-limit's stores give it: requests in the window so far, and ms until it resets. */
export interface RateCount {
  readonly current: number
  readonly ttl: number
}

/** Per-address limits that hold for the whole port, however many workers serve it. */
export interface SharedLimits {
  /** Stream slots per address key (MAX_CLIENTS_PER_IP). */
  readonly slots: AddressSlots
  /** Counts one request from `key` in the rate-limit window `window` (one per route) of `timeWindowMs`. */
  hit: (window: string, key: string, timeWindowMs: number, max: number) => Promise<RateCount>
}

export type LimitsMessage =
  | { readonly pbLimits: 'take', readonly id: number, readonly key: string, readonly max: number }
  | { readonly pbLimits: 'release', readonly key: string }
  | { readonly pbLimits: 'hit', readonly id: number, readonly window: string, readonly key: string, readonly timeWindowMs: number, readonly max: number }
  | { readonly pbLimits: 'reply', readonly id: number, readonly value: boolean | RateCount }

/** Narrows anything received over the channel to one of the limits' messages. */
export function isLimitsMessage (message: unknown): message is LimitsMessage {
  return typeof message === 'object' && message !== null && 'pbLimits' in message
}
