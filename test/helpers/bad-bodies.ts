/**
 * Generators of bad `POST /api/events` requests for the fuzz test. Every case is
 * built from its own PRNG seeded by (seed, index), so `badBodyAt(seed, index)`
 * rebuilds any one case without replaying the others.
 */

/** Request headers as Node's http client takes them: an array value sends the header once per item. */
export type RequestHeaders = Record<string, string | string[]>

/** One generated request. */
export interface BadBody {
  readonly kind: string
  readonly body: string | Buffer
  readonly headers: RequestHeaders
  /** The status a correct server answers. */
  readonly status: 400 | 413 | 415
  /** Send without Content-Length, in two chunks. */
  readonly chunked?: boolean
}

type Rng = () => number

/** mulberry32: small, fast and good enough to pick cases. */
export function mulberry32 (seed: number): Rng {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), a | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

const int = (rng: Rng, min: number, max: number): number => min + Math.floor(rng() * (max - min + 1))
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!
const q = (text: string): string => JSON.stringify(text)
const repeat = (n: number, f: (i: number) => string): string => Array.from({ length: n }, (_, i) => f(i)).join(',')

const JSON_CT = { 'content-type': 'application/json' }
const NDJSON_CT = { 'content-type': 'application/x-ndjson' }

const VALUE_BAD = ['"0.5"', '"1"', '""', 'null', 'true', 'false', '[]', '[1]', '{}', '{"a":1}', '1e400', '-1e400',
  '9'.repeat(400), 'NaN', '-NaN', 'Infinity', '-Infinity', '"NaN"', '"Infinity"', '"-Infinity"', '0x10', '01', '.5',
  '+1', '1.', '- 1', 'undefined', "'1'", '1_000', '{"__proto__":1}']
const METRIC_BAD = ['1', '0', '[]', '["x"]', '{}', 'null', 'true', '""', '"_x"', '"-x"', '".x"', '"a b"', '"a*b"',
  '"x\\n"', '"a\\u0000b"', '"ä"', '"😀"', '"a?b"', '"a,b"', '"a\\\\b"', '"x\\t"', '" x"', '"x "']
const TS_BAD = ['true', 'false', '{}', '[]', '[1]', 'null', '-1', '-0.5', '-1e10', '8640000000000001', '1e300', '1e400',
  '-1e400', 'NaN', '"NaN"', '""', '"yesterday"', '"2026-13-01"', '"2026-00-10"', '"2026-02-30"', '"2026-02-29"',
  '"2025-11-31"', '"2026-11-23T24:00Z"', '"2026-11-23T25:00Z"', '"2026-11-23T10:60Z"', '"2026-11-23T10:00:60Z"',
  '"2026-11-23T10:00"', '"2026-11-23T10:00:00"', '"2026-11-23 10:00:00Z"', '"2026-11-23T10:00:00+24:00"',
  '"2026-11-23T10:00:00+01:60"', '"1969-12-31T23:59:59Z"', '"1969-12-31"', '"0000-01-01"', '"+275760-09-13"',
  '"26-11-23"', '"2026-1-1"', '"1795428000000"', '"2026-11-23T10:00:00.1234567890Z"', '"2026-11-23T10:00:00z"',
  '"2026-11-23t10:00Z"', '"1970-01-01T00:00:00+00:01"', '{"$date":1}']
const TAGS_BAD = ['[]', '["a"]', '"a"', '1', 'true', 'null', '{"a":{"b":"c"}}', '{"a":1}', '{"a":true}', '{"a":null}',
  '{"a":["x"]}', '{"a":1e400}', '{"a":{}}', '{"":"x"}', '{"constructor":"x"}', '{"prototype":"x"}',
  '{"__proto__":"x"}', '{"a":"x","__proto__":{"polluted":"yes"}}', '{"\\u005f_proto__":"x"}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}']
const EXTRA_BAD = ['"valeu":1', '"Metric":"x"', '"tag":{}', '"id":1', '"":1', '"prototype":{}', '"constructor":{}',
  '"constructor":{"prototype":{"polluted":true}}', '"__proto__":{"polluted":true}', '"\\u005f_proto__":{}',
  '"__proto__":null', '"toString":"x"', '"hasOwnProperty":1']
/** Items that are not a point; none of them is a valid body on its own either. */
const ITEM_BAD = ['1', '"x"', 'null', 'true', '[]', '[[{"metric":"x","value":1}]]', '"{\\"metric\\":\\"x\\",\\"value\\":1}"']
const METRICS = ['cpu.load', 'btc.usd', 'web/signups', 'a', 'x:y-z_1']
const CT_WRONG = ['text/plain', 'text/json', 'application/xml', 'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x', 'application/ndjson', 'application/jsonl', 'application/json-seq',
  'application/jsonx', 'application/x-ndjsonx', 'application/octet-stream', 'application/vnd.api+json',
  'application/json-patch+json', '', ';', 'json', 'text/event-stream']
