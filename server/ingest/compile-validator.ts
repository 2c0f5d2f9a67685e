import { Ajv } from 'ajv'
import type { ErrorObject } from 'ajv'
import {
  MAX_TAG_KEY_LENGTH, MAX_TAG_VALUE_LENGTH, MAX_TAGS, MAX_TS_MS, POINT_FIELDS, RESERVED_TAG_KEYS, pointSchema
} from './point-schema.js'
import type { RawPoint } from './point-schema.js'

export type { RawPoint } from './point-schema.js'

/** `field` of an issue about the item as a whole (it is not an object). */
export const ITEM_FIELD = '(item)'

/** `field` of an issue about the body as a whole (an empty array). */
export const BODY_FIELD = '(body)'

/** The first thing wrong with a publish body. */
export interface PointIssue {
  /** 0-based index of the offending item in the batch (0 for a single object). */
  readonly index: number
  /** Path of the offending field (`value`, `tags.region`), or `(item)` / `(body)`. */
  readonly field: string
  /** What is wrong, without saying where: `field "value" must be a finite number`. */
  readonly reason: string
  /** `reason` prefixed with the item: `item 3: field "value" must be a finite number`. */
  readonly message: string
}

/** Result of validating a publish body: the points as sent, or the first issue. */
export type ValidationResult =
  | { readonly ok: true, readonly points: RawPoint[] }
  | { readonly ok: false, readonly issue: PointIssue }

/** Checks a parsed publish body; never throws on bad input. */
export type PublishValidator = (body: unknown) => ValidationResult

/**
 * Says where an issue is, in the caller's terms: `item 4: …` for JSON (the 0-based
 * index) or `line 5: …` for NDJSON. Blank NDJSON lines are skipped, so pass the
 * `lines` from `parseNdjson` to name the real line; without them the line is index + 1.
 * An issue about the whole body has no position.
 */
export function describeIssue (issue: PointIssue, unit: 'item' | 'line', lines?: readonly number[]): string {
  if (issue.field === BODY_FIELD) return issue.reason
  const position = unit === 'item' ? issue.index : lines?.[issue.index] ?? issue.index + 1
  return `${unit} ${position}: ${issue.reason}`
}

/** Builds a `PointIssue` whose `message` names the item by its index. */
export function pointIssue (index: number, field: string, reason: string): PointIssue {
  const issue = { index, field, reason, message: '' }
  return { ...issue, message: describeIssue(issue, 'item') }
}

/**
 * Compiles the point schema once and returns a validator for publish bodies: one
 * point or a non-empty array of points. An array is checked item by item so the
 * first bad item gives one clear issue instead of Ajv's `anyOf` noise.
 * Types are never coerced: `"0.5"` is not a value.
 */
export function createPublishValidator (): PublishValidator {
  const ajv = new Ajv({
    coerceTypes: false,
    allErrors: false,
    strict: true,
    strictNumbers: true,
    useDefaults: false,
    removeAdditional: false
  })
  const validatePoint = ajv.compile<RawPoint>(pointSchema)

  return (body) => {
    const items: unknown[] = Array.isArray(body) ? body : [body]
    if (items.length === 0) {
      return { ok: false, issue: pointIssue(0, BODY_FIELD, 'the batch is empty: send at least one point') }
    }
    for (let index = 0; index < items.length; index++) {
      const item = items[index]
      if (!validatePoint(item)) {
        // allErrors is off, so the first error is the one that stopped validation.
        const error = validatePoint.errors?.[0]
        /* c8 ignore next */
        if (error === undefined) throw new Error('Ajv reported a failure without errors')
        return { ok: false, issue: toIssue(index, error, item) }
      }
    }
    // Every item passed validatePoint, which is a type guard for RawPoint.
    return { ok: true, points: items as RawPoint[] }
  }
}

function toIssue (index: number, error: ErrorObject, item: unknown): PointIssue {
  const path = error.instancePath.split('/').slice(1).map(unescapePointer)
  const [field, key] = path
  const data = pick(item, path)
  if (field === undefined) return itemIssue(index, error, item)
  if (field === 'metric') {
    return pointIssue(index, field, error.keyword === 'type'
      ? `field "metric" must be a string (got ${kindOf(data)})`
      : 'field "metric" must be 1 to 200 characters of A-Z a-z 0-9 _ . : / - starting with a letter or digit')
  }
  if (field === 'value') return pointIssue(index, field, `field "value" must be a finite number (got ${kindOf(data)})`)
  if (field === 'ts') return pointIssue(index, field, tsReason(data))
  if (error.propertyName !== undefined) {
    const tagKey = quote(error.propertyName)
    return pointIssue(index, 'tags', error.keyword === 'not'
      ? `tag key ${tagKey} is reserved (${RESERVED_TAG_KEYS.join(', ')} are not allowed)`
      : `tag key ${tagKey} must be 1 to ${MAX_TAG_KEY_LENGTH} characters`)
  }
  if (key === undefined) {
    return pointIssue(index, 'tags', error.keyword === 'type'
      ? `field "tags" must be an object of string values (got ${kindOf(data)})`
      : `field "tags" has ${Object.keys(data as object).length} tags; at most ${MAX_TAGS} are allowed`)
  }
  return pointIssue(index, `tags.${key}`, error.keyword === 'type'
    ? `tag ${quote(key)} must be a string (got ${kindOf(data)})`
    : `tag ${quote(key)} must be at most ${MAX_TAG_VALUE_LENGTH} characters`)
}

/** An error about the item itself: not an object, a required field missing, or an unknown field. */
function itemIssue (index: number, error: ErrorObject, item: unknown): PointIssue {
  const { missingProperty, additionalProperty } = error.params as Record<string, unknown>
  if (typeof missingProperty === 'string') {
    return pointIssue(index, missingProperty, `field "${missingProperty}" is required`)
  }
  if (typeof additionalProperty === 'string') {
    return pointIssue(index, additionalProperty,
      `unknown field ${quote(additionalProperty)} (allowed: ${POINT_FIELDS.join(', ')})`)
  }
  return pointIssue(index, ITEM_FIELD, `must be an object with "metric" and "value" (got ${kindOf(item)})`)
}

function tsReason (ts: unknown): string {
  if (typeof ts === 'number') return `field "ts" must be from 0 to ${MAX_TS_MS} ms since the epoch (got ${ts})`
  if (typeof ts === 'string') {
    return 'field "ts" must be an ISO-8601 date such as 2026-11-23 or 2026-11-23T10:00:00Z' +
      ` (a time needs Z or an offset; got ${quote(ts)})`
  }
  return `field "ts" must be ms since the epoch or an ISO-8601 string (got ${kindOf(ts)})`
}

/** Ajv's instancePath is a JSON Pointer: `~1` stands for `/` and `~0` for `~`. */
function unescapePointer (segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~')
}

function pick (item: unknown, path: readonly string[]): unknown {
  let data = item
  for (const segment of path) data = (data as Record<string, unknown>)[segment]
  return data
}

/** A short description of a bad value for a message; strings are cut so a message stays one short line. */
function kindOf (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'string') return `string ${quote(value)}`
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return typeof value
}

function quote (text: string): string {
  const limit = 40
  return JSON.stringify(text.length > limit ? text.slice(0, limit) + '…' : text)
}
