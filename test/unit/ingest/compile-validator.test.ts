import t from 'tap'
import {
  BODY_FIELD, ITEM_FIELD, createPublishValidator, describeIssue
} from '../../../server/ingest/compile-validator.js'
import type { PointIssue } from '../../../server/ingest/compile-validator.js'

const validate = createPublishValidator()

/** Validates and returns the issue; throws (failing the test) when the body is accepted. */
function issueOf (body: unknown): PointIssue {
  const result = validate(body)
  if (result.ok) throw new Error(`expected the body to be refused: ${JSON.stringify(body)}`)
  return result.issue
}

function point (extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { metric: 'cpu.load', value: 0.5, ...extra }
}

function tags (count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 'v']))
}

t.test('accepts one point and returns it as an array', async (t) => {
  const body = point({ ts: 1_700_000_000_000, tags: { host: 'a' } })
  t.strictSame(validate(body), { ok: true, points: [body] })
})

t.test('accepts an array of points unchanged', async (t) => {
  const body = [point(), point({ metric: 'b', value: -3 })]
  const result = validate(body)
  t.ok(result.ok)
  if (result.ok) t.equal(result.points[1], body[1])
})

t.test('metric', async (t) => {
  for (const metric of ['a', '9', 'Ab_c.d:e/f-g', 'x'.repeat(200)]) {
    t.ok(validate(point({ metric })).ok, `accepts ${metric.slice(0, 20)}`)
  }
  for (const metric of ['', '_a', '.a', '-a', '/a', 'a b', 'a*', 'é', 'x'.repeat(201)]) {
    const issue = issueOf(point({ metric }))
    t.equal(issue.field, 'metric', `refuses ${JSON.stringify(metric.slice(0, 20))}`)
    t.match(issue.message, /^item 0: field "metric" must be 1 to 200 characters of A-Z a-z 0-9 _ \. : \/ - starting with a letter or digit$/)
  }
  t.match(issueOf(point({ metric: 5 })), { field: 'metric', reason: 'field "metric" must be a string (got 5)' })
  t.match(issueOf({ value: 1 }), { index: 0, field: 'metric', message: 'item 0: field "metric" is required' })
})

t.test('value must be a JSON number, never coerced', async (t) => {
  for (const value of [0, -1.5, 1e300, Number.MIN_VALUE]) t.ok(validate(point({ value })).ok, `accepts ${value}`)
  t.equal(issueOf(point({ value: '0.5' })).reason, 'field "value" must be a finite number (got string "0.5")')
  t.equal(issueOf(point({ value: null })).reason, 'field "value" must be a finite number (got null)')
  t.equal(issueOf(point({ value: true })).reason, 'field "value" must be a finite number (got true)')
  t.equal(issueOf(point({ value: [1] })).reason, 'field "value" must be a finite number (got array)')
  t.equal(issueOf(point({ value: { n: 1 } })).reason, 'field "value" must be a finite number (got object)')
  const huge = JSON.parse('{"metric":"a","value":1e400}') as unknown
  t.match(issueOf(huge), { field: 'value', reason: 'field "value" must be a finite number (got Infinity)' })
  t.equal(issueOf(point({ value: NaN })).field, 'value')
  t.match(issueOf({ metric: 'a' }), { field: 'value', reason: 'field "value" is required' })
})

t.test('ts as ms since the epoch or an ISO-8601 string', async (t) => {
  for (const ts of [0, 1.5, 1_700_000_000_000, 8.64e15, '2026-11-23', '2026-11-23T10:00Z', '2026-11-23T10:00:00Z',
    '2026-11-23T10:00:00.123+01:00', '2026-11-23T10:00:00.123456789-05:30', '2026-13-45']) {
    t.ok(validate(point({ ts })).ok, `accepts ${ts}`)
  }
  for (const ts of [-1, 8.64e15 + 1]) {
    t.match(issueOf(point({ ts })), { field: 'ts', reason: `field "ts" must be from 0 to 8640000000000000 ms since the epoch (got ${ts})` })
  }
  for (const ts of ['2026-11-23T10:00:00', '23/11/2026', '2026-11-23 10:00:00Z', '2026-11-23T10Z', 'yesterday', '']) {
    const issue = issueOf(point({ ts }))
    t.equal(issue.field, 'ts', `refuses ${JSON.stringify(ts)}`)
    t.match(issue.reason, /^field "ts" must be an ISO-8601 date such as 2026-11-23 or 2026-11-23T10:00:00Z \(a time needs Z or an offset; got ".*"\)$/)
  }
  t.equal(issueOf(point({ ts: null })).reason, 'field "ts" must be ms since the epoch or an ISO-8601 string (got null)')
  t.equal(issueOf(point({ ts: false })).reason, 'field "ts" must be ms since the epoch or an ISO-8601 string (got false)')
})

