import t from 'tap'
import { parseNdjson } from '../../../server/ingest/ndjson.js'

t.test('parses one JSON value per line', async (t) => {
  const text = '{"metric":"a","value":1}\n{"metric":"b","value":2}\n'
  t.strictSame(parseNdjson(text), {
    ok: true,
    items: [{ metric: 'a', value: 1 }, { metric: 'b', value: 2 }],
    lines: [1, 2]
  })
})

t.test('accepts CRLF line endings and no final newline', async (t) => {
  t.strictSame(parseNdjson('{"a":1}\r\n{"b":2}\r\n3'), { ok: true, items: [{ a: 1 }, { b: 2 }, 3], lines: [1, 2, 3] })
})

t.test('skips blank lines and keeps the real line numbers', async (t) => {
  const text = '\n{"a":1}\n\n  \r\n\t\n{"b":2}\r\n\n'
  t.strictSame(parseNdjson(text), { ok: true, items: [{ a: 1 }, { b: 2 }], lines: [2, 6] })
})

t.test('a bad line reports its line number', async (t) => {
  const result = parseNdjson('{"a":1}\n\n{"a":2}\n{"a":\n{"a":4}')
  t.match(result, { ok: false, line: 4, message: /JSON/ })
  t.notMatch(result, { message: /^line/ }, 'the caller adds the position')
})

t.test('two values on one line are refused', async (t) => {
  t.match(parseNdjson('{"a":1} {"a":2}'), { ok: false, line: 1 })
})

t.test('refuses __proto__ keys and constructor.prototype, as the JSON parser does', async (t) => {
  t.match(parseNdjson('{"a":1}\n{"metric":"a","__proto__":{"polluted":true}}'), {
    ok: false, line: 2, message: 'Object contains forbidden prototype property'
  })
  t.match(parseNdjson('{"tags":{"constructor":{"prototype":{"x":1}}}}'), {
    ok: false, line: 1, message: 'Object contains forbidden prototype property'
  })
  t.equal(({} as Record<string, unknown>).polluted, undefined)
})

t.test('an empty body is an error at line 0', async (t) => {
  for (const text of ['', '\n', '\r\n\r\n', '   ']) {
    t.strictSame(parseNdjson(text), { ok: false, line: 0, message: 'empty body: expected one JSON value per line' }, JSON.stringify(text))
  }
})

t.test('parses 10,000 lines quickly', async (t) => {
  const line = '{"metric":"cpu.load","value":0.5,"tags":{"host":"a"}}'
  const text = Array.from({ length: 10_000 }, () => line).join('\r\n')
  const started = process.hrtime.bigint()
  const result = parseNdjson(text)
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6
  t.ok(result.ok)
  if (result.ok) t.equal(result.lines.at(-1), 10_000)
  // Generous bound so a slow CI machine passes; a quadratic parser takes seconds.
  t.ok(elapsedMs < 500, `took ${elapsedMs.toFixed(1)} ms`)
})
