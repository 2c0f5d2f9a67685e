import type { MetricBuckets, MetricSummary } from '../../server/core/event.js'
import type { ChartPoint } from './series.js'
import { parseBuckets, parseCatalog } from './wire.js'

/** Most buckets asked for per metric; the server's maximum. */
export const MAX_BUCKETS = 10_000
/** Width of the buckets asked for, in ms: one per second of the window, about a pixel of a card's chart. */
export const BUCKET_TARGET_MS = 1000
/** Parallel history requests. The page's one stream holds one of the six connections a browser allows per host. */
export const DEFAULT_CONCURRENCY = 4

/** The part of a fetch `Response` used here. */
export interface ResponseLike {
  readonly ok: boolean
  readonly status: number
  json (): Promise<unknown>
}

/** Options of {@link backfill}. */
export interface BackfillOptions {
  /** `fetch` in a browser; a fake in tests. */
  readonly fetch: (url: string) => Promise<ResponseLike>
  /** How far back to load, in ms. */
  readonly windowMs: number
  /** Wall clock in ms; default `Date.now`. */
  readonly now?: () => number
  /** Metrics to load; default all. */
  readonly accepts?: (metric: string) => boolean
  /** Receives each metric's latest point from the catalog, before any history; its id is the last one seen. */
  readonly loadLatest: (summary: MetricSummary) => void
  /** Receives the history of one metric: its time buckets, oldest first (see {@link bucketPoints}). */
  readonly loadHistory: (metric: string, history: MetricBuckets) => void
  /** Buckets to ask for per metric, e.g. one per pixel of its chart; default {@link bucketCount} of the window. */
  readonly points?: (metric: string) => number
  /** Parallel history requests; default {@link DEFAULT_CONCURRENCY}. */
  readonly concurrency?: number
}

/** What a backfill did. */
export interface BackfillResult {
  /** Metrics in the catalog that this board shows. */
  readonly metrics: number
  /** Metrics whose history failed to load, with the reason. */
  readonly failed: ReadonlyArray<{ readonly metric: string, readonly error: Error }>
}

async function getJson (fetcher: BackfillOptions['fetch'], url: string): Promise<unknown> {
  const response = await fetcher(url)
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`)
  return response.json()
}

/** Number of buckets for a window of `windowMs`: one per {@link BUCKET_TARGET_MS}, at least 1, at most {@link MAX_BUCKETS}. */
export function bucketCount (windowMs: number): number {
  return Math.min(MAX_BUCKETS, Math.max(1, Math.ceil(windowMs / BUCKET_TARGET_MS)))
}

/**
 * One chart point per bucket: its `last` value at the bucket's end, capped at the range's
 * end (`toMs`, the server's clock). That is the value the metric had when the bucket
 * closed, so a line through these points, then on through live points, is off by at most
 * one bucket width in time and never places a value before it was recorded.
 */
export function bucketPoints (history: MetricBuckets): ChartPoint[] {
  return history.buckets.map((bucket) => ({ x: Math.min(bucket.t + history.bucketMs, history.toMs), y: bucket.last }))
}

/**
 * Fills the board before (and after a reset of) the live stream: reads the catalog, hands
 * each metric's latest point to `loadLatest` at once so every card appears with its value,
 * then fetches each history as time buckets over the window (`from = now - windowMs`; `to`
 * is left to the server's clock so the newest points are in) a few at a time. A history that
 * fails is reported in the result and does not stop the others; a catalog that fails rejects.
 */
export async function backfill (options: BackfillOptions): Promise<BackfillResult> {
  const catalog = parseCatalog(await getJson(options.fetch, '/api/metrics'))
  if (catalog instanceof Error) throw catalog
  const accepts = options.accepts ?? (() => true)
  const summaries = catalog.filter((summary) => accepts(summary.metric))
  for (const summary of summaries) options.loadLatest(summary)

  const fromMs = Math.max(0, (options.now ?? Date.now)() - options.windowMs)
  const points = (metric: string): number =>
    Math.min(MAX_BUCKETS, Math.max(1, Math.round(options.points?.(metric) ?? bucketCount(options.windowMs))))
  const queue = summaries.map((summary) => summary.metric)
  const failed: Array<{ metric: string, error: Error }> = []
  const worker = async (): Promise<void> => {
    for (let metric = queue.shift(); metric !== undefined; metric = queue.shift()) {
      const url = `/api/metrics/${encodeURIComponent(metric)}/history?from=${fromMs}&points=${points(metric)}`
      try {
        const history = parseBuckets(await getJson(options.fetch, url))
        if (history instanceof Error) throw history
        options.loadHistory(metric, history)
      } catch (err) {
        // One metric's history is an enhancement: its card still has the latest point and goes on live.
        failed.push({ metric, error: err instanceof Error ? err : new Error(String(err)) })
      }
    }
  }
  const workers = Math.max(1, Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, queue.length))
  await Promise.all(Array.from({ length: workers }, worker))
  return { metrics: summaries.length, failed }
}
