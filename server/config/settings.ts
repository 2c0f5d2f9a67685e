import type { Config } from './config.js'
import { bool, duration, hostNames, int, oneOf, origins, proxyTrust, text, type Parser } from './parsers.js'
// Defaults that belong to a module are defined there, once.
import { DEFAULT_MAX_FILTER_GLOBS } from '../core/topic-filter.js'
import { DEFAULT_FLUSH_MS, DEFAULT_MAX_FILTER_GROUPS } from '../hub/hub.js'
import { DEFAULT_MAX_QUEUED_READS, DEFAULT_WINDOW_BYTES, DEFAULT_WINDOW_SIZE } from '../log/durable-event-log.js'
import { DEFAULT_MAX_HISTORY_POINTS } from '../log/event-log.js'
import { DEFAULT_REDIS_HISTORY_POINTS, DEFAULT_REDIS_MAXLEN, DEFAULT_REDIS_RECOVERY_MS } from '../log/redis-event-log.js'
import { DEFAULT_DISCARD_LIMIT_BYTES } from '../plugins/lingering-close.js'
import { DEFAULT_MAX_METRICS, DEFAULT_MAX_POINTS, DEFAULT_RETENTION_MS } from '../log/sqlite-event-log.js'
import { DEFAULT_MAX_QUEUED_BYTES as DEFAULT_MAX_CLIENT_BUFFER_BYTES } from '../sse/sse-connection.js'

/** The table of settings: for each one its environment variable, parser, default and help line. */

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
/** Wrong tokens a minute from one address before it is refused: room for a typo, far too few to guess a token. */
export const DEFAULT_AUTH_FAILURE_LIMIT = 10

/** Log levels pino understands, most severe first. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** Event logs the server can run on. */
export const BROKERS = ['sqlite', 'redis'] as const
export type Broker = (typeof BROKERS)[number]

/** Every key of Config that a setting fills; `help` comes from `--help` alone. */
export type SettingKey = Exclude<keyof Config, 'help'>

