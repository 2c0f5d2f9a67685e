import { bool, type Parser } from './parsers.js'

/** The shape of one row of SETTINGS, and the helper that makes it from what is written there. */

/** Units a number setting may be given in; shown after its default. */
type Unit = 'ms' | 'bytes'

/** One setting as written in SETTINGS, less its default (`fallback`), which the overloads of `setting` add. */
interface Declaration<K extends string, T> {
  /** Field of Config. */
  readonly key: K
  /** Environment variable; the flag is its name in lower kebab case (PORT → --port). */
  readonly env: string
  /** An older name of the variable, still read, as is the flag made from it; the current name wins over it. */
  readonly alias?: string
  readonly parser: Parser<T>
  /** The default as people read it, where printing `fallback` would not say it (a duration, a value worked out at start-up). */
  readonly shownDefault?: string
  readonly unit?: Unit
  /** Plain text on one line, for `--help` and the README. */
  readonly description: string
  /** More for the README's table only, in Markdown. */
  readonly details?: string
}

/** One row of SETTINGS: a Declaration with what it implies worked out. */
export interface Setting<K extends string = string, T = unknown, F extends T | undefined = T | undefined> {
  readonly key: K
  readonly env: string
  readonly flag: string
  readonly alias: { readonly env: string, readonly flag: string } | undefined
  readonly parser: Parser<T>
  readonly fallback: F
  /** The default with its unit, e.g. `15000 ms`; undefined when there is none. */
  readonly shownDefault: string | undefined
  /** True for a boolean: its flag takes no value and has a `--no-` form. */
  readonly isSwitch: boolean
  readonly description: string
  readonly details: string | undefined
}

/** The flag of an environment variable: its name in lower kebab case, PORT → --port. */
function flagOf (env: string): string {
  return `--${env.toLowerCase().replaceAll('_', '-')}`
}

// Generic so the compiler checks that each row's fallback fits its parser, and keeps each row's types for Config:
// a setting with a fallback is always in Config, one without is left out unless given.
export function setting<K extends string, T> (declared: Declaration<K, T> & { readonly fallback: NoInfer<T> }): Setting<K, T, T>
export function setting<K extends string, T> (declared: Declaration<K, T>): Setting<K, T, undefined>
export function setting<K extends string, T> (declared: Declaration<K, T> & { readonly fallback?: T }): Setting<K, T> {
  const { key, env, alias, parser, fallback, unit, description } = declared
  return {
    key,
    env,
    flag: flagOf(env),
    alias: alias === undefined ? undefined : { env: alias, flag: flagOf(alias) },
    parser,
    fallback,
    shownDefault: declared.shownDefault ?? showValue(fallback, unit),
    isSwitch: parser === (bool as Parser<unknown>),
    description,
    details: declared.details
  }
}

function showValue (value: unknown, unit: Unit | undefined): string | undefined {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return undefined
  return unit === undefined ? String(value) : `${String(value)} ${unit}`
}
