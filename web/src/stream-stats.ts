/**
 * Figures for the status bar: points per second arriving and the latency from each point's
 * `ts` to its arrival, over a sliding span. Pure: time is passed in, so it is unit-tested.
 */

/** Span the figures cover, in ms. */
export const DEFAULT_SPAN_MS = 5000
/** Most samples held; beyond it the oldest go, so a flood costs a fixed amount of memory. */
export const DEFAULT_MAX_SAMPLES = 10_000

/** Options of {@link StreamStats}. */
export interface StreamStatsOptions {
  /** Default {@link DEFAULT_SPAN_MS}, in ms. */
  readonly spanMs?: number
  /** Default {@link DEFAULT_MAX_SAMPLES}. */
  readonly maxSamples?: number
}

/** A ring of (arrival time, latency) samples. */
export class StreamStats {
  readonly spanMs: number
  #arrivals: Float64Array
  #latencies: Float64Array
  #start = 0
  #size = 0

  constructor (options: StreamStatsOptions = {}) {
    this.spanMs = options.spanMs ?? DEFAULT_SPAN_MS
    const capacity = Math.max(1, options.maxSamples ?? DEFAULT_MAX_SAMPLES)
    this.#arrivals = new Float64Array(capacity)
    this.#latencies = new Float64Array(capacity)
  }

  /** Records a point stamped `ts` that arrived at `arrivalMs` (both ms since the epoch). */
  record (ts: number, arrivalMs: number): void {
    const capacity = this.#arrivals.length
    const index = (this.#start + this.#size) % capacity
    this.#arrivals[index] = arrivalMs
    this.#latencies[index] = arrivalMs - ts
    if (this.#size < capacity) this.#size++
    else this.#start = (this.#start + 1) % capacity
  }

  /** Points per second over the span ending at `nowMs`. */
  rate (nowMs: number): number {
    this.#expire(nowMs)
    return (this.#size * 1000) / this.spanMs
  }

  /** Median latency in ms over the span ending at `nowMs`, or undefined with no sample. */
  latencyP50 (nowMs: number): number | undefined {
    this.#expire(nowMs)
    if (this.#size === 0) return undefined
    const sorted = new Float64Array(this.#size)
    for (let i = 0; i < this.#size; i++) sorted[i] = this.#latencies[(this.#start + i) % this.#latencies.length] as number
    sorted.sort()
    const mid = this.#size >>> 1
    return this.#size % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
  }

  #expire (nowMs: number): void {
    const cutoff = nowMs - this.spanMs
    while (this.#size > 0 && (this.#arrivals[this.#start] as number) <= cutoff) {
      this.#start = (this.#start + 1) % this.#arrivals.length
      this.#size--
    }
  }
}
