/** Default number of distinct globs one filter may hold. */
export const DEFAULT_MAX_FILTER_GLOBS = 400

/** A predicate over metric names, compiled from a list of globs. */
export interface MetricFilter {
  /** Canonical form of the globs (sorted, deduplicated); equal filters have equal keys. */
  readonly key: string
  /** Distinct globs the filter tests; 0 for one that matches everything, which tests none. */
  readonly globCount: number
  readonly matches: (metric: string) => boolean
}

const MATCH_ALL: MetricFilter = { key: '*', globCount: 0, matches: () => true }

/** A glob with stars, split at them: the name starts with `head`, ends with `tail`, and holds `middle` in order between. */
interface StarGlob {
  readonly head: string
  readonly middle: readonly string[]
  readonly tail: string
  /** Shortest name that can match. */
  readonly minLength: number
  /** {@link charMask} of the parts: a name lacking one of these bits cannot match. */
  readonly mask: number
}

/**
 * One bit per character, by its code modulo 32. A name whose mask lacks a bit of
 * a glob's mask lacks a character the glob needs, so most globs of a long list
 * are ruled out by one AND instead of a search.
 */
function charMask (text: string): number {
  let mask = 0
  for (let i = 0; i < text.length; i++) mask |= 1 << (text.charCodeAt(i) & 31)
  return mask
}

function splitAtStars (glob: string): StarGlob {
  // A glob with a star splits into two parts at least.
  const parts = glob.split('*')
  const head = parts[0]!
  const tail = parts[parts.length - 1]!
  const middle = parts.slice(1, -1)
  const literal = parts.join('')
  return { head, middle, tail, minLength: literal.length, mask: charMask(literal) }
}

/**
 * Whether `text` matches a glob where `*` stands for any run of characters.
 * With `*` as the only wildcard, taking each middle part at its first place
 * after the previous one is never wrong, so there is no backtracking: one
 * native `indexOf` per part, at most glob × text steps whatever the pattern,
 * where a regular expression of many `.*` can take exponential time on a
 * crafted name.
 */
function matchStarGlob (glob: StarGlob, text: string, textMask: number): boolean {
  if ((glob.mask & ~textMask) !== 0 || text.length < glob.minLength || !text.startsWith(glob.head) || !text.endsWith(glob.tail)) return false
  const end = text.length - glob.tail.length
  let at = glob.head.length
  for (const part of glob.middle) {
    const found = text.indexOf(part, at)
    if (found === -1 || found + part.length > end) return false
    at = found + part.length
  }
  return true
}

/**
 * Compiles comma-separated globs such as `btc.*,cpu.load` into one predicate.
 * `*` matches any run of characters, dots included. An empty list matches everything.
 */
export function compileMetricFilter (globs: readonly string[]): MetricFilter {
  const unique = [...new Set(globs.map((g) => g.trim().replace(/\*+/g, '*')).filter((g) => g.length > 0))].sort()
  if (unique.length === 0 || unique.includes('*')) return MATCH_ALL
  const exact = new Set(unique.filter((glob) => !glob.includes('*')))
  const patterns = unique.filter((glob) => glob.includes('*')).map(splitAtStars)
  return {
    key: unique.join(','),
    globCount: unique.length,
    matches: (metric) => {
      if (exact.has(metric)) return true
      const mask = charMask(metric)
      for (const glob of patterns) if (matchStarGlob(glob, metric, mask)) return true
      return false
    }
  }
}

/** Splits a `?metrics=` query value into globs. */
export function parseMetricList (value: string | undefined): string[] {
  return value === undefined ? [] : value.split(',')
}
