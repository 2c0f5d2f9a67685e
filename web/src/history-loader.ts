import { backfill, type BackfillOptions, type BackfillResult } from './history.js'

/** Options of a {@link HistoryLoader}: those of {@link backfill} that stay the same from load to load. */
export interface HistoryLoaderOptions extends Omit<BackfillOptions, 'windowMs' | 'accepts'> {
  /** Metrics the board shows. */
  readonly accepts: (metric: string) => boolean
  /**
   * Called when a load of every metric ends and no newer one has started: with its result,
   * or with the error that stopped it (the catalog failed). A load of one metric reports
   * only such an error.
   */
  readonly onLoaded: (outcome: BackfillResult | Error) => void
}

/**
 * Runs the board's history loads. A load of every metric supersedes those before it, whose
 * results are then dropped, so a reset during a backfill cannot mix old and new. A load of
 * one metric (a card built anew) belongs to the load in progress.
 */
export class HistoryLoader {
  #options: HistoryLoaderOptions
  #generation = 0

  constructor (options: HistoryLoaderOptions) {
    this.#options = options
  }

  /**
   * Loads the latest point and the history over `windowMs` (in ms) of every metric the
   * board shows, or of `only`; the outcome goes to `onLoaded`.
   */
  load (windowMs: number, only?: string): void {
    const options = this.#options
    const mine = only === undefined ? ++this.#generation : this.#generation
    const current = (): boolean => mine === this.#generation
    backfill({
      ...options,
      windowMs,
      accepts: only === undefined ? options.accepts : (metric) => metric === only,
      loadLatest: (summary) => { if (current()) options.loadLatest(summary) },
      loadHistory: (metric, history) => { if (current()) options.loadHistory(metric, history) }
    }).then((result) => {
      if (current() && only === undefined) options.onLoaded(result)
    }, (err: unknown) => {
      if (current()) options.onLoaded(err instanceof Error ? err : new Error(String(err)))
    })
  }
}
