import type { EventId, StoredEvent } from '../core/event.js'

/**
 * The most recent events by id, in a fixed-size ring. Ids are consecutive,
 * so an id maps to its slot by arithmetic and a resume position costs nothing
 * to find. Only events with consecutive ids may be pushed.
 */
export class RingWindow {
  readonly #ring: Array<StoredEvent | undefined>
  #nextId: EventId
  #size = 0

  /**
   * @param capacity events kept; older ones are forgotten
   * @param nextId id the next pushed event must have
   */
  constructor (capacity: number, nextId: EventId) {
    this.#ring = new Array<StoredEvent | undefined>(capacity)
    this.#nextId = nextId
  }

  /** Adds events that directly follow the newest one held. */
  push (events: readonly StoredEvent[]): void {
    for (const event of events) {
      if (event.id !== this.#nextId) throw new Error(`ring window expected id ${this.#nextId}, got ${event.id}`)
      this.#ring[event.id % this.#ring.length] = event
      this.#nextId++
    }
    this.#size = Math.min(this.#size + events.length, this.#ring.length)
  }

  /** Oldest id held; the next id when empty. */
  oldestId (): EventId {
    return this.#nextId - this.#size
  }

  /** Whether every event after `afterId` is held here. */
  covers (afterId: EventId): boolean {
    return afterId + 1 >= this.oldestId()
  }

  /** Up to `limit` held events with an id above `afterId`, ascending. */
  readAfter (afterId: EventId, limit: number): StoredEvent[] {
    const from = Math.max(afterId + 1, this.oldestId())
    const to = Math.min(this.#nextId, from + Math.max(0, limit))
    const events: StoredEvent[] = []
    for (let id = from; id < to; id++) events.push(this.#ring[id % this.#ring.length]!)
    return events
  }
}
