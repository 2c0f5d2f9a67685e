import type { EventId } from '../core/event.js'

/**
 * A filter group's encoded frames that some member may not have been sent
 * yet, in id order. The bytes are joined once and shared by every member's
 * write; a member that already has the first few frames gets a view of the
 * rest, and consecutive members that want the same rest share one view.
 */
export class PendingFrames {
  readonly #ids: EventId[] = []
  readonly #frames: string[] = []
  #joined: Buffer | undefined
  #offsets: number[] | undefined
  #restFrom = -1
  #rest: Buffer | undefined

  get size (): number {
    return this.#ids.length
  }

  /** Id of the newest frame; only meaningful when `size > 0`. */
  get lastId (): EventId {
    return this.#ids[this.#ids.length - 1]!
  }

  push (id: EventId, frame: string): void {
    this.#ids.push(id)
    this.#frames.push(frame)
    this.#forgetBytes()
  }

  /** Index of the first frame with an id above `id` (`size` when there is none). */
  indexAbove (id: EventId): number {
    const ids = this.#ids
    if (ids.length === 0 || id < ids[0]!) return 0
    if (id >= ids[ids.length - 1]!) return ids.length
    let low = 0
    let high = ids.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (ids[mid]! <= id) low = mid + 1
      else high = mid
    }
    return low
  }

  /** The bytes of the frames from index `from` (below `size`) to the newest. */
  bytesFrom (from: number): Buffer {
    this.#joined ??= Buffer.from(this.#frames.join(''))
    if (from === 0) return this.#joined
    if (this.#restFrom !== from) {
      this.#offsets ??= byteOffsets(this.#frames)
      this.#rest = this.#joined.subarray(this.#offsets[from])
      this.#restFrom = from
    }
    return this.#rest!
  }

  /** Forgets the oldest `count` frames, once every member has them. */
  dropOldest (count: number): void {
    if (count === 0) return
    this.#ids.splice(0, count)
    this.#frames.splice(0, count)
    this.#forgetBytes()
  }

  #forgetBytes (): void {
    this.#joined = undefined
    this.#offsets = undefined
    this.#restFrom = -1
    this.#rest = undefined
  }
}

/** Start offset in bytes of each frame within the joined bytes. */
function byteOffsets (frames: readonly string[]): number[] {
  const offsets: number[] = []
  let at = 0
  for (const frame of frames) {
    offsets.push(at)
    at += Buffer.byteLength(frame)
  }
  return offsets
}
