import type { ChartPoint } from './series.js'

/**
 * Rates from the points of a series, oldest first. Pure, so the counter and rate
 * cards are unit-tested in Node.
 */

/**
 * Increase of a monotonic counter between two readings. A reading below the previous one
 * is a reset (the process restarted and counts from zero again), so the increase is the
 * new reading itself, as Prometheus' `rate()` counts it.
 */
export function counterIncrease (previous: number, current: number): number {
  return current >= previous ? current - previous : current
}

/**
 * Per-second rate between each pair of neighbouring readings of a counter, placed at the
 * later reading; resets count from zero (see {@link counterIncrease}). Pairs with the same
 * time are skipped: they say nothing about a rate.
 */
export function counterRates (points: readonly ChartPoint[]): ChartPoint[] {
  const rates: ChartPoint[] = []
  for (let i = 1; i < points.length; i++) {
    const before = points[i - 1] as ChartPoint
    const point = points[i] as ChartPoint
    const elapsedMs = point.x - before.x
    if (elapsedMs <= 0) continue
    rates.push({ x: point.x, y: (counterIncrease(before.y, point.y) * 1000) / elapsedMs })
  }
  return rates
}

/** Total increase of a counter over all `points`, resets included; 0 with fewer than two. */
export function counterTotal (points: readonly ChartPoint[]): number {
  let total = 0
  for (let i = 1; i < points.length; i++) total += counterIncrease((points[i - 1] as ChartPoint).y, (points[i] as ChartPoint).y)
  return total
}

/** Sum of event counts over `points` (each point says how many events happened). */
export function eventTotal (points: readonly ChartPoint[]): number {
  let total = 0
  for (const point of points) total += point.y
  return total
}

/**
 * Running total of event counts, one point per event point: the line a rate card
 * draws, rising by each point's count.
 */
export function runningTotal (points: readonly ChartPoint[]): ChartPoint[] {
  let total = 0
  return points.map((point) => {
    total += point.y
    return { x: point.x, y: total }
  })
}

/** `amount` spread over `spanMs` as a per-second rate; 0 for an empty span. */
export function perSecond (amount: number, spanMs: number): number {
  return spanMs > 0 ? (amount * 1000) / spanMs : 0
}
