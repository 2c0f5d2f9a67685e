/** @fastify/rate-limit's in-memory store (an LRU of windows per key), which the cluster primary runs for its workers. */
declare module '@fastify/rate-limit/store/LocalStore.js' {
  interface Window {
    current: number
    ttl: number
  }
  class LocalStore {
    constructor (continueExceeding: boolean, exponentialBackoff: boolean, cache?: number)
    incr (key: string, callback: (err: Error | null, window: Window) => void, timeWindow: number, max: number): void
  }
  export default LocalStore
}