const BAD_UTF8 = [[0xff], [0xfe], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0x80], [0xf4, 0x90, 0x80, 0x80]]

function goodPoint (rng: Rng): string {
  const fields = [`"metric":${q(pick(rng, METRICS))}`, `"value":${(rng() * 1000).toFixed(int(rng, 0, 4))}`]
  if (rng() < 0.3) fields.push(`"ts":${1_795_428_000_000 + int(rng, 0, 1e6)}`)
  if (rng() < 0.3) fields.push(`"tags":{"venue":${q(pick(rng, ['x', 'y', 'z']))}}`)
  return `{${fields.join(',')}}`
}

function goodPoints (rng: Rng, n: number): string[] {
  return Array.from({ length: n }, () => goodPoint(rng))
}

/** A point whose text is bad in one way; also names the way. */
function badPoint (rng: Rng): [string, string] {
  const metric = `"metric":${q(pick(rng, METRICS))}`
  const value = `"value":${int(rng, -5, 5)}`
  const obj = (...fields: string[]): string => `{${fields.join(',')}}`
  const manyTags = (n: number): string => `{${repeat(n, (i) => `"k${i}":"v"`)}}`
  switch (int(rng, 0, 12)) {
    case 0: return ['value-type', obj(metric, `"value":${pick(rng, VALUE_BAD)}`)]
    case 1: return ['metric-type', obj(`"metric":${pick(rng, METRIC_BAD)}`, value)]
    case 2: return ['metric-long', obj(`"metric":${q('m'.repeat(int(rng, 201, 5000)))}`, value)]
    case 3: return ['ts', obj(metric, value, `"ts":${pick(rng, TS_BAD)}`)]
    case 4: return ['tags', obj(metric, value, `"tags":${pick(rng, TAGS_BAD)}`)]
    case 5: return ['tags-many', obj(metric, value, `"tags":${manyTags(int(rng, 17, 3000))}`)]
    case 6: return ['tag-key-long', obj(metric, value, `"tags":{${q('k'.repeat(int(rng, 101, 2000)))}:"v"}`)]
    case 7: return ['tag-value-long', obj(metric, value, `"tags":{"k":${q('v'.repeat(int(rng, 101, 2000)))}}`)]
    case 8: return ['extra-field', obj(metric, value, pick(rng, EXTRA_BAD))]
    case 9: return ['missing-field', pick(rng, [obj(metric), obj(value), '{}', obj(metric, '"tags":{}')])]
    case 10: return ['not-an-object', pick(rng, ITEM_BAD)]
    case 11: return ['deep', deepInside(rng, int(rng, 1000, 20_000))]
    default: return ['bad-json', pick(rng, ['{"metric":"x","value":1,}', "{'metric':'x','value':1}", '{"metric":"x" "value":1}',
      '{"metric":"x","value":1}}', '{"metric":"x","value":1/*c*/}', '{metric:"x",value:1}', '{"metric":"x","value":1}x'])]
  }
}

/** A point with deeply nested JSON in one of its fields. */
function deepInside (rng: Rng, depth: number): string {
  const nest = pick(rng, [['[', ']'], ['{"a":', '}']])
  const deep = nest[0]!.repeat(depth) + pick(rng, ['1', '{"__proto__":{}}', '{"constructor":{"prototype":{}}}']) + nest[1]!.repeat(depth)
  return `{"metric":"x","value":1,${q(pick(rng, ['value', 'tags', 'ts', 'metric', 'extra']))}:${deep}}`
}

/** Wraps one bad point as a single body, an array among good points, or an NDJSON line among good lines. */
function wrap (rng: Rng, kind: string, point: string): BadBody {
  const shape = int(rng, 0, 2)
  if (shape === 0) return { kind: `${kind}/single`, body: point, headers: jsonHeaders(rng), status: 400 }
  const items = goodPoints(rng, int(rng, 0, 40))
  items.splice(int(rng, 0, items.length), 0, point)
  if (shape === 1) return { kind: `${kind}/array`, body: `[${items.join(',')}]`, headers: jsonHeaders(rng), status: 400 }
  const eol = rng() < 0.3 ? '\r\n' : '\n'
  const lines = items.flatMap((line) => rng() < 0.1 ? ['', line] : [line])
  return { kind: `${kind}/ndjson`, body: lines.join(eol) + (rng() < 0.5 ? eol : ''), headers: ndjsonHeaders(rng), status: 400 }
}

