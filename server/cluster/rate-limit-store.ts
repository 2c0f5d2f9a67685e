import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { SharedLimits } from './limits-protocol.js'

/** What @fastify/rate-limit really passes to `child`: the route's merged limit settings, with the route as `routeInfo`. */
interface ChildParams {
  readonly routeInfo?: { readonly method?: unknown, readonly url?: unknown }
}

/**
 * A @fastify/rate-limit store over shared limits: the plugin still makes the
 * key, decides and answers 429; only the counting moves to the cluster
 * primary. Each route gets its own window there, as each gets its own store.
 */
export function rateLimitStoreOver (limits: Pick<SharedLimits, 'hit'>): FastifyRateLimitStoreCtor {
  class SharedRateLimitStore implements FastifyRateLimitStore {
    readonly #window: string

    constructor (_options: unknown, window = 'global') {
      this.#window = window
    }

    incr (key: string, callback: (error: Error | null, result?: { current: number, ttl: number }) => void, timeWindow: number, max: number): void {
      limits.hit(this.#window, key, timeWindow, max).then((count) => callback(null, count), (err: Error) => callback(err))
    }

    child (routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
      const route = (routeOptions as ChildParams).routeInfo
      return new SharedRateLimitStore(undefined, `${String(route?.method)} ${String(route?.url)}`)
    }
  }
  return SharedRateLimitStore
}
