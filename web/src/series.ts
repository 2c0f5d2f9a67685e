import type { StoredEvent, Tags } from '../../server/core/event.js'
import { computeChange, type Change } from './format.js'

/** Default rolling window of a card, in ms (5 minutes). */
export const DEFAULT_WINDOW_MS = 5 * 60_000
/** Default cap on points held per series; beyond it the older half is thinned. */
export const DEFAULT_MAX_POINTS = 2000
/**
 * Id held for history points, which have none. Below every real id, so a history point
 * sorts before a point with an id at the same time, is never {@link Series.latest}, and
 * never collides with a real id in the dedupe set.
 */
const HISTORY_ID = -1

/** A point in the shape Chart.js reads with `parsing: false`: `x` is a ms timestamp. */
export interface ChartPoint {
  readonly x: number
  readonly y: number
}

/** Figures over the points of a window. The mean is of the points held, so thinned history weighs less than it did. */
export interface WindowStats {
  readonly min: number
  readonly max: number
  readonly avg: number
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
 * memory by both the window and `maxPoints`. Holds two kinds of points: events with ids
 * (the catalog's latest point, then live points), deduplicated by id so they can be fed in
 * any order, and history points without ids (time buckets) drawn behind them. No DOM, no Chart.js.
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

  /**
   * Replaces the history points (the time buckets of the history endpoint, which carry no
   * ids) with `points`, in any order. Points with ids stay, except those stamped at or
   * before `coveredToMs` (the range's end): they are in the buckets already, and drawing
   * them twice would count them twice in sums and averages. History never changes
   * {@link latest} or {@link lastId}, so which live points are new is decided by the
   * events alone. Returns whether the series changed.
   */
  setHistory (points: readonly ChartPoint[], coveredToMs = Number.NEGATIVE_INFINITY): boolean {
    const added = [...points].sort((a, b) => a.x - b.x)
    const merged: ChartPoint[] = []
    const ids: number[] = []
    let next = 0
    for (let i = 0; i < this.points.length; i++) {
      const id = this.#ids[i] as number
      if (id === HISTORY_ID) continue
      const point = this.points[i] as ChartPoint
      if (point.x <= coveredToMs) {
        this.#known.delete(id)
        continue
      }
      // At equal times history goes first, as #indexFor would place it.
      for (; next < added.length && (added[next] as ChartPoint).x <= point.x; next++) {
        merged.push(added[next] as ChartPoint)
        ids.push(HISTORY_ID)
      }
      merged.push(point)
      ids.push(id)
    }
    for (; next < added.length; next++) {
      merged.push(added[next] as ChartPoint)
      ids.push(HISTORY_ID)
    }
    if (added.length === 0 && merged.length === this.points.length) return false
    this.points.splice(0, this.points.length, ...merged)
    this.#ids = ids
    this.#bound()
    return true
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

  /** Lowest, highest and mean value of the points in the window, or undefined when empty. */
  stats (): WindowStats | undefined {
    if (this.points.length === 0) return undefined
    let min = Number.POSITIVE_INFINITY
    let max = Number.NEGATIVE_INFINITY
    let sum = 0
    for (const point of this.points) {
      min = Math.min(min, point.y)
      max = Math.max(max, point.y)
      sum += point.y
    }
    return { min, max, avg: sum / this.points.length }
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
    while (this.points.length > this.maxPoints) this.#thin()
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
