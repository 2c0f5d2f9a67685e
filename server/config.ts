import { bool, duration, int, oneOf, origins, text, type Parser } from './config-parsers.js'
// Defaults that belong to a module are defined there, once.
import { DEFAULT_FLUSH_MS } from './hub/hub.js'
import { DEFAULT_WINDOW_BYTES, DEFAULT_WINDOW_SIZE } from './log/durable-event-log.js'
import { DEFAULT_REDIS_HISTORY_POINTS, DEFAULT_REDIS_MAXLEN } from './log/redis-event-log.js'
import { DEFAULT_MAX_METRICS, DEFAULT_MAX_POINTS, DEFAULT_RETENTION_MS } from './log/sqlite-event-log.js'
import { DEFAULT_MAX_QUEUED_BYTES as DEFAULT_MAX_CLIENT_BUFFER_BYTES } from './sse/sse-connection.js'

/**
 * Settings from the environment and command-line flags (flags win), checked once at
 * startup into a frozen `Config`. Each setting is one row of `SETTINGS`.
 */

export const DEFAULT_PORT = 3000
export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_DATA_DIR = './data'
export const DEFAULT_HEARTBEAT_MS = 15_000
export const DEFAULT_LOG_LEVEL = 'info'
export const DEFAULT_BODY_LIMIT_BYTES = 1_048_576
export const DEFAULT_MAX_BATCH_POINTS = 10_000
export const DEFAULT_MAX_CLIENTS = 20_000
export const DEFAULT_MAX_CLIENTS_PER_IP = 200
export const DEFAULT_PUBLISH_RATE_LIMIT = 1000
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000
export const DEFAULT_RETRY_MS = 3_000

/** Log levels pino understands, most severe first. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** Event logs the server can run on. */
export const BROKERS = ['sqlite', 'redis'] as const
export type Broker = (typeof BROKERS)[number]

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
  /** Allow publishing without a token on a non-loopback HOST. Default false. */
  readonly allowAnonymousPublish: boolean
  /** Interval between SSE keep-alive comments, in ms. Default 15000. */
  readonly heartbeatMs: number
  /** Default info. */
  readonly logLevel: LogLevel
  /** Largest request body, in bytes. Default 1 MiB. */
  readonly bodyLimitBytes: number
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
  /** Concurrent stream clients from one IP address (more → 503). Default 200. */
  readonly maxClientsPerIp: number
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
  /** Age after which stored points are deleted, in ms. Default 7 days. */
  readonly retentionMs: number
  /** Stored points kept at most; the oldest go first. Default 50,000,000. */
  readonly maxPoints: number
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
  /** Processes serving the port (node:cluster); 1 runs no cluster. Default 1. */
  readonly workers: number
  /** Name of this instance in its self-metrics when several share one broker. Default: host name, port and worker. */
  readonly instanceId?: string
  /** `--help` was given: print `configHelp()` instead of starting. */
  readonly help: boolean
}

/** A bad or unknown setting. `setting` is the env variable or flag that held it. */
export class ConfigError extends Error {
  override name = 'ConfigError'
  readonly setting: string

  constructor (setting: string, message: string) {
    super(message)
    this.setting = setting
  }
}

type SettingKey = Exclude<keyof Config, 'help'>

interface Setting<K extends SettingKey = SettingKey> {
  readonly key: K
  readonly env: string
  readonly parser: Parser<Config[K]>
  readonly fallback: Config[K]
  readonly help: string
}

// A generic helper so the compiler checks that each row's parser and fallback match its key's type.
function setting<K extends SettingKey> (key: K, env: string, parser: Parser<Config[K]>, fallback: Config[K], help: string): Setting<K> {
  return { key, env, parser, fallback, help }
}

