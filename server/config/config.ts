import { checkConfig } from './checks.js'
import { ConfigError } from './config-error.js'
import { bool, type ProxyTrust } from './parsers.js'
import { flagOf, SETTINGS, type Broker, type LogLevel, type Setting, type SettingKey } from './settings.js'

/**
 * Settings from the environment and command-line flags (flags win), checked once at
 * startup into a frozen `Config`. Each setting is one row of `SETTINGS` (settings.ts).
 */

export { ConfigError } from './config-error.js'
export { publishTokens, readTokens } from './tokens.js'

/** The server's settings. Every number carries its unit in its name. */
export interface Config {
  /** TCP port; 0 picks a free one. Default 3000. */
  readonly port: number
  /** Interface to listen on. Default 127.0.0.1 (loopback only). */
  readonly host: string
  /** Directory for stored data, as given (relative to the working directory). Default ./data. */
  readonly dataDir: string
  /** Bearer token required to publish, or several separated by commas (rotation); absent means anyone may publish. Default none. */
  readonly publishToken?: string
  /** Bearer token required to read (dashboard, stream, read APIs), or several separated by commas; absent means anyone may read. Default none. */
  readonly readToken?: string
  /** Path of the PEM certificate (chain) for HTTPS with HTTP/2; set together with `tlsKey`. Default none (plain HTTP). */
  readonly tlsCert?: string
  /** Path of the PEM private key for `tlsCert`. Default none. */
  readonly tlsKey?: string
  /**
   * Host names, besides loopback and the bound address, that may reach the server while READ_TOKEN
   * (or, for publishing, PUBLISH_TOKEN) is unset; `.example.com` also admits its subdomains, `*` any Host. Default empty.
   */
  readonly allowedHosts: readonly string[]
  /** Allow publishing without a token on a non-loopback HOST. Default false. */
  readonly allowAnonymousPublish: boolean
  /** Interval between SSE keep-alive comments, in ms. Default 15000. */
  readonly heartbeatMs: number
  /** Default info. */
  readonly logLevel: LogLevel
  /** Largest request body, in bytes. Default 1 MiB. */
  readonly bodyLimitBytes: number
  /** Bytes of a request body still read and discarded after it was refused, so the client can read the answer; past them the connection is closed. Default 64 MiB. */
  readonly discardLimitBytes: number
  /** Most points in one publish request (more → 413). Default 10000. */
  readonly maxBatchPoints: number
  /** Points kept in memory for resume and history. Default 100000. */
  readonly windowSize: number
  /** Approximate bytes those points may take in memory. Default 16 MiB. */
  readonly windowBytes: number
  /** Unsent bytes allowed per stream client before it is cut off. Default 1 MiB. */
  readonly maxClientBufferBytes: number
  /** Concurrent stream clients (more → 503). Default 20000. */
  readonly maxClients: number
  /** Concurrent stream clients from one IP address, or one IPv6 /64 (more → 503); loopback clients are not counted. Default 200. */
  readonly maxClientsPerIp: number
  /** Wrong tokens a minute from one address before it gets 429 for the rest of that minute. Default 10. */
  readonly authFailureLimit: number
  /**
   * Proxies whose `X-Forwarded-For` is believed: addresses, CIDR ranges and `loopback`/`linklocal`/`uniquelocal`,
   * or a hop count. The client's address is then read from that header for limits and logs. Default none.
   */
  readonly trustProxy?: ProxyTrust
  /** Browser origins allowed to read the stream and the read APIs (CORS); empty turns CORS off. Default empty. */
  readonly corsOrigins: readonly string[]
  /** Time a client has to send a whole request (headers and body) before it is dropped with 408, in ms. Default 30000. */
  readonly requestTimeoutMs: number
  /** Publish requests per second from one IP address (more → 429); 0 turns the limit off. Default 1000. */
  readonly publishRateLimit: number
  /** How often queued stream bytes are written, coalescing frames, in ms. Default 25. */
  readonly flushMs: number
  /** Reconnect delay sent to clients as SSE `retry:`, in ms. Default 3000. */
  readonly retryMs: number
  /** Distinct metric names tracked; a publish that would add more is refused. Default 10000. */
  readonly maxMetrics: number
  /** Distinct globs in one stream's `?metrics=` (more → 400). Default 400. */
  readonly maxFilterGlobs: number
  /** Distinct stream filters served at once (a stream with a new one past it → 503). Default 1000. */
  readonly maxFilterGroups: number
  /** Age after which stored points are deleted, in ms. Default 7 days. */
  readonly retentionMs: number
  /** Stored points kept at most; the oldest go first. Default 50,000,000. */
  readonly maxPoints: number
  /** Points one bucketed history request reads at most, newest first; older buckets are left out. Default 200,000. */
  readonly maxHistoryPoints: number
  /** History reads waiting for a reader thread before more are refused with 503. Default 64. */
  readonly maxQueuedReads: number
  /** Publish the server's own metrics. Default true. */
  readonly selfMetrics: boolean
  /** Run the simulated demo feed. Default false. */
  readonly demo: boolean
  /** Where events are shared: the embedded SQLite log, or Redis Streams for several instances. Default sqlite. */
  readonly broker: Broker
  /** Redis to share events through (`redis://host:port/db`); required when `broker` is redis. */
  readonly redisUrl?: string
  /** Entries the Redis stream keeps for resume (`XADD MAXLEN ~`). Default 1,000,000. */
  readonly redisMaxLen: number
  /** Points of history Redis keeps per metric, on top of RETENTION. Default 100,000. */
  readonly redisHistoryPoints: number
  /** Time in ms publishes wait after Redis lost data, while every instance raises the id counter. */
  readonly redisRecoveryMs: number
  /** Processes serving the port (node:cluster); 1 runs no cluster. Default 1. */
  readonly workers: number
  /** Name of this instance in its self-metrics when several share one broker. Default: host name, port and worker. */
  readonly instanceId?: string
  /** `--help` was given: print `configHelp()` instead of starting. */
  readonly help: boolean
}

