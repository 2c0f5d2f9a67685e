import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { MetricPoint } from '../core/event.js'
import type { HubStats } from '../hub/hub.js'
import type { RefusalCounts } from '../http/refusal-log.js'

/** Default interval between two self-metric publishes, in ms. */
export const DEFAULT_SELF_METRICS_MS = 1000
/** Interval of the event-loop delay sampler, in ms. */
const LOOP_SAMPLE_MS = 10

export interface SelfMetricsOptions {
  /** Appends to the event log, as a client's publish does. */
  readonly append: (points: MetricPoint[]) => Promise<unknown>
  readonly hubStats: () => HubStats
  /** Open stream connections. */
  readonly clients: () => number
  /** Clients cut off so far for not reading fast enough. */
  readonly slowConsumerCutoffs: () => number
  /** Requests refused so far, by kind (full server, rate limit, bad request). */
  readonly refusals: () => Readonly<RefusalCounts>
  /** Called when a publish fails; self-metrics never throw. */
  readonly onError: (err: unknown) => void
  /** Interval in ms (default 1,000). */
  readonly intervalMs?: number
  /**
   * Name of this instance among several sharing one stream (default none). When set, figures go
   * under `pulseboard.<instance>.*` so each instance gets its own charts instead of one interleaved line.
   */
  readonly instance?: string | undefined
}

/**
 * Publishes the server's own figures every interval under `pulseboard.*`, so
 * a fresh dashboard is live with real numbers. Returns a function that stops it.
 */
export function startSelfMetrics (options: SelfMetricsOptions): () => void {
  const intervalMs = options.intervalMs ?? DEFAULT_SELF_METRICS_MS
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS })
  loopDelay.enable()
  let last = { at: performance.now(), cpu: process.cpuUsage(), stats: options.hubStats() }
  const prefix = options.instance === undefined ? 'pulseboard.' : `pulseboard.${options.instance}.`

  const tick = (): void => {
    const at = performance.now()
    const cpu = process.cpuUsage()
    const stats = options.hubStats()
    const seconds = (at - last.at) / 1000
    const cpuMicros = cpu.user + cpu.system - last.cpu.user - last.cpu.system
    const ts = Date.now()
    const point = (metric: string, value: number): MetricPoint => ({ metric: prefix + metric, value: round(value), ts })
    const points = [
      point('clients', options.clients()),
      point('points_in_per_s', (stats.published - last.stats.published) / seconds),
      point('points_out_per_s', (stats.delivered - last.stats.delivered) / seconds),
      point('rss_mib', process.memoryUsage.rss() / 1024 / 1024),
      // Each sample is the whole time between two ticks of the sampling timer; the delay is what exceeds its interval.
      point('event_loop_p99_ms', Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_SAMPLE_MS)),
      point('cpu_percent', cpuMicros / 1e4 / seconds),
      point('slow_consumer_cutoffs', options.slowConsumerCutoffs()),
      ...Object.entries(options.refusals()).map(([kind, count]) => point(`refusals_${kind}`, count))
    ]
    loopDelay.reset()
    last = { at, cpu, stats }
    options.append(points).catch(options.onError)
  }

  const timer = setInterval(tick, intervalMs)
  return () => {
    clearInterval(timer)
    loopDelay.disable()
  }
}

function round (value: number): number {
  return Number.isFinite(value) ? Math.round(value * 100) / 100 : 0
}
