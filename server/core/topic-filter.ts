/** A predicate over metric names, compiled from a list of globs. */
export interface TopicFilter {
  /** Canonical form of the globs (sorted, deduplicated); equal filters have equal keys. */
  readonly key: string
  readonly matches: (metric: string) => boolean
}

const MATCH_ALL: TopicFilter = { key: '*', matches: () => true }

/**
 * Whether `text` matches `glob`, where `*` stands for any run of characters.
 * Two pointers with one backtrack point: at most glob × text steps whatever
 * the pattern, where a regular expression of many `.*` can take exponential
 * time on a crafted name.
 */
function matchGlob (glob: string, text: string): boolean {
  let g = 0
  let t = 0
  let star = -1
  let resumeAt = 0
  while (t < text.length) {
    if (glob[g] === '*') {
      star = g++
      resumeAt = t
    } else if (g < glob.length && glob[g] === text[t]) {
      g++
      t++
    } else if (star !== -1) {
      g = star + 1
      t = ++resumeAt
    } else {
      return false
    }
  }
  while (glob[g] === '*') g++
  return g === glob.length
}

/**
 * Compiles comma-separated globs such as `btc.*,cpu.load` into one predicate.
 * `*` matches any run of characters, dots included. An empty list matches everything.
 */
export function compileTopicFilter (globs: readonly string[]): TopicFilter {
  const unique = [...new Set(globs.map((g) => g.trim().replace(/\*+/g, '*')).filter((g) => g.length > 0))].sort()
  if (unique.length === 0 || unique.includes('*')) return MATCH_ALL
  const exact = new Set(unique.filter((glob) => !glob.includes('*')))
  const patterns = unique.filter((glob) => glob.includes('*'))
  return { key: unique.join(','), matches: (metric) => exact.has(metric) || patterns.some((glob) => matchGlob(glob, metric)) }
}

/** Splits a `?metrics=` query value into globs. */
export function parseTopicList (value: string | undefined): string[] {
  return value === undefined ? [] : value.split(',')
}