/** One row of SETTINGS: where a key's raw value comes from, how it is read, and what it is without one. */
export interface Setting<K extends SettingKey = SettingKey> {
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

/** Every setting, in help order. */
export const SETTINGS: readonly Setting[] = [
  setting('port', 'PORT', int(0, 65535), DEFAULT_PORT, 'TCP port to listen on (0 = any free port)'),
  setting('host', 'HOST', text, DEFAULT_HOST, 'interface to listen on'),
  setting('dataDir', 'DATA_DIR', text, DEFAULT_DATA_DIR, 'directory for stored data'),
  setting('publishToken', 'PUBLISH_TOKEN', text, undefined, 'bearer token required to publish; several, comma-separated, for rotation (default: none)'),
  setting('readToken', 'READ_TOKEN', text, undefined, 'bearer token (or the login page) required to read; several, comma-separated, for rotation (default: none)'),
  setting('tlsCert', 'TLS_CERT', text, undefined, 'PEM certificate file: serve HTTPS with HTTP/2 (and HTTP/1.1); needs TLS_KEY'),
  setting('tlsKey', 'TLS_KEY', text, undefined, 'PEM private key file for TLS_CERT'),
  setting('allowedHosts', 'ALLOWED_HOSTS', hostNames, [], 'names clients may send as Host, besides localhost and this server\'s addresses, while reading or publishing needs no token; .example.com covers its subdomains, * any (default: none)'),
  setting('allowAnonymousPublish', 'ALLOW_ANONYMOUS_PUBLISH', bool, false, 'allow publishing without a token on a non-loopback HOST'),
  setting('heartbeatMs', 'HEARTBEAT_MS', int(1000, 3_600_000), DEFAULT_HEARTBEAT_MS, 'ms between SSE keep-alive comments'),
  setting('logLevel', 'LOG_LEVEL', oneOf(LOG_LEVELS), DEFAULT_LOG_LEVEL, LOG_LEVELS.join(' | ')),
  setting('bodyLimitBytes', 'BODY_LIMIT_BYTES', int(1024, 104_857_600), DEFAULT_BODY_LIMIT_BYTES, 'largest request body, bytes'),
  setting('discardLimitBytes', 'DISCARD_LIMIT_BYTES', int(0, 1_073_741_824), DEFAULT_DISCARD_LIMIT_BYTES,
    'bytes of a refused request\'s body read and discarded so the client can read the answer; past them the connection is closed'),
  setting('maxBatchPoints', 'MAX_BATCH_POINTS', int(1, 100_000), DEFAULT_MAX_BATCH_POINTS, 'most points per publish request'),
  setting('windowSize', 'WINDOW_SIZE', int(100, 10_000_000), DEFAULT_WINDOW_SIZE, 'recent points kept in memory for fast resume'),
  setting('windowBytes', 'WINDOW_BYTES', int(1_048_576, 17_179_869_184), DEFAULT_WINDOW_BYTES, 'approximate bytes those points may take in memory'),
  setting('maxClientBufferBytes', 'MAX_CLIENT_BUFFER_BYTES', int(16_384, 1_073_741_824), DEFAULT_MAX_CLIENT_BUFFER_BYTES,
    'unsent bytes per stream client before it is cut off'),
  setting('maxClients', 'MAX_CLIENTS', int(1, 1_000_000), DEFAULT_MAX_CLIENTS, 'concurrent stream clients'),
  setting('authFailureLimit', 'AUTH_FAILURE_LIMIT', int(1, 1_000_000), DEFAULT_AUTH_FAILURE_LIMIT,
    'wrong tokens a minute from one address before every request from it gets 429 for the rest of that minute'),
  setting('corsOrigins', 'CORS_ORIGINS', origins, [], 'browser origins allowed to read the stream and read APIs (default: none, CORS off)'),
  setting('requestTimeoutMs', 'REQUEST_TIMEOUT_MS', int(1000, 600_000), DEFAULT_REQUEST_TIMEOUT_MS, 'ms a client has to send a whole request (slow senders get 408)'),
  setting('publishRateLimit', 'PUBLISH_RATE_LIMIT', int(0, 1_000_000), DEFAULT_PUBLISH_RATE_LIMIT, 'publish requests per second from one IP address (0 = no limit)'),
  setting('maxClientsPerIp', 'MAX_CLIENTS_PER_IP', int(1, 1_000_000), DEFAULT_MAX_CLIENTS_PER_IP, 'concurrent stream clients from one IP address (IPv6: one /64; loopback not counted)'),
  setting('trustProxy', 'TRUST_PROXY', proxyTrust, undefined, 'proxies whose X-Forwarded-For names the client: addresses or CIDRs, comma-separated (loopback, 10.0.0.0/8), or a hop count (default: none)'),
  setting('flushMs', 'FLUSH_MS', int(1, 1000), DEFAULT_FLUSH_MS, 'ms between writes of queued stream bytes'),
  setting('retryMs', 'RETRY_MS', int(100, 600_000), DEFAULT_RETRY_MS, 'reconnect delay sent to clients (SSE retry:), ms'),
  setting('maxMetrics', 'MAX_METRICS', int(1, 1_000_000), DEFAULT_MAX_METRICS, 'distinct metric names tracked'),
  setting('maxFilterGlobs', 'MAX_FILTER_GLOBS', int(1, 10_000), DEFAULT_MAX_FILTER_GLOBS, 'distinct globs in one stream filter (?metrics=)'),
  setting('maxFilterGroups', 'MAX_FILTER_GROUPS', int(1, 1_000_000), DEFAULT_MAX_FILTER_GROUPS, 'distinct stream filters served at once'),
  setting('retentionMs', 'RETENTION', duration(60_000, 3650 * 86_400_000), DEFAULT_RETENTION_MS, 'age after which stored points are deleted (7d, 12h, …)'),
  setting('maxPoints', 'MAX_POINTS', int(1000, 10_000_000_000), DEFAULT_MAX_POINTS, 'stored points kept at most'),
  setting('maxHistoryPoints', 'MAX_HISTORY_POINTS', int(1000, 100_000_000), DEFAULT_MAX_HISTORY_POINTS,
    'points one history request reads at most, newest first; older buckets are left out'),
  setting('maxQueuedReads', 'MAX_QUEUED_READS', int(1, 100_000), DEFAULT_MAX_QUEUED_READS, 'history reads waiting for a reader thread before more get 503'),
  setting('selfMetrics', 'SELF_METRICS', bool, true, 'publish the server\'s own metrics'),
  setting('demo', 'DEMO', bool, false, 'run the simulated demo feed'),
  setting('broker', 'BROKER', oneOf(BROKERS), 'sqlite', 'where events are shared: sqlite (embedded) | redis (several instances)'),
  setting('redisUrl', 'REDIS_URL', text, undefined, 'Redis to share events through, redis://host:port (required with BROKER=redis)'),
  setting('redisMaxLen', 'REDIS_MAXLEN', int(1000, 1_000_000_000), DEFAULT_REDIS_MAXLEN, 'entries the Redis stream keeps for resume'),
  setting('redisHistoryPoints', 'REDIS_HISTORY_POINTS', int(100, 10_000_000), DEFAULT_REDIS_HISTORY_POINTS, 'history points Redis keeps per metric'),
  setting('redisRecoveryMs', 'REDIS_RECOVERY_MS', int(2000, 600_000), DEFAULT_REDIS_RECOVERY_MS,
    'ms publishes wait after Redis lost data, so every instance can raise the id counter'),
  setting('workers', 'WORKERS', int(1, 256), 1, 'processes serving the port (node:cluster)'),
  setting('instanceId', 'INSTANCE_ID', text, undefined, 'name of this instance in its self-metrics (default: host name, port, worker)')
]

/** The flag of a setting: its env name in lower kebab case, PORT → --port. */
export function flagOf (entry: Setting): string {
  return `--${entry.env.toLowerCase().replaceAll('_', '-')}`
}