/** Content-type headers that all still mean JSON (the first of duplicates wins in Node). */
function jsonHeaders (rng: Rng): RequestHeaders {
  return pick<RequestHeaders>(rng, [JSON_CT, JSON_CT, JSON_CT, { 'Content-Type': 'Application/JSON' }, { 'CONTENT-TYPE': 'APPLICATION/JSON' },
    { 'content-type': 'application/json; charset=utf-8' }, { 'content-type': ['application/json', 'text/plain'] },
    { 'content-type': ['application/json', 'application/json'] }])
}

function ndjsonHeaders (rng: Rng): RequestHeaders {
  return pick<RequestHeaders>(rng, [NDJSON_CT, NDJSON_CT, NDJSON_CT, { 'Content-Type': 'Application/X-NDJSON' },
    { 'content-type': 'application/x-ndjson; charset=utf-8' }, { 'content-type': ['application/x-ndjson', 'application/json'] }])
}

/** A good body cut short inside its last value. */
function truncated (rng: Rng): BadBody {
  if (rng() < 0.5) {
    const text = rng() < 0.5 ? goodPoint(rng) : `[${goodPoints(rng, int(rng, 1, 20)).join(',')}]`
    return { kind: 'truncated/json', body: text.slice(0, int(rng, 1, text.length - 1)), headers: jsonHeaders(rng), status: 400 }
  }
  const last = goodPoint(rng)
  const body = [...goodPoints(rng, int(rng, 0, 20)), last.slice(0, int(rng, 1, last.length - 1))].join('\n')
  return { kind: 'truncated/ndjson', body, headers: ndjsonHeaders(rng), status: 400 }
}

/** Invalid UTF-8 where it makes the body bad whatever the decoder does: in a name, a key or the syntax. */
function badUtf8 (rng: Rng): BadBody {
  const bytes = Buffer.from(pick(rng, BAD_UTF8))
  const [before, after] = pick(rng, [['{"metric":"cpu', '","value":1}'], ['{"met', 'ric":"x","value":1}'],
    ['{"metric":"x",', '"value":1}'], ['', '{"metric":"x","value":1}'], ['{"metric":"x","value":1', '}'],
    ['{"metric":"x","value":1,"ta', 'gs":{"a":"b"}}']])
  const point = Buffer.concat([Buffer.from(before), bytes, Buffer.from(after)])
  if (rng() < 0.5) return { kind: 'utf8/json', body: point, headers: jsonHeaders(rng), status: 400 }
  const good = Buffer.from(goodPoints(rng, int(rng, 0, 5)).map((line) => line + '\n').join(''))
  return { kind: 'utf8/ndjson', body: Buffer.concat([good, point, Buffer.from('\n')]), headers: ndjsonHeaders(rng), status: 400 }
}

function emptyOrGarbage (rng: Rng): BadBody {
  const ct = pick(rng, [JSON_CT, NDJSON_CT])
  switch (int(rng, 0, 3)) {
    case 0: return { kind: 'empty', body: pick(rng, ['', ' ', '\n', '\r\n\r\n', '\t', '\ufeff']), headers: ct, status: 400 }
    case 1: return { kind: 'empty/no-content-type', body: '', headers: {}, status: 415 }
    case 2: return { kind: 'scalar', body: pick(rng, ['null', '0', 'true', '"x"', '[]', '{}', '[null]', '[{}]']), headers: ct, status: 400 }
    default: {
      const bytes = Buffer.from(Array.from({ length: int(rng, 1, 300) }, () => int(rng, 0, 255)))
      return { kind: 'random-bytes', body: Buffer.concat([Buffer.from('}'), bytes]), headers: ct, status: 400 }
    }
  }
}

/** A good point, or good NDJSON, under a content type the route does not take. */
function wrongContentType (rng: Rng): BadBody {
  const body = rng() < 0.5 ? goodPoint(rng) : goodPoints(rng, 3).join('\n')
  if (rng() < 0.1) return { kind: 'content-type/none', body, headers: {}, status: 415 }
  if (rng() < 0.1) return { kind: 'content-type/duplicate', body, headers: { 'content-type': ['text/plain', 'application/json'] }, status: 415 }
  return { kind: 'content-type/wrong', body, headers: { 'content-type': pick(rng, CT_WRONG) }, status: 415 }
}

