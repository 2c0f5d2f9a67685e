import type { StoredEvent } from '../../server/core/event.js'
import { parseCatalog, parseHistory } from './wire.js'

/** Most points asked for per metric; the server's maximum. */
export const HISTORY_LIMIT = 10_000
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
  /** Receives the points of one metric: first the catalog's latest point, then its history. */
  readonly load: (metric: string, events: readonly StoredEvent[]) => void
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

/**
 * Fills the board before (and after a reset of) the live stream: reads the catalog, hands
 * each metric's latest point to `load` at once so every card appears with its value, then
 * fetches each history (`from = now - windowMs`) a few at a time. A history that fails is
 * reported in the result and does not stop the others; a catalog that fails rejects.
 */
export async function backfill (options: BackfillOptions): Promise<BackfillResult> {
  const catalog = parseCatalog(await getJson(options.fetch, '/api/metrics'))
  if (catalog instanceof Error) throw catalog
  const accepts = options.accepts ?? (() => true)
  const summaries = catalog.filter((summary) => accepts(summary.metric))
  for (const summary of summaries) options.load(summary.metric, [summary])

  const from = (options.now ?? Date.now)() - options.windowMs
  const queue = summaries.map((summary) => summary.metric)
  const failed: Array<{ metric: string, error: Error }> = []
  const worker = async (): Promise<void> => {
    for (let metric = queue.shift(); metric !== undefined; metric = queue.shift()) {
      const url = `/api/metrics/${encodeURIComponent(metric)}/history?from=${from}&limit=${HISTORY_LIMIT}`
      try {
        const points = parseHistory(await getJson(options.fetch, url))
        if (points instanceof Error) throw points
        options.load(metric, points)
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
