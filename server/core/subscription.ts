/** A live subscription, as the hub hands it out and an SSE connection holds it; ending it twice is harmless. */
export interface Subscription {
  unsubscribe: () => void
}