/** Rare, big or pathological cases; the fuzz run places each of them once among the random ones. */
export const SPECIAL_COUNT = 16
const LIMIT = 1024 * 1024
function special (rng: Rng, n: number): BadBody {
  const deep = (depth: number, open: string, close: string, core = ''): string => open.repeat(depth) + core + close.repeat(depth)
  const many = (count: number, sep: string): string => goodPoints(rng, count).join(sep)
  const tags = `"tags":{"venue":"${'v'.repeat(90)}","desk":"${'d'.repeat(90)}"}`
  // 5,000 valid points of about 250 bytes: over the byte limit, under the point limit.
  const tagged = (sep: string): string => Array.from({ length: 5_000 }, (_, i) => `{"metric":"m${i}","value":${i},${tags}}`).join(sep)
  const tiny = (count: number, sep: string): string => Array.from({ length: count }, () => '{"metric":"x","value":1}').join(sep)
  const cases: Array<() => BadBody> = [
    () => ({ kind: 'deep/[ unclosed', body: '['.repeat(10_000), headers: JSON_CT, status: 400 }),
    () => ({ kind: 'deep/[] closed', body: deep(10_000, '[', ']'), headers: JSON_CT, status: 400 }),
    () => ({ kind: 'deep/[] 400k', body: deep(400_000, '[', ']'), headers: JSON_CT, status: 400 }),
    () => ({ kind: 'deep/{} 150k', body: deep(150_000, '{"a":', '}', '1'), headers: JSON_CT, status: 400 }),
    () => ({ kind: 'deep/__proto__ at the bottom', body: deep(100_000, '{"a":', '}', '{"__proto__":{"x":1}}'), headers: JSON_CT, status: 400 }),
    () => ({ kind: 'deep/ndjson line', body: `${many(3, '\n')}\n${deep(200_000, '[', ']')}\n`, headers: NDJSON_CT, status: 400 }),
    () => ({ kind: 'tags/50k', body: `{"metric":"x","value":1,"tags":{${repeat(50_000, (i) => `"t${i}":"v"`)}}}`, headers: JSON_CT, status: 400 }),
    () => ({ kind: 'batch/10001 json', body: `[${tiny(10_001, ',')}]`, headers: JSON_CT, status: 413 }),
    () => ({ kind: 'batch/10001 ndjson', body: tiny(10_001, '\n'), headers: NDJSON_CT, status: 413 }),
    () => ({ kind: 'batch/20000 empty objects', body: `[${repeat(20_000, () => '{}')}]`, headers: JSON_CT, status: 413 }),
    () => ({ kind: 'size/2 MiB string', body: `"${'a'.repeat(2 * LIMIT)}"`, headers: JSON_CT, status: 413 }),
    () => ({ kind: 'size/valid points over 1 MiB', body: `[${tagged(',')}]`, headers: JSON_CT, status: 413 }),
    () => ({ kind: 'size/limit+1 of whitespace', body: '{"metric":"x","value":1}'.padEnd(LIMIT + 1, ' '), headers: JSON_CT, status: 413 }),
    () => ({ kind: 'size/chunked ndjson', body: tagged('\n'), headers: NDJSON_CT, status: 413, chunked: true }),
    () => ({ kind: 'value-type/-1e400 in a batch', body: '[{"metric":"x","value":1},{"metric":"x","value":-1e400}]', headers: JSON_CT, status: 400 }),
    () => ({ kind: 'utf16/body', body: Buffer.from('{"metric":"x","value":1}', 'utf16le'), headers: JSON_CT, status: 400 })
  ]
  return cases[n % cases.length]!()
}

const GENERATORS: Array<[number, (rng: Rng) => BadBody]> = [
  [60, (rng) => { const [kind, point] = badPoint(rng); return wrap(rng, kind, point) }],
  [10, truncated],
  [10, badUtf8],
  [8, emptyOrGarbage],
  [12, wrongContentType]
]
const TOTAL_WEIGHT = GENERATORS.reduce((sum, [weight]) => sum + weight, 0)

/**
 * The `index`-th bad request of a run with `seed`. Out of `count` cases, the
 * `SPECIAL_COUNT` big and pathological ones sit at evenly spaced indexes.
 */
export function badBodyAt (seed: number, index: number, count: number): BadBody {
  const rng = mulberry32(seed ^ Math.imul(index + 1, 0x9e3779b1))
  const step = Math.floor(count / SPECIAL_COUNT)
  if (index % step === 0 && index / step < SPECIAL_COUNT) return special(rng, index / step)
  let roll = rng() * TOTAL_WEIGHT
  for (const [weight, generate] of GENERATORS) {
    roll -= weight
    if (roll < 0) return generate(rng)
  }
  return GENERATORS[0]![1](rng)
}
