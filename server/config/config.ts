import { checkConfig } from './checks.js'
import { ConfigError } from './config-error.js'
import type { Setting } from './setting.js'
import { SETTINGS, type Config, type SettingKey } from './settings.js'

/**
 * Settings from the environment and command-line flags (flags win), checked once at
 * startup into a frozen `Config`. Each setting is one row of `SETTINGS` (settings.ts).
 */

export { ConfigError } from './config-error.js'
export { configHelp } from './help.js'
export type { Config } from './settings.js'
export { publishTokens, readTokens } from './tokens.js'

const HELP_FLAGS = new Set(['--help', '-h'])

type Row = Setting<SettingKey>

/** Each setting by its flag, and by the flag of its older name. */
const BY_FLAG = new Map<string, Row>()
for (const entry of SETTINGS) {
  BY_FLAG.set(entry.flag, entry)
  if (entry.alias !== undefined) BY_FLAG.set(entry.alias.flag, entry)
}

/** A raw value and where it came from (`PORT` or `--port`), for error messages. */
interface RawValue {
  readonly source: string
  readonly raw: string
}

/**
 * Builds the Config from `argv` (arguments after the script, e.g. `process.argv.slice(2)`)
 * and `env`. Flags take `--port 3000` or `--port=3000`; boolean settings take `--demo`
 * and `--no-demo`. An environment variable set to the empty string counts as set and
 * is never a valid value, so a half-written deployment file fails at startup.
 * @throws {ConfigError} on an invalid value, an unknown option, or a flag without a value
 */
export function parseConfig (argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Config {
  const fromFlags = readFlags(argv)
  const config: Record<string, unknown> = { help: fromFlags.help }
  for (const entry of SETTINGS) {
    const given = fromFlags.values.get(entry) ?? fromEnv(entry, env)
    const value = given === undefined ? entry.fallback : parseValue(entry, given)
    if (value !== undefined) config[entry.key] = value
  }
  // Every SETTINGS row has been read through a parser typed for its key, so the record is a Config.
  return checkConfig(Object.freeze(config) as unknown as Config)
}

/** The raw value of a setting in `env`: its variable, else its older name. */
function fromEnv (entry: Row, env: Readonly<Record<string, string | undefined>>): RawValue | undefined {
  const source = env[entry.env] !== undefined || entry.alias === undefined ? entry.env : entry.alias.env
  const raw = env[source]
  return raw === undefined ? undefined : { source, raw }
}

function parseValue (entry: Row, { source, raw }: RawValue): unknown {
  const value = entry.parser.parse(raw)
  if (value === undefined) {
    const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw
    throw new ConfigError(source, `${source} must be ${entry.parser.expected} (got ${JSON.stringify(shown)})`)
  }
  return value
}

interface Flags {
  readonly help: boolean
  readonly values: Map<Row, RawValue>
}

function readFlags (argv: readonly string[]): Flags {
  const values = new Map<Row, RawValue>()
  let help = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (HELP_FLAGS.has(arg)) {
      help = true
      continue
    }
    const eq = arg.indexOf('=')
    const flag = eq === -1 ? arg : arg.slice(0, eq)
    const inline = eq === -1 ? undefined : arg.slice(eq + 1)
    const negated = flag.startsWith('--no-') ? BY_FLAG.get(`--${flag.slice(5)}`) : undefined
    if (negated?.isSwitch === true) {
      if (inline !== undefined) throw new ConfigError(flag, `${flag} takes no value`)
      values.set(negated, { source: flag, raw: 'false' })
      continue
    }
    const entry = BY_FLAG.get(flag)
    if (entry === undefined) {
      throw new ConfigError(flag, flag.startsWith('-') ? `unknown option ${flag} (see --help)` : `unexpected argument ${JSON.stringify(arg)} (see --help)`)
    }
    if (inline !== undefined) {
      values.set(entry, { source: flag, raw: inline })
    } else if (entry.isSwitch) {
      values.set(entry, { source: flag, raw: 'true' })
    } else {
      const next = argv[i + 1]
      if (next === undefined || next.startsWith('--')) throw new ConfigError(flag, `${flag} needs a value`)
      values.set(entry, { source: flag, raw: next })
      i++
    }
  }
  return { help, values }
}
