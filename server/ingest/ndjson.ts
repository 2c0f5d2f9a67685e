import sjson from 'secure-json-parse'

/** Result of `parseNdjson`: the values with their 1-based line numbers, or the first bad line. */
export type NdjsonResult =
  | { readonly ok: true, readonly items: unknown[], readonly lines: number[] }
  /** `message` says what is wrong, not where: callers prefix `line ${line}`. */
  | { readonly ok: false, readonly line: number, readonly message: string }

// The same refusals as Fastify's JSON body parser, so both formats accept the same objects.
const PARSE_OPTIONS = { protoAction: 'error', constructorAction: 'error' } as const

const BLANK = /^\s*$/

/**
 * Parses newline-delimited JSON: one value per line, `\n` or `\r\n` endings. Blank
 * lines (and a final newline) are skipped, so `lines[i]` carries the real line number
 * of `items[i]` for error messages. A line with a `__proto__` key or a
 * `constructor.prototype` path is refused. A body with no values is an error at line 0.
 * Linear in the size of the text.
 */
export function parseNdjson (text: string): NdjsonResult {
  const items: unknown[] = []
  const lines: number[] = []
  const rows = text.split('\n')
  for (const [index, row] of rows.entries()) {
    if (BLANK.test(row)) continue
    const line = index + 1
    try {
      items.push(sjson.parse(row, null, PARSE_OPTIONS))
    } catch (err) {
      // JSON.parse and secure-json-parse throw only SyntaxError for bad text: that is the client's error.
      return { ok: false, line, message: (err as Error).message }
    }
    lines.push(line)
  }
  if (items.length === 0) return { ok: false, line: 0, message: 'empty body: expected one JSON value per line' }
  return { ok: true, items, lines }
}
