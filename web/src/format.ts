/**
 * Number and time formatting for cards. Pure functions: no DOM, so they are
 * unit-tested in Node.
 */

/** Locale for every number on the board; fixed so values read the same on every screen. */
export const DEFAULT_LOCALE = 'en-US'

const COMPACT_FROM = 1_000_000
const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS
const DAY_MS = 24 * HOUR_MS

const formatters = new Map<string, Intl.NumberFormat>()

// Intl.NumberFormat is slow to build and cards format on every frame, so keep one per option set.
function numberFormat (locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`
  let format = formatters.get(key)
  if (format === undefined) {
    format = new Intl.NumberFormat(locale, options)
    formatters.set(key, format)
  }
  return format
}

function optionsFor (magnitude: number): Intl.NumberFormatOptions {
  if (magnitude >= COMPACT_FROM) return { notation: 'compact', maximumFractionDigits: 2 }
  if (magnitude >= 1 || magnitude === 0) return { maximumFractionDigits: 2 }
  return { maximumSignificantDigits: 3 }
}

/**
 * Formats a metric value for reading at a glance: thousands separators, at most two
 * decimals, three significant digits below 1, compact (`1.23M`) from one million.
 * Non-finite values render as an em dash.
 */
export function formatValue (value: number, locale: string = DEFAULT_LOCALE): string {
  if (!Number.isFinite(value)) return '—'
  return numberFormat(locale, optionsFor(Math.abs(value))).format(value)
}

// Currency codes shown with their symbol; other units follow the number.
const CURRENCIES = new Set(['USD', 'EUR', 'GBP', 'JPY', 'CHF'])
const currencyOf = (unit: string | undefined): string | undefined => {
  const code = unit?.toUpperCase()
  return code !== undefined && CURRENCIES.has(code) ? code : undefined
}

function withUnit (text: string, unit: string | undefined): string {
  if (unit === undefined || unit === '') return text
  return unit === '%' ? `${text}%` : `${text} ${unit}`
}

/**
 * Formats a value with its unit (a point's `unit` tag): a currency code as its symbol
 * (`$64,250.5`), `%` attached (`12.5%`), any other unit after a space (`182 ms`).
 * Numbers as {@link formatValue}.
 */
export function formatAmount (value: number, unit?: string, locale: string = DEFAULT_LOCALE): string {
  const currency = currencyOf(unit)
  if (currency === undefined || !Number.isFinite(value)) return withUnit(formatValue(value, locale), unit)
  return numberFormat(locale, { ...optionsFor(Math.abs(value)), style: 'currency', currency }).format(value)
}

/**
 * Formats a price for a price card: always two decimals from 1 up (`64,250.50`, so the digits
 * do not jump as the price moves), four significant digits below 1, with its unit as
 * {@link formatAmount}.
 */
export function formatPrice (value: number, unit?: string, locale: string = DEFAULT_LOCALE): string {
  if (!Number.isFinite(value)) return '—'
  const digits: Intl.NumberFormatOptions = Math.abs(value) >= 1 || value === 0
    ? { minimumFractionDigits: 2, maximumFractionDigits: 2 }
    : { maximumSignificantDigits: 4 }
  const currency = currencyOf(unit)
  if (currency !== undefined) return numberFormat(locale, { ...digits, style: 'currency', currency }).format(value)
  return withUnit(numberFormat(locale, digits).format(value), unit)
}

/** Formats a rate per second: `12.5/s`, or `12.5 req/s` with a unit. */
export function formatRate (perSecond: number, unit?: string, locale: string = DEFAULT_LOCALE): string {
  const text = formatValue(perSecond, locale)
  return unit === undefined || unit === '' ? `${text}/s` : `${text} ${unit}/s`
}

/** Change between the first and the last value of a window. `percent` is undefined when `from` is 0. */
export interface Change {
  readonly delta: number
  readonly percent: number | undefined
  readonly direction: 'up' | 'down' | 'flat'
}

/** Computes the change from `from` to `to`, in absolute terms and as a percentage of `|from|`. */
export function computeChange (from: number, to: number): Change {
  const delta = to - from
  const direction = delta > 0 ? 'up' : delta < 0 ? 'down' : 'flat'
  const percent = from === 0 ? undefined : (delta / Math.abs(from)) * 100
  return { delta, percent, direction }
}

/** Formats a change as `+1,234.5 (+0.19%)`; the sign is always shown. */
export function formatChange (change: Change, locale: string = DEFAULT_LOCALE): string {
  const sign = change.delta > 0 ? '+' : ''
  const absolute = `${sign}${formatValue(change.delta, locale)}`
  if (change.percent === undefined) return absolute
  const pct = numberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'exceptZero' })
  return `${absolute} (${pct.format(change.percent)}%)`
}

/**
 * Formats how long ago `thenMs` was, relative to `nowMs`: `just now`, `12s ago`, `3m ago`,
 * `2h ago`, `4d ago`. Times in the future (clock skew between publisher and browser) read `just now`.
 */
export function formatAgo (thenMs: number, nowMs: number): string {
  const elapsed = nowMs - thenMs
  if (elapsed < 1000) return 'just now'
  if (elapsed < MINUTE_MS) return `${Math.floor(elapsed / 1000)}s ago`
  if (elapsed < HOUR_MS) return `${Math.floor(elapsed / MINUTE_MS)}m ago`
  if (elapsed < DAY_MS) return `${Math.floor(elapsed / HOUR_MS)}h ago`
  return `${Math.floor(elapsed / DAY_MS)}d ago`
}

const pad = (n: number): string => String(n).padStart(2, '0')

/** Formats a ms timestamp as local `HH:MM:SS`, or `HH:MM` when `withSeconds` is false. */
export function formatClock (ts: number, withSeconds = true): string {
  const date = new Date(ts)
  const hm = `${pad(date.getHours())}:${pad(date.getMinutes())}`
  return withSeconds ? `${hm}:${pad(date.getSeconds())}` : hm
}

/** Formats a duration in whole units for labels: `45 s`, `5 min`, `2 h`, `1 d`. */
export function formatDuration (ms: number): string {
  if (ms < MINUTE_MS) return `${Math.round(ms / 1000)} s`
  if (ms < HOUR_MS) return `${Math.round(ms / MINUTE_MS)} min`
  if (ms < DAY_MS) return `${Math.round(ms / HOUR_MS)} h`
  return `${Math.round(ms / DAY_MS)} d`
}

/** Formats a count with its noun: `1 metric`, `12 metrics`, `1,204 metrics`. */
export function formatCount (count: number, noun: string, locale: string = DEFAULT_LOCALE): string {
  const text = numberFormat(locale, { maximumFractionDigits: 0 }).format(count)
  return `${text} ${noun}${count === 1 ? '' : 's'}`
}

const TICK_STEPS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400]
  .map((s) => s * 1000)

/** Picks a round tick step for a time axis `windowMs` wide, aiming at about `ticks` labels. */
export function tickStepMs (windowMs: number, ticks = 5): number {
  const ideal = windowMs / ticks
  return TICK_STEPS_MS.find((step) => step >= ideal) ?? (TICK_STEPS_MS.at(-1) as number)
}