const HELP_FLAGS = new Set(['--help', '-h'])

const BY_FLAG = new Map(SETTINGS.map((entry) => [flagOf(entry), entry]))

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
    const envRaw = env[entry.env]
    const given = fromFlags.values.get(entry) ?? (envRaw === undefined ? undefined : { source: entry.env, raw: envRaw })
    const value = given === undefined ? entry.fallback : parseValue(entry, given)
    if (value !== undefined) config[entry.key] = value
  }
  // Every SETTINGS row has been read through a parser typed for its key, so the record is a Config.
  return checkConfig(Object.freeze(config) as unknown as Config)
}

function parseValue (entry: Setting, { source, raw }: RawValue): Config[SettingKey] {
  const value = entry.parser.parse(raw)
  if (value === undefined) {
    const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw
    throw new ConfigError(source, `${source} must be ${entry.parser.expected} (got ${JSON.stringify(shown)})`)
  }
  return value
}

interface Flags {
  readonly help: boolean
  readonly values: Map<Setting, RawValue>
}

function readFlags (argv: readonly string[]): Flags {
  const values = new Map<Setting, RawValue>()
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
    if (negated?.parser === bool) {
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
    } else if (entry.parser === bool) {
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

/** The `--help` text: every option with its environment variable and default. */
export function configHelp (): string {
  const rows = SETTINGS.map((entry) => {
    const flag = entry.parser === bool ? `${flagOf(entry)}, --no-${flagOf(entry).slice(2)}` : `${flagOf(entry)} <value>`
    const fallback = entry.fallback === undefined ? '' : ` (default ${String(entry.fallback)})`
    return [flag, entry.env, entry.help + fallback] as const
  })
  const flagWidth = Math.max(...rows.map(([flag]) => flag.length)) + 2
  const envWidth = Math.max(...rows.map(([, env]) => env.length)) + 2
  const lines = rows.map(([flag, env, help]) => `  ${flag.padEnd(flagWidth)}${env.padEnd(envWidth)}${help}`)
  return [
    'Usage: pulseboard [options]',
    '',
    'Each option can also be set with its environment variable; an option wins over the variable.',
    '',
    ...lines,
    `  ${'--help, -h'.padEnd(flagWidth)}${''.padEnd(envWidth)}print this help and exit`,
    ''
  ].join('\n')
}
