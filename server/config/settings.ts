import { bool, duration, hostNames, int, oneOf, origins, proxyTrust, showDuration, text } from './parsers.js'
import { setting, type Setting } from './setting.js'
// Defaults that belong to a module are defined there, once.
import { DEFAULT_MAX_FILTER_GLOBS } from '../core/metric-filter.js'
import { DEFAULT_FLUSH_MS, DEFAULT_MAX_FILTER_GROUPS } from '../hub/hub.js'
import { DEFAULT_DISCARD_LIMIT_BYTES } from '../http/lingering-close.js'
import { DEFAULT_MAX_HISTORY_POINTS, DEFAULT_MAX_METRICS, DEFAULT_RETENTION_MS } from '../log/event-log.js'
import { DEFAULT_REDIS_HISTORY_POINTS, DEFAULT_REDIS_MAXLEN, DEFAULT_REDIS_RECOVERY_MS } from '../log/redis/redis-event-log.js'
import { DEFAULT_MAX_QUEUED_READS, DEFAULT_WINDOW_BYTES, DEFAULT_WINDOW_SIZE } from '../log/sqlite/sqlite-event-log.js'
import { DEFAULT_MAX_POINTS } from '../log/sqlite/sqlite-writer.js'
import { DEFAULT_MAX_QUEUED_BYTES as DEFAULT_MAX_CLIENT_BUFFER_BYTES } from '../sse/sse-connection.js'
import { MIN_TOKEN_LENGTH } from './tokens.js'

/**
 * The table of settings, the one place each setting is declared: its Config field, environment
 * variable, flag, parser, default, unit and description. The `Config` type, `--help` and the
 * README's configuration table are all made from it.
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
/** Wrong tokens a minute from one address before it is refused: room for a typo, far too few to guess a token. */
export const DEFAULT_AUTH_FAILURE_LIMIT = 10

/** Log levels pino understands, most severe first. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** Stores the server can keep its events in. */
export const STORES = ['sqlite', 'redis'] as const
export type StoreKind = (typeof STORES)[number]

