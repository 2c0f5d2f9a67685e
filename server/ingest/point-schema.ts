/**
 * JSON Schemas (draft-07, as Ajv 8 and Fastify 5 use) for the body of
 * `POST /api/events`. Plain objects so a route can also show them as documentation.
 * The rules are stated once here; `compile-validator.ts` turns Ajv errors about
 * them into sentences and `normalize.ts` finishes the checks a pattern cannot do.
 */

/** Metric names: a letter or digit, then up to 199 of `A-Z a-z 0-9 _ . : / -` (200 characters at most). */
export const METRIC_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,199}$'

/**
 * The ISO-8601 forms accepted for `ts`: a date (`2026-11-23`, read as UTC midnight) or a
 * date and time with `Z` or an offset (`2026-11-23T10:00:00.123+01:00`; seconds and
 * fraction optional). A time without an offset is refused: it would be read in the
 * server's own time zone. The groups are read by `normalize.ts`, which checks the calendar.
 */
export const ISO_TS_PATTERN =
  '^(\\d{4})-(\\d{2})-(\\d{2})(?:T(\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,9}))?)?(Z|[+-]\\d{2}:\\d{2}))?$'

/** Largest `ts` in ms since the epoch: the end of the range a JavaScript `Date` can hold. */
export const MAX_TS_MS = 8.64e15

/**
 * How far past the server's clock a `ts` may be: one day, in ms. Retention judges a point
 * by its `ts`, so a far-future point would otherwise be kept for years; a day leaves room
 * for clocks that are off and for time zones sent as UTC by mistake.
 */
export const MAX_TS_AHEAD_MS = 24 * 60 * 60 * 1000

/** Tags per point, at most. */
export const MAX_TAGS = 16

/** Longest tag key, in characters (code points). */
export const MAX_TAG_KEY_LENGTH = 100

/** Longest tag value, in characters (code points). */
export const MAX_TAG_VALUE_LENGTH = 100

/**
 * Tag keys refused because they name the prototype machinery: stored as plain
 * object keys they could be mistaken for it by code further on.
 */
export const RESERVED_TAG_KEYS = ['__proto__', 'constructor', 'prototype'] as const

/** The point fields, in the order points are built and serialised. */
export const POINT_FIELDS = ['metric', 'value', 'ts', 'tags'] as const

/** One point as a client sends it, once `pointSchema` has accepted it. */
export interface RawPoint {
  readonly metric: string
  readonly value: number
  /** ms since the epoch, or an ISO-8601 string matching `ISO_TS_PATTERN`. */
  readonly ts?: number | string
  readonly tags?: Readonly<Record<string, string>>
}

/**
 * One metric point `{ metric, value, ts?, tags? }`. Unknown fields are refused so a
 * typo such as `valeu` is reported rather than silently dropped. `type: 'number'`
 * refuses NaN and ±Infinity only with Ajv's `strictNumbers` (on by default in Ajv 8).
 */
export const pointSchema = {
  type: 'object',
  required: ['metric', 'value'],
  additionalProperties: false,
  properties: {
    metric: { type: 'string', pattern: METRIC_PATTERN },
    value: { type: 'number' },
    ts: {
      anyOf: [
        { type: 'number', minimum: 0, maximum: MAX_TS_MS },
        { type: 'string', pattern: ISO_TS_PATTERN }
      ]
    },
    tags: {
      type: 'object',
      maxProperties: MAX_TAGS,
      propertyNames: {
        type: 'string',
        minLength: 1,
        maxLength: MAX_TAG_KEY_LENGTH,
        not: { enum: RESERVED_TAG_KEYS }
      },
      additionalProperties: { type: 'string', maxLength: MAX_TAG_VALUE_LENGTH }
    }
  }
} as const
