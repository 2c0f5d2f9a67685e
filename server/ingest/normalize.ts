import type { MetricPoint, Tags } from '../core/event.js'
import { pointIssue } from './compile-validator.js'
import type { PointIssue, RawPoint } from './compile-validator.js'
import { ISO_TS_PATTERN, MAX_TS_AHEAD_MS } from './point-schema.js'

/** Result of `toMetricPoints`: points ready for the log, or the first point whose `ts` is not a real instant or is too far ahead. */
export type NormalizeResult =
  | { readonly ok: true, readonly points: MetricPoint[] }
  | { readonly ok: false, readonly issue: PointIssue }

const ISO_TS = new RegExp(ISO_TS_PATTERN)

// Earlier years give negative ms, which the schema refuses for numbers too.
const MIN_YEAR = 1970

const MS_PER_MINUTE = 60_000

/**
 * Turns validated raw points into `MetricPoint`s: an ISO `ts` becomes ms since the
 * epoch, a missing `ts` becomes `nowMs`, and `tags` is copied only when sent. Each
 * point is built with the keys in the order metric, value, ts, tags so its JSON is stable.
 * An ISO `ts` that fits the pattern but is not a real instant (month 13, 30 February,
 * 25:00, before 1970), or a `ts` more than `MAX_TS_AHEAD_MS` (a day) past `nowMs`,
 * gives an issue naming the item.
 * @param nowMs the receive time, ms since the epoch
 */
export function toMetricPoints (raw: readonly RawPoint[], nowMs: number): NormalizeResult {
  const points: MetricPoint[] = []
  for (const [index, point] of raw.entries()) {
    const ts = point.ts === undefined ? nowMs : typeof point.ts === 'number' ? point.ts : isoToMs(point.ts)
    if (ts === undefined) {
      return {
        ok: false,
        issue: pointIssue(index, 'ts', `field "ts" must be a real date and time from 1970 on (got ${JSON.stringify(point.ts)})`)
      }
    }
    if (ts > nowMs + MAX_TS_AHEAD_MS) {
      return {
        ok: false,
        issue: pointIssue(index, 'ts', `field "ts" is more than a day ahead of the server's clock (got ${JSON.stringify(point.ts)}, now ${new Date(nowMs).toISOString()})`)
      }
    }
    const { metric, value, tags } = point
    points.push(tags === undefined ? { metric, value, ts } : { metric, value, ts, tags: copyTags(tags) })
  }
  return { ok: true, points }
}

/**
 * Reads an ISO-8601 string in the schema's forms as ms since the epoch, or undefined
 * when it names no real instant. Computed with Date.UTC rather than Date.parse
 * because V8's Date.parse rolls 2026-02-30 over into March instead of refusing it.
 * Digits past the millisecond are dropped, as Date.parse does.
 */
function isoToMs (text: string): number | undefined {
  const match = ISO_TS.exec(text)
  if (match === null) return undefined
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone = 'Z'] = match
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as
    [number, number, number, number, number, number]
  const offsetMinutes = zoneOffsetMinutes(zone)
  if (year < MIN_YEAR || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) ||
    hour > 23 || minute > 59 || second > 59 || offsetMinutes === undefined) {
    return undefined
  }
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3))
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * MS_PER_MINUTE
  // Four-digit years stay far below MAX_TS_MS; only an offset can push 1970-01-01 below 0.
  return utc >= 0 ? utc : undefined
}

/** `Z` → 0; `+01:30` → 90; `-05:00` → -300; undefined for an impossible offset such as `+25:00`. */
function zoneOffsetMinutes (zone: string): number | undefined {
  if (zone === 'Z') return 0
  const hours = Number(zone.slice(1, 3))
  const minutes = Number(zone.slice(4, 6))
  if (hours > 23 || minutes > 59) return undefined
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes)
}

function daysInMonth (year: number, month: number): number {
  // Day 0 of the next month is the last day of this one.
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/**
 * Copies tags into a fresh object. Object.fromEntries defines each key as an own data
 * property, so even a key such as `__proto__` (which the schema refuses anyway) stays
 * data and can never reach a prototype.
 */
function copyTags (tags: Readonly<Record<string, string>>): Tags {
  return Object.fromEntries(Object.entries(tags))
}
