import type { MetricBuckets } from '../../server/core/event.js'

/** Candle intervals offered by a price card, in ms: 1 s, 10 s, 1 min, 5 min. */
export const CANDLE_INTERVALS_MS: readonly number[] = [1000, 10_000, 60_000, 300_000]
/** Interval of a new price card, in ms. */
export const DEFAULT_CANDLE_MS = 10_000
/** Most candles held per card; a wide window at a short interval keeps only the newest. */
export const DEFAULT_MAX_CANDLES = 400

/** One candle in the shape chartjs-chart-financial reads: `x` is the interval's start in ms. */
export interface Candle {
  x: number
  o: number
  h: number
  l: number
  c: number
}

/** Options of a {@link CandleSeries}. */
export interface CandleSeriesOptions {
  /** Width of a candle in ms. Default {@link DEFAULT_CANDLE_MS}. */
  readonly intervalMs?: number
  /** Most candles kept. Default {@link DEFAULT_MAX_CANDLES}. */
  readonly maxCandles?: number
}

/**
 * Open, high, low and close per interval, from history buckets and live points. Candles
 * start on multiples of the interval, so buckets of any width (the server aligns them on
 * the range's start) and live points land in the same candles. Bounded by `maxCandles`.
 */
export class CandleSeries {
  /** Oldest first; read by Chart.js in place, so the chart keeps its reference. */
  readonly candles: Candle[] = []
  readonly intervalMs: number
  readonly maxCandles: number
  /** Time of the newest value in the last candle: a later bucket of the same candle closes it. */
  #closeTs = Number.NEGATIVE_INFINITY

  constructor (options: CandleSeriesOptions = {}) {
    this.intervalMs = Math.max(1, options.intervalMs ?? DEFAULT_CANDLE_MS)
    this.maxCandles = Math.max(1, options.maxCandles ?? DEFAULT_MAX_CANDLES)
  }

  /**
   * Replaces every candle with those built from the history's buckets (oldest first). A
   * bucket counts at its start for the candle it falls in, and at its end (capped at the
   * range's end) as that candle's close time, so the live points that follow move the close on.
   */
  setHistory (history: MetricBuckets): void {
    this.candles.length = 0
    this.#closeTs = Number.NEGATIVE_INFINITY
    for (const bucket of history.buckets) {
      const endTs = Math.min(bucket.t + history.bucketMs - 1, history.toMs)
      this.#add(bucket.t, endTs, bucket.first, bucket.max, bucket.min, bucket.last)
    }
  }

  /**
   * Adds one live point to its candle. A point for a candle older than the last is
   * dropped (too late to redraw the past); one older than the last close moves only the
   * high and low. Returns whether a candle changed.
   */
  add (ts: number, value: number): boolean {
    return this.#add(ts, ts, value, value, value, value)
  }

  /** Drops candles that ended before `fromMs`. */
  trim (fromMs: number): void {
    let count = 0
    while (count < this.candles.length && (this.candles[count] as Candle).x + this.intervalMs <= fromMs) count++
    if (count > 0) this.candles.splice(0, count)
  }

  #startOf (ts: number): number {
    return Math.floor(ts / this.intervalMs) * this.intervalMs
  }

  #add (startTs: number, endTs: number, open: number, high: number, low: number, close: number): boolean {
    const x = this.#startOf(startTs)
    const last = this.candles.at(-1)
    if (last !== undefined && last.x === x) {
      last.h = Math.max(last.h, high)
      last.l = Math.min(last.l, low)
      if (endTs >= this.#closeTs) {
        last.c = close
        this.#closeTs = endTs
      }
      return true
    }
    if (last !== undefined && x < last.x) return false
    this.candles.push({ x, o: open, h: high, l: low, c: close })
    this.#closeTs = endTs
    if (this.candles.length > this.maxCandles) this.candles.shift()
    return true
  }
}
