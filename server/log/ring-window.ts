import type { EventId, StoredEvent } from '../core/event.js'

/** Heap bytes of an object with a few fields, and of a string before its characters, roughly. */
const OBJECT_BYTES = 64
const STRING_BYTES = 16

/** About what one event costs to hold in memory, in bytes: its object, name and tags. */
export function approxEventBytes (event: StoredEvent): number {
  let bytes = OBJECT_BYTES + STRING_BYTES + event.metric.length
  if (event.tags === undefined) return bytes
  bytes += OBJECT_BYTES
  for (const [key, value] of Object.entries(event.tags)) bytes += 2 * STRING_BYTES + key.length + value.length
  return bytes
}

/**
 * The most recent events by id, in a fixed-size ring. Ids are consecutive,
 * so an id maps to its slot by arithmetic and a resume position costs nothing
 * to find. Only events with consecutive ids may be pushed. Besides the count,
 * the events held are bounded in bytes, since points with many long tags
 * would otherwise make a window of a given count many times larger.
 */
export class RingWindow {
  readonly #ring: Array<StoredEvent | undefined>
  /** `approxEventBytes` of the event in the same slot. */
  readonly #sizes: Uint32Array
  readonly #maxBytes: number
  #nextId: EventId
  #size = 0
  #bytes = 0

  /**
   * @param capacity events kept; older ones are forgotten
   * @param nextId id the next pushed event must have
   * @param maxBytes approximate bytes held at most (default no bound); the newest event is always held
   */
  constructor (capacity: number, nextId: EventId, maxBytes = Number.POSITIVE_INFINITY) {
    this.#ring = new Array<StoredEvent | undefined>(capacity)
    this.#sizes = new Uint32Array(capacity)
    this.#maxBytes = maxBytes
    this.#nextId = nextId
  }

  /** Approximate bytes of the events held. */
  get bytes (): number {
    return this.#bytes
  }

  /** Adds events that directly follow the newest one held. */
  push (events: readonly StoredEvent[]): void {
    const capacity = this.#ring.length
    for (const event of events) {
      if (event.id !== this.#nextId) throw new Error(`ring window expected id ${this.#nextId}, got ${event.id}`)
      if (this.#size === capacity) this.#dropOldest()
      const slot = event.id % capacity
      const bytes = approxEventBytes(event)
      this.#ring[slot] = event
      this.#sizes[slot] = bytes
      this.#bytes += bytes
      this.#size++
      this.#nextId++
      while (this.#bytes > this.#maxBytes && this.#size > 1) this.#dropOldest()
    }
  }

  #dropOldest (): void {
    const slot = this.oldestId() % this.#ring.length
    this.#bytes -= this.#sizes[slot]!
    this.#ring[slot] = undefined
    this.#size--
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
