import { compileMetricFilter } from '../../server/core/metric-filter.js'

/**
 * The `?metrics=` page parameter: which metric globs this board shows. The server filters
 * the stream with the same globs; the catalog is filtered here with the same matcher,
 * imported from server/core so both sides agree on what a glob means.
 */

/** Reads the comma-separated globs of `?metrics=` from a query string; empty means all. */
export function parseTopics (search: string): string[] {
  const value = new URLSearchParams(search).get('metrics') ?? ''
  return value.split(',').map((glob) => glob.trim()).filter((glob) => glob.length > 0)
}

/** Compiles globs (`*` matches any run of characters, dots included) into one predicate; none matches all. */
export function compileGlobs (globs: readonly string[]): (metric: string) => boolean {
  return compileMetricFilter(globs).matches
}