/** Every setting, in help order. The flag is the env name in lower kebab case: PORT → --port. */
const SETTINGS: readonly Setting[] = [
  setting('port', 'PORT', int(0, 65535), DEFAULT_PORT, 'TCP port to listen on (0 = any free port)'),
  setting('host', 'HOST', text, DEFAULT_HOST, 'interface to listen on'),
  setting('dataDir', 'DATA_DIR', text, DEFAULT_DATA_DIR, 'directory for stored data'),
  setting('publishToken', 'PUBLISH_TOKEN', text, undefined, 'bearer token required to publish; several, comma-separated, for rotation (default: none)'),
  setting('readToken', 'READ_TOKEN', text, undefined, 'bearer token (or the login page) required to read; several, comma-separated, for rotation (default: none)'),
  setting('tlsCert', 'TLS_CERT', text, undefined, 'PEM certificate file: serve HTTPS with HTTP/2 (and HTTP/1.1); needs TLS_KEY'),
  setting('tlsKey', 'TLS_KEY', text, undefined, 'PEM private key file for TLS_CERT'),
  setting('allowAnonymousPublish', 'ALLOW_ANONYMOUS_PUBLISH', bool, false, 'allow publishing without a token on a non-loopback HOST'),
  setting('heartbeatMs', 'HEARTBEAT_MS', int(1000, 3_600_000), DEFAULT_HEARTBEAT_MS, 'ms between SSE keep-alive comments'),
  setting('logLevel', 'LOG_LEVEL', oneOf(LOG_LEVELS), DEFAULT_LOG_LEVEL, LOG_LEVELS.join(' | ')),
  setting('bodyLimitBytes', 'BODY_LIMIT_BYTES', int(1024, 104_857_600), DEFAULT_BODY_LIMIT_BYTES, 'largest request body, bytes'),
  setting('maxBatchPoints', 'MAX_BATCH_POINTS', int(1, 100_000), DEFAULT_MAX_BATCH_POINTS, 'most points per publish request'),
  setting('windowSize', 'WINDOW_SIZE', int(100, 10_000_000), DEFAULT_WINDOW_SIZE, 'recent points kept in memory for fast resume'),
  setting('windowBytes', 'WINDOW_BYTES', int(1_048_576, 17_179_869_184), DEFAULT_WINDOW_BYTES, 'approximate bytes those points may take in memory'),
  setting('maxClientBufferBytes', 'MAX_CLIENT_BUFFER_BYTES', int(16_384, 1_073_741_824), DEFAULT_MAX_CLIENT_BUFFER_BYTES,
    'unsent bytes per stream client before it is cut off'),
  setting('maxClients', 'MAX_CLIENTS', int(1, 1_000_000), DEFAULT_MAX_CLIENTS, 'concurrent stream clients'),
  setting('corsOrigins', 'CORS_ORIGINS', origins, [], 'browser origins allowed to read the stream and read APIs (default: none, CORS off)'),
  setting('requestTimeoutMs', 'REQUEST_TIMEOUT_MS', int(1000, 600_000), DEFAULT_REQUEST_TIMEOUT_MS, 'ms a client has to send a whole request (slow senders get 408)'),
  setting('publishRateLimit', 'PUBLISH_RATE_LIMIT', int(0, 1_000_000), DEFAULT_PUBLISH_RATE_LIMIT, 'publish requests per second from one IP address (0 = no limit)'),
  setting('maxClientsPerIp', 'MAX_CLIENTS_PER_IP', int(1, 1_000_000), DEFAULT_MAX_CLIENTS_PER_IP, 'concurrent stream clients from one IP address'),
  setting('flushMs', 'FLUSH_MS', int(1, 1000), DEFAULT_FLUSH_MS, 'ms between writes of queued stream bytes'),
  setting('retryMs', 'RETRY_MS', int(100, 600_000), DEFAULT_RETRY_MS, 'reconnect delay sent to clients (SSE retry:), ms'),
  setting('maxMetrics', 'MAX_METRICS', int(1, 1_000_000), DEFAULT_MAX_METRICS, 'distinct metric names tracked'),
  setting('retentionMs', 'RETENTION', duration(60_000, 3650 * 86_400_000), DEFAULT_RETENTION_MS, 'age after which stored points are deleted (7d, 12h, …)'),
  setting('maxPoints', 'MAX_POINTS', int(1000, 10_000_000_000), DEFAULT_MAX_POINTS, 'stored points kept at most'),
  setting('selfMetrics', 'SELF_METRICS', bool, true, 'publish the server\'s own metrics'),
  setting('demo', 'DEMO', bool, false, 'run the simulated demo feed'),
  setting('broker', 'BROKER', oneOf(BROKERS), 'sqlite', 'where events are shared: sqlite (embedded) | redis (several instances)'),
  setting('redisUrl', 'REDIS_URL', text, undefined, 'Redis to share events through, redis://host:port (required with BROKER=redis)'),
  setting('redisMaxLen', 'REDIS_MAXLEN', int(1000, 1_000_000_000), DEFAULT_REDIS_MAXLEN, 'entries the Redis stream keeps for resume'),
  setting('redisHistoryPoints', 'REDIS_HISTORY_POINTS', int(100, 10_000_000), DEFAULT_REDIS_HISTORY_POINTS, 'history points Redis keeps per metric'),
  setting('workers', 'WORKERS', int(1, 256), 1, 'processes serving the port (node:cluster)'),
  setting('instanceId', 'INSTANCE_ID', text, undefined, 'name of this instance in its self-metrics (default: host name, port, worker)')
]

const HELP_FLAGS = new Set(['--help', '-h'])

function flagOf (entry: Setting): string {
  return `--${entry.env.toLowerCase().replaceAll('_', '-')}`
}

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
  return checkBroker(checkTls(checkExposure(Object.freeze(config) as unknown as Config)))
}

/** A Redis broker needs to know where Redis is. */
function checkBroker (config: Config): Config {
  if (config.broker !== 'redis' || config.redisUrl !== undefined) return config
  throw new ConfigError('REDIS_URL', 'BROKER=redis needs REDIS_URL, e.g. REDIS_URL=redis://127.0.0.1:6379')
}

function splitTokens (list: string | undefined): string[] {
  return (list ?? '').split(',').map((token) => token.trim()).filter((token) => token.length > 0)
}

/** The tokens in PUBLISH_TOKEN: one, or several separated by commas. */
export function publishTokens (config: Pick<Config, 'publishToken'>): string[] {
  return splitTokens(config.publishToken)
}

/** The tokens in READ_TOKEN: one, or several separated by commas; none means reading is open. */
export function readTokens (config: Pick<Config, 'readToken'>): string[] {
  return splitTokens(config.readToken)
}

/** A certificate without its key (or the reverse) is a half-done deployment: refuse it. */
function checkTls (config: Config): Config {
  if ((config.tlsCert === undefined) === (config.tlsKey === undefined)) return config
  const missing = config.tlsCert === undefined ? 'TLS_CERT' : 'TLS_KEY'
  throw new ConfigError(missing, `${missing} must be set too: HTTPS needs both TLS_CERT (certificate file) and TLS_KEY (private key file)`)
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|\[::1\]|localhost)$/i

/** Refuses to expose anonymous publishing beyond this machine unless asked to explicitly. */
function checkExposure (config: Config): Config {
  if (LOOPBACK.test(config.host) || publishTokens(config).length > 0 || config.allowAnonymousPublish) return config
  throw new ConfigError('PUBLISH_TOKEN', `HOST ${config.host} is reachable from other machines, so publishing needs a token: set PUBLISH_TOKEN=<a long random secret>, or pass --allow-anonymous-publish to accept anonymous publishes`)
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
