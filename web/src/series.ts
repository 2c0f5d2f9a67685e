import type { StoredEvent, Tags } from '../../server/core/event.js'
import { computeChange, type Change } from './format.js'

/** Default rolling window of a card, in ms (5 minutes). */
export const DEFAULT_WINDOW_MS = 5 * 60_000
/** Default cap on points held per series; beyond it the older half is thinned. */
export const DEFAULT_MAX_POINTS = 2000

/** A point in the shape Chart.js reads with `parsing: false`: `x` is a ms timestamp. */
export interface ChartPoint {
  readonly x: number
  readonly y: number
}

/** Options of a {@link Series}. */
export interface SeriesOptions {
  /** Points older than `now - windowMs` are dropped. Default {@link DEFAULT_WINDOW_MS}. */
  readonly windowMs?: number
  /** Most points kept; must be at least 4. Default {@link DEFAULT_MAX_POINTS}. */
  readonly maxPoints?: number
}

/**
 * The points of one metric over a rolling window, ordered by timestamp and bounded in
 * memory by both the window and `maxPoints`. Deduplicates by event id, so live points
 * and a history backfill that overlap can be fed in any order. No DOM, no Chart.js.
 */
export class Series {
  /** Read by Chart.js directly; mutated in place so the chart keeps its reference. */
  readonly points: ChartPoint[] = []
  readonly windowMs: number
  readonly maxPoints: number
  #ids: number[] = []
  #known = new Set<number>()
  #latest: StoredEvent | undefined

  constructor (options: SeriesOptions = {}) {
    this.windowMs = options.windowMs ?? DEFAULT_WINDOW_MS
    this.maxPoints = Math.max(4, options.maxPoints ?? DEFAULT_MAX_POINTS)
  }

  /** The point with the highest id seen, kept even after it leaves the window. */
  get latest (): StoredEvent | undefined {
    return this.#latest
  }

  /** Highest id seen, or -1 before any point. */
  get lastId (): number {
    return this.#latest?.id ?? -1
  }

  /** Tags of the latest point. */
  get tags (): Tags | undefined {
    return this.#latest?.tags
  }

  /**
   * Adds a live point. Points with an id at or below {@link lastId} were already seen (the
   * stream replays on resume, a backfill may have fetched them) and are ignored.
   * Returns whether the series changed.
   */
  append (event: StoredEvent): boolean {
    if (event.id <= this.lastId) return false
    this.#insert(event)
    this.#bound()
    return true
  }

  /**
   * Merges backfilled points, in any order, skipping ids already held. Unlike
   * {@link append} it accepts ids below {@link lastId}: history fills in behind live points.
   * Returns whether the series changed.
   */
  merge (events: readonly StoredEvent[]): boolean {
    let changed = false
    for (const event of events) {
      if (this.#known.has(event.id)) continue
      this.#insert(event)
      changed = true
    }
    if (changed) this.#bound()
    return changed
  }

  /** Drops points older than `nowMs - windowMs`. Returns whether any were dropped. */
  trim (nowMs: number): boolean {
    const cutoff = nowMs - this.windowMs
    let count = 0
    for (const point of this.points) {
      if (point.x >= cutoff) break
      count++
    }
    if (count === 0) return false
    for (const id of this.#ids.splice(0, count)) this.#known.delete(id)
    this.points.splice(0, count)
    return true
  }

  /** Change from the oldest point in the window to the latest value, or undefined with fewer than 2 points. */
  change (): Change | undefined {
    const first = this.points[0]
    if (this.#latest === undefined || first === undefined || this.points.length < 2) return undefined
    return computeChange(first.y, this.#latest.value)
  }

  #insert (event: StoredEvent): void {
    const index = this.#indexFor(event.ts, event.id)
    if (index === this.points.length) {
      this.points.push({ x: event.ts, y: event.value })
      this.#ids.push(event.id)
    } else {
      this.points.splice(index, 0, { x: event.ts, y: event.value })
      this.#ids.splice(index, 0, event.id)
    }
    this.#known.add(event.id)
    if (event.id > this.lastId) this.#latest = event
  }

  // Position that keeps points sorted by (ts, id); the common case is the end, checked first.
  #indexFor (ts: number, id: number): number {
    const before = (i: number): boolean => {
      // Callers pass indexes within the array.
      const x = (this.points[i] as ChartPoint).x
      return x < ts || (x === ts && (this.#ids[i] as number) < id)
    }
    if (this.points.length === 0 || before(this.points.length - 1)) return this.points.length
    let low = 0
    let high = this.points.length - 1
    while (low < high) {
      const mid = (low + high) >>> 1
      if (before(mid)) low = mid + 1
      else high = mid
    }
    return low
  }

  // Bound memory even for a card that is never rendered: trim against the newest point, then cap.
  #bound (): void {
    const newest = this.points[this.points.length - 1]
    if (newest !== undefined) this.trim(newest.x)
    if (this.points.length > this.maxPoints) this.#thin()
  }

  // Keep recent points at full resolution and drop every second point of the older half,
  // so a fast metric costs at most maxPoints and the shape of its past is preserved.
  #thin (): void {
    const half = Math.floor(this.points.length / 2)
    let write = 1
    for (let read = 1; read < this.points.length; read++) {
      const keep = read >= half || read % 2 === 0
      const id = this.#ids[read] as number
      if (!keep) {
        this.#known.delete(id)
        continue
      }
      this.points[write] = this.points[read] as ChartPoint
      this.#ids[write] = id
      write++
    }
    this.points.length = write
    this.#ids.length = write
  }
}
