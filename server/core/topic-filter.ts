/** A predicate over metric names, compiled from a list of globs. */
export interface TopicFilter {
  /** Canonical form of the globs (sorted, deduplicated); equal filters have equal keys. */
  readonly key: string
  readonly matches: (metric: string) => boolean
}

const MATCH_ALL: TopicFilter = { key: '*', matches: () => true }

function escapeRegExp (text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * Compiles comma-separated globs such as `btc.*,cpu.load` into one predicate.
 * `*` matches any run of characters, dots included. An empty list matches everything.
 */
export function compileTopicFilter (globs: readonly string[]): TopicFilter {
  const unique = [...new Set(globs.map((g) => g.trim()).filter((g) => g.length > 0))].sort()
  if (unique.length === 0 || unique.includes('*')) return MATCH_ALL
  const source = unique.map((glob) => escapeRegExp(glob).replaceAll('*', '.*')).join('|')
  const pattern = new RegExp(`^(?:${source})$`)
  return { key: unique.join(','), matches: (metric) => pattern.test(metric) }
}

/** Splits a `?metrics=` query value into globs. */
export function parseTopicList (value: string | undefined): string[] {
  return value === undefined ? [] : value.split(',')
}
