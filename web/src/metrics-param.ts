import { compileMetricFilter } from '../../server/core/metric-filter.js'

/**
 * The `?metrics=` page parameter: which metric globs this board shows. The server filters
 * the stream with the same globs; the catalog is filtered here with the same matcher,
 * imported from server/core so both sides agree on what a glob means.
 */

/** The `?metrics=` globs of a page, read once, and the predicate they compile to. */
export interface MetricsParam {
  /** The globs as given, for the stream's URL; empty means all. */
  readonly globs: readonly string[]
  /** Whether the board shows `metric`. */
  readonly matches: (metric: string) => boolean
}

/** Reads the comma-separated globs of `?metrics=` from a query string; none means all. */
export function parseMetricsParam (search: string): MetricsParam {
  const value = new URLSearchParams(search).get('metrics') ?? ''
  const globs = value.split(',').map((glob) => glob.trim()).filter((glob) => glob.length > 0)
  return { globs, matches: compileGlobs(globs) }
}

/** Compiles globs (`*` matches any run of characters, dots included) into one predicate; none matches all. */
export function compileGlobs (globs: readonly string[]): (metric: string) => boolean {
  return compileMetricFilter(globs).matches
}