t.test('tags', async (t) => {
  t.ok(validate(point({ tags: {} })).ok, 'accepts no tags')
  t.ok(validate(point({ tags: tags(16) })).ok, 'accepts 16 tags')
  t.ok(validate(point({ tags: { ['k'.repeat(100)]: 'v'.repeat(100), empty: '' } })).ok, 'accepts 100-character keys and values')
  t.match(issueOf(point({ tags: tags(17) })), { field: 'tags', reason: 'field "tags" has 17 tags; at most 16 are allowed' })
  t.match(issueOf(point({ tags: { ['k'.repeat(101)]: 'v' } })), {
    field: 'tags', reason: `tag key "${'k'.repeat(40)}…" must be 1 to 100 characters`
  })
  t.equal(issueOf(point({ tags: { '': 'v' } })).reason, 'tag key "" must be 1 to 100 characters')
  t.match(issueOf(point({ tags: { region: 'v'.repeat(101) } })), {
    field: 'tags.region', reason: 'tag "region" must be at most 100 characters'
  })
  t.match(issueOf(point({ tags: { 'a/b~c': 'v'.repeat(101) } })), { field: 'tags.a/b~c' }, 'unescapes the JSON Pointer path')
  t.match(issueOf(point({ tags: { region: 1 } })), { field: 'tags.region', reason: 'tag "region" must be a string (got 1)' })
  t.match(issueOf(point({ tags: { region: null } })), { reason: 'tag "region" must be a string (got null)' })
  t.match(issueOf(point({ tags: ['a'] })), { field: 'tags', reason: 'field "tags" must be an object of string values (got array)' })
  t.match(issueOf(point({ tags: 'a=b' })), { field: 'tags', reason: 'field "tags" must be an object of string values (got string "a=b")' })
})

t.test('refuses the prototype-machinery names as tag keys', async (t) => {
  for (const key of ['__proto__', 'constructor', 'prototype']) {
    const body = JSON.parse(`{"metric":"a","value":1,"tags":{"${key}":"x"}}`) as unknown
    t.match(issueOf(body), {
      field: 'tags', reason: `tag key "${key}" is reserved (__proto__, constructor, prototype are not allowed)`
    }, key)
  }
})

t.test('unknown fields are named, not dropped', async (t) => {
  const body = point({ valeu: 1 })
  t.match(issueOf(body), { field: 'valeu', reason: 'unknown field "valeu" (allowed: metric, value, ts, tags)' })
  t.same(Object.keys(body), ['metric', 'value', 'valeu'], 'the body is not modified')
})

t.test('an item that is not an object', async (t) => {
  const cases: Array<[unknown, string]> = [[5, '5'], ['x', 'string "x"'], [null, 'null'], [[[]], 'array'], [true, 'true']]
  for (const [body, got] of cases) {
    t.match(issueOf(body), {
      index: 0, field: ITEM_FIELD, reason: `must be an object with "metric" and "value" (got ${got})`
    }, JSON.stringify(body))
  }
})

t.test('reports the first bad item of an array by its index', async (t) => {
  const body = [point(), point(), point(), point({ value: 'x' }), point({ metric: '' })]
  t.strictSame(issueOf(body), {
    index: 3,
    field: 'value',
    reason: 'field "value" must be a finite number (got string "x")',
    message: 'item 3: field "value" must be a finite number (got string "x")'
  })
})

t.test('refuses an empty array', async (t) => {
  t.match(issueOf([]), { index: 0, field: BODY_FIELD, message: 'the batch is empty: send at least one point' })
})

t.test('describeIssue names an item or a line', async (t) => {
  const issue = issueOf([point(), point({ value: null })])
  t.equal(describeIssue(issue, 'item'), 'item 1: field "value" must be a finite number (got null)')
  t.equal(describeIssue(issue, 'line'), 'line 2: field "value" must be a finite number (got null)')
  t.equal(describeIssue(issue, 'line', [3, 7]), 'line 7: field "value" must be a finite number (got null)')
  t.equal(describeIssue(issueOf([]), 'line', [1]), 'the batch is empty: send at least one point')
})

t.test('a body is one point or a non-empty array of points, each valid', async (t) => {
  t.ok(validate(point()).ok)
  t.ok(validate([point(), point()]).ok)
  t.match(issueOf([]), { index: 0, field: BODY_FIELD }, 'an empty batch')
  t.match(issueOf([point(), point({ value: '1' })]), { index: 1, field: 'value' })
  t.match(issueOf(point({ extra: 1 })), { index: 0, field: 'extra' })
})