/** Every setting, in help order. */
export const SETTINGS = [
  setting({ key: 'port', env: 'PORT', parser: int(0, 65535), fallback: DEFAULT_PORT, description: 'TCP port to listen on (0 = any free port)' }),
  setting({ key: 'host', env: 'HOST', parser: text, fallback: DEFAULT_HOST, description: 'interface to listen on', details: 'loopback unless you say otherwise' }),
  setting({
    key: 'dataDir',
    env: 'DATA_DIR',
    parser: text,
    fallback: DEFAULT_DATA_DIR,
    description: 'directory for stored data, relative to the working directory',
    details: 'the SQLite event store (`pulseboard.db`) lives there; created if missing'
  }),
  setting({
    key: 'publishToken',
    env: 'PUBLISH_TOKEN',
    parser: text,
    description: 'bearer token required to publish; several, comma-separated, for rotation',
    details: `when set, publishing needs \`Authorization: Bearer <token>\`; every token of the list is accepted, so a token can be rotated without downtime. Each token needs at least ${MIN_TOKEN_LENGTH} characters; a shorter one, or a value with no token in it (\`,\`), stops start-up. Unset, anyone may publish`
  }),
  setting({
    key: 'readToken',
    env: 'READ_TOKEN',
    parser: text,
    description: 'bearer token (or the login page) required to read; several, comma-separated, for rotation',
    details: `when set, the dashboard, the stream and the read APIs need \`Authorization: Bearer <token>\` or a session cookie from the login page (\`/login\`); at least ${MIN_TOKEN_LENGTH} characters each, as for \`PUBLISH_TOKEN\`. \`/healthz\` and publishing are not affected. Unset, anyone may read`
  }),
  setting({
    key: 'tlsCert',
    env: 'TLS_CERT',
    parser: text,
    description: 'PEM certificate file, with its chain: serve HTTPS with HTTP/2 (and HTTP/1.1) on PORT; needs TLS_KEY'
  }),
  setting({
    key: 'tlsKey',
    env: 'TLS_KEY',
    parser: text,
    description: 'unencrypted PEM private key file of TLS_CERT',
    details: 'both or neither: one without the other, an unreadable file or a key that does not match stops start-up with one line naming the setting'
  }),
  setting({
    key: 'allowedHosts',
    env: 'ALLOWED_HOSTS',
    parser: hostNames,
    fallback: [],
    description: 'names clients may send as Host, besides localhost and this server\'s addresses, while reading or publishing needs no token; .example.com covers its subdomains, * any',
    details: 'while `READ_TOKEN` is unset (or, for publishing, `PUBLISH_TOKEN`), only requests whose `Host` names this server are served: `localhost`, `127.0.0.1`, `[::1]`, the `HOST` address (any address of the machine when `HOST` is `0.0.0.0` or `::`) and the names listed here, comma-separated, without port. Others get 403 `PB_ERR_HOST_NOT_ALLOWED`'
  }),
  setting({
    key: 'allowAnonymousPublish',
    env: 'ALLOW_ANONYMOUS_PUBLISH',
    parser: bool,
    fallback: false,
    description: 'allow publishing without a token on a non-loopback HOST',
    details: 'without it, the server refuses to start on such a `HOST` unless `PUBLISH_TOKEN` is set'
  }),
  setting({
    key: 'heartbeatMs',
    env: 'HEARTBEAT_MS',
    parser: int(1000, 3_600_000),
    fallback: DEFAULT_HEARTBEAT_MS,
    unit: 'ms',
    description: 'interval between SSE keep-alive comments',
    details: 'the `: ping` comment keeps proxies from closing idle streams; a stream sent points since the last one is not pinged'
  }),
  setting({ key: 'logLevel', env: 'LOG_LEVEL', parser: oneOf(LOG_LEVELS), fallback: DEFAULT_LOG_LEVEL, description: LOG_LEVELS.join(' | ') }),
  setting({ key: 'bodyLimitBytes', env: 'BODY_LIMIT_BYTES', parser: int(1024, 104_857_600), fallback: DEFAULT_BODY_LIMIT_BYTES, unit: 'bytes', description: 'largest request body' }),
  setting({
    key: 'discardLimitBytes',
    env: 'DISCARD_LIMIT_BYTES',
    parser: int(0, 1_073_741_824),
    fallback: DEFAULT_DISCARD_LIMIT_BYTES,
    unit: 'bytes',
    description: 'bytes of a refused request\'s body read and discarded so the client can read the answer; past them the connection is closed',
    details: 'a request refused before its body has arrived (a body over `BODY_LIMIT_BYTES`, a bad token, a rate limit) gets its answer at once; the rest of its body is read within `REQUEST_TIMEOUT_MS`, so that clients which send the whole body before reading get the answer (0 = close at once)'
  }),
  setting({ key: 'maxBatchPoints', env: 'MAX_BATCH_POINTS', parser: int(1, 100_000), fallback: DEFAULT_MAX_BATCH_POINTS, description: 'most points per publish request', details: 'more gets 413 `PB_ERR_BATCH_TOO_LARGE`' }),
  setting({
    key: 'windowSize',
    env: 'WINDOW_SIZE',
    parser: int(100, 10_000_000),
    fallback: DEFAULT_WINDOW_SIZE,
    description: 'recent points kept in memory for fast resume',
    details: 'most resumes then never touch the disk'
  }),
  setting({
    key: 'windowBytes',
    env: 'WINDOW_BYTES',
    parser: int(1_048_576, 17_179_869_184),
    fallback: DEFAULT_WINDOW_BYTES,
    unit: 'bytes',
    description: 'approximate bytes those points may take in memory',
    details: 'points with long tags count for more; older ones are read from SQLite'
  }),
  setting({
    key: 'maxClientBufferBytes',
    env: 'MAX_CLIENT_BUFFER_BYTES',
    parser: int(16_384, 1_073_741_824),
    fallback: DEFAULT_MAX_CLIENT_BUFFER_BYTES,
    unit: 'bytes',
    description: 'unsent bytes per stream client before it is cut off'
  }),
  setting({ key: 'maxClients', env: 'MAX_CLIENTS', parser: int(1, 1_000_000), fallback: DEFAULT_MAX_CLIENTS, description: 'concurrent stream clients', details: 'past it, 503 with `Retry-After`' }),
  setting({
    key: 'authFailureLimit',
    env: 'AUTH_FAILURE_LIMIT',
    parser: int(1, 1_000_000),
    fallback: DEFAULT_AUTH_FAILURE_LIMIT,
    description: 'wrong tokens a minute from one address before every request from it gets 429 for the rest of that minute',
    details: 'publish, read and sign-in tokens all count; the answer is `PB_ERR_TOO_MANY_AUTH_FAILURES` with `Retry-After`'
  }),
  setting({
    key: 'corsOrigins',
    env: 'CORS_ORIGINS',
    parser: origins,
    fallback: [],
    description: 'browser origins allowed to read the stream and read APIs; none turns CORS off',
    details: 'comma-separated, e.g. `https://ops.example.com`; publishing stays same-origin'
  }),
  setting({
    key: 'requestTimeoutMs',
    env: 'REQUEST_TIMEOUT_MS',
    parser: int(1000, 600_000),
    fallback: DEFAULT_REQUEST_TIMEOUT_MS,
    unit: 'ms',
    description: 'time a client has to send a whole request (slow senders get 408)',
    details: 'the slow sender is disconnected; over TLS a slow body is dropped (its HTTP/2 stream reset, its HTTP/1.1 connection closed) without the 408. Streams are not affected'
  }),
  setting({
    key: 'publishRateLimit',
    env: 'PUBLISH_RATE_LIMIT',
    parser: int(0, 1_000_000),
    fallback: DEFAULT_PUBLISH_RATE_LIMIT,
    description: 'publish requests per second from one IP address (0 = no limit)',
    details: 'an IPv6 client counts per /64; past it, 429 with `Retry-After`'
  }),
  setting({
    key: 'maxClientsPerIp',
    env: 'MAX_CLIENTS_PER_IP',
    parser: int(1, 1_000_000),
    fallback: DEFAULT_MAX_CLIENTS_PER_IP,
    description: 'concurrent stream clients from one IP address (IPv6: one /64; loopback not counted)',
    details: 'past it, 503 with `Retry-After`. Loopback clients (127.0.0.0/8, ::1: a proxy on the same machine, a local tool) still count towards `MAX_CLIENTS`'
  }),
  setting({
    key: 'trustProxy',
    env: 'TRUST_PROXY',
    parser: proxyTrust,
    description: 'proxies whose X-Forwarded-For names the client: addresses or CIDRs, comma-separated (loopback, 10.0.0.0/8), or a hop count',
    details: 'the client\'s address read from that header counts for `MAX_CLIENTS_PER_IP`, `PUBLISH_RATE_LIMIT`, the sign-in limit and the logs. Addresses and ranges such as `127.0.0.1`, `10.0.0.0/8`, `fd00::/8` and the names `loopback`, `linklocal`, `uniquelocal`; a hop count (`1` to `32`) believes that many entries from the right, whoever sent them, so only when nothing reaches the server except through the proxies. Unset, the header is ignored. See [Behind nginx](docs/deploy.md#behind-nginx)'
  }),
  setting({
    key: 'flushMs',
    env: 'FLUSH_MS',
    parser: int(1, 1000),
    fallback: DEFAULT_FLUSH_MS,
    unit: 'ms',
    description: 'delay between a publish and the write that sends it to stream clients; points published meanwhile go out in the same write'
  }),
  setting({ key: 'retryMs', env: 'RETRY_MS', parser: int(100, 600_000), fallback: DEFAULT_RETRY_MS, unit: 'ms', description: 'reconnect delay sent to clients (SSE retry:)' }),
  setting({ key: 'maxMetrics', env: 'MAX_METRICS', parser: int(1, 1_000_000), fallback: DEFAULT_MAX_METRICS, description: 'distinct metric names tracked', details: 'a publish that would add more gets 409 `PB_ERR_METRIC_LIMIT`' }),
  setting({ key: 'maxFilterGlobs', env: 'MAX_FILTER_GLOBS', parser: int(1, 10_000), fallback: DEFAULT_MAX_FILTER_GLOBS, description: 'distinct globs in one stream filter (?metrics=)', details: 'more gets 400' }),
  setting({
    key: 'maxFilterGroups',
    env: 'MAX_FILTER_GROUPS',
    parser: int(1, 1_000_000),
    fallback: DEFAULT_MAX_FILTER_GROUPS,
    description: 'distinct stream filters served at once',
    details: 'a stream with yet another gets 503 with `Retry-After`; streams with a filter already served, or none, still get in'
  }),
  setting({
    key: 'retentionMs',
    env: 'RETENTION',
    parser: duration(60_000, 3650 * 86_400_000),
    fallback: DEFAULT_RETENTION_MS,
    shownDefault: showDuration(DEFAULT_RETENTION_MS),
    description: 'age after which stored points are deleted (90s, 30m, 12h, 7d; a bare number is ms)'
  }),
  setting({ key: 'maxPoints', env: 'MAX_POINTS', parser: int(1000, 10_000_000_000), fallback: DEFAULT_MAX_POINTS, description: 'stored points kept at most; the oldest go first' }),
  setting({
    key: 'maxHistoryPoints',
    env: 'MAX_HISTORY_POINTS',
    parser: int(1000, 100_000_000),
    fallback: DEFAULT_MAX_HISTORY_POINTS,
    description: 'points one history request reads at most, newest first; older buckets are left out',
    details: 'the buckets of a range that holds more are answered from the newest back as far as this allows'
  }),
  setting({
    key: 'maxQueuedReads',
    env: 'MAX_QUEUED_READS',
    parser: int(1, 100_000),
    fallback: DEFAULT_MAX_QUEUED_READS,
    description: 'history reads waiting for a reader thread before more get 503',
    details: 'the readers are those of the embedded store; the 503 is `PB_ERR_OVERLOADED` with `Retry-After`'
  }),
  setting({ key: 'selfMetrics', env: 'SELF_METRICS', parser: bool, fallback: true, description: 'publish the server\'s own metrics every second' }),
  setting({ key: 'demo', env: 'DEMO', parser: bool, fallback: false, description: 'run the simulated demo feed (trading and web analytics)' }),
  setting({
    key: 'store',
    env: 'STORE',
    alias: 'BROKER',
    parser: oneOf(STORES),
    fallback: 'sqlite',
    description: 'where events are stored: sqlite (embedded) | redis (shared by several instances)',
    details: 'see [Scale-out](docs/deploy.md#scale-out-redis-and---workers)'
  }),
  setting({
    key: 'redisUrl',
    env: 'REDIS_URL',
    parser: text,
    description: 'Redis to share events through, redis://host:port (required with STORE=redis)',
    details: 'in full `redis://[user:password@]host:port[/db]`'
  }),
  setting({
    key: 'redisMaxLen',
    env: 'REDIS_MAXLEN',
    parser: int(1000, 1_000_000_000),
    fallback: DEFAULT_REDIS_MAXLEN,
    description: 'entries the Redis stream keeps for resume',
    details: '`XADD MAXLEN ~`: resume reaches back this far'
  }),
  setting({
    key: 'redisHistoryPoints',
    env: 'REDIS_HISTORY_POINTS',
    parser: int(100, 10_000_000),
    fallback: DEFAULT_REDIS_HISTORY_POINTS,
    description: 'history points Redis keeps per metric, on top of RETENTION'
  }),
  setting({
    key: 'redisRecoveryMs',
    env: 'REDIS_RECOVERY_MS',
    parser: int(2000, 600_000),
    fallback: DEFAULT_REDIS_RECOVERY_MS,
    unit: 'ms',
    description: 'time publishes wait after Redis lost data, so every instance can raise the id counter',
    details: 'publishes answer 503 meanwhile; see [When Redis loses data](docs/deploy.md#when-redis-loses-data)'
  }),
  setting({ key: 'workers', env: 'WORKERS', parser: int(1, 256), fallback: 1, description: 'processes serving the port (node:cluster)', details: 'the per-address limits hold for the whole port' }),
  setting({
    key: 'instanceId',
    env: 'INSTANCE_ID',
    parser: text,
    shownDefault: 'host:port[/wN]',
    description: 'name of this instance in its self-metrics when several share one stream',
    details: 'by default the host name and port, plus the worker\'s slot in a worker'
  })
] as const

type Row = (typeof SETTINGS)[number]
type RequiredKey<R> = R extends Setting<infer K, unknown, infer F> ? (undefined extends F ? never : K) : never
type OptionalKey<R> = R extends Setting<infer K, unknown, infer F> ? (undefined extends F ? K : never) : never
type ValueOf<R> = R extends Setting<string, infer T> ? T : never
// Spelled out into one object type, so editors show the fields rather than the mapped types.
type Flatten<T> = { [K in keyof T]: T[K] }

/**
 * The server's settings, one field per row of SETTINGS: a setting with a default is always there,
 * one without is absent unless given. `help` says `--help` was given.
 */
export type Config = Flatten<
  { readonly [R in Row as RequiredKey<R>]: ValueOf<R> } &
  { readonly [R in Row as OptionalKey<R>]?: ValueOf<R> } &
  { readonly help: boolean }
>

/** Every key of Config that a setting fills. */
export type SettingKey = Row['key']
