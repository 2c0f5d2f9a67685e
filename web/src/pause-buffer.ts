/** Points held while paused, at most; beyond it the board reloads from history on resume. */
export const DEFAULT_MAX_BUFFERED = 50_000

/** What {@link PauseBuffer.resume} hands back. */
export interface Resumed<T> {
  /** Items held while paused, in arrival order; empty when {@link overflowed}. */
  readonly items: readonly T[]
  /** More arrived than the buffer holds: the caller must catch up another way (a history reload). */
  readonly overflowed: boolean
}

/**
 * Holds the stream's points while the board is paused, so the stream keeps its place and
 * nothing is missed; bounded, so a long pause costs a fixed amount of memory. No DOM.
 */
export class PauseBuffer<T> {
  readonly maxItems: number
  #items: T[] = []
  #paused = false
  #overflowed = false

  /** `maxItems` defaults to {@link DEFAULT_MAX_BUFFERED}. */
  constructor (maxItems = DEFAULT_MAX_BUFFERED) {
    this.maxItems = Math.max(0, maxItems)
  }

  get paused (): boolean {
    return this.#paused
  }

  /** Items held, or how many arrived once overflowed. */
  get size (): number {
    return this.#items.length
  }

  pause (): void {
    this.#paused = true
  }

  /** Takes `item` while paused and returns true; returns false when live (the caller delivers it). */
  offer (item: T): boolean {
    if (!this.#paused) return false
    if (this.#overflowed) return true
    if (this.#items.length >= this.maxItems) {
      this.#overflowed = true
      this.#items = []
      return true
    }
    this.#items.push(item)
    return true
  }

  /** Goes live again and hands back what was held. */
  resume (): Resumed<T> {
    const resumed = { items: this.#items, overflowed: this.#overflowed }
    this.#items = []
    this.#paused = false
    this.#overflowed = false
    return resumed
  }
}
