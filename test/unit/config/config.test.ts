import t from 'tap'
import { ConfigError, configHelp, parseConfig, publishTokens, readTokens } from '../../../server/config/config.js'
import { DEFAULT_PORT } from '../../../server/config/settings.js'

/** Runs parseConfig and returns the ConfigError it throws; throws (failing the test) when it does not. */
function configError (argv: string[], env: Record<string, string | undefined> = {}): ConfigError {
  try {
    parseConfig(argv, env)
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify({ argv, env })}`)
}

t.test('defaults', async (t) => {
  const config = parseConfig([], {})
  t.strictSame({ ...config }, {
    help: false,
    port: 3000,
    host: '127.0.0.1',
    dataDir: './data',
    heartbeatMs: 15000,
    logLevel: 'info',
    bodyLimitBytes: 1048576,
    discardLimitBytes: 67108864,
    maxBatchPoints: 10000,
    windowSize: 100000,
    windowBytes: 4194304,
    maxClientBufferBytes: 1048576,
    maxClients: 20000,
    maxClientsPerIp: 200,
    publishRateLimit: 1000,
    requestTimeoutMs: 30000,
    authFailureLimit: 10,
    corsOrigins: [],
    flushMs: 25,
    retryMs: 3000,
    maxMetrics: 10000,
    maxFilterGlobs: 400,
    maxFilterGroups: 1000,
    retentionMs: 604800000,
    maxPoints: 50000000,
    maxHistoryPoints: 200000,
    maxQueuedReads: 64,
    selfMetrics: true,
    demo: false,
    store: 'sqlite',
    redisMaxLen: 1000000,
    redisHistoryPoints: 20000,
    redisRecoveryMs: 5000,
    workers: 1,
    allowedHosts: [],
    allowAnonymousPublish: false
  })
  t.notOk('publishToken' in config, 'no token by default')
  t.notOk('trustProxy' in config, 'no proxy is trusted by default')
  t.ok(Object.isFrozen(config))
  t.equal(DEFAULT_PORT, 3000)
})

t.test('reads every setting from the environment', async (t) => {
  const config = parseConfig([], {
    PORT: '0',
    HOST: '0.0.0.0',
    DATA_DIR: '/var/lib/pulseboard',
    ALLOW_ANONYMOUS_PUBLISH: 'false',
    ALLOWED_HOSTS: 'pulse.example.com, .corp.example',
    MAX_CLIENTS_PER_IP: '7',
    TRUST_PROXY: '10.0.0.0/8, loopback',
    PUBLISH_RATE_LIMIT: '0',
    REQUEST_TIMEOUT_MS: '1000',
    CORS_ORIGINS: 'https://ops.example.com, http://localhost:5173',
    AUTH_FAILURE_LIMIT: '3',
    PUBLISH_TOKEN: 's3cret-publish-token',
    READ_TOKEN: 'reader-token-0123456',
    TLS_CERT: '/etc/pulseboard/cert.pem',
    TLS_KEY: '/etc/pulseboard/key.pem',
    HEARTBEAT_MS: '1000',
    LOG_LEVEL: 'debug',
    BODY_LIMIT_BYTES: '2048',
    DISCARD_LIMIT_BYTES: '0',
    MAX_BATCH_POINTS: '100000',
    WINDOW_SIZE: '100',
    WINDOW_BYTES: '2097152',
    MAX_CLIENT_BUFFER_BYTES: '16384',
    MAX_CLIENTS: '1',
    FLUSH_MS: '1000',
    RETRY_MS: '100',
    MAX_METRICS: '1000000',
    MAX_FILTER_GLOBS: '10',
    MAX_FILTER_GROUPS: '20',
    RETENTION: '12h',
    MAX_POINTS: '1000',
    MAX_HISTORY_POINTS: '5000',
    MAX_QUEUED_READS: '3',
    SELF_METRICS: 'no',
    DEMO: 'YES',
    STORE: 'redis',
    REDIS_URL: 'redis://10.0.0.5:6379/2',
    REDIS_MAXLEN: '5000',
    REDIS_HISTORY_POINTS: '100',
    REDIS_RECOVERY_MS: '3000',
    WORKERS: '4',
    INSTANCE_ID: 'eu-1',
    UNRELATED: 'ignored'
  })
  t.strictSame({ ...config }, {
    help: false,
    port: 0,
    host: '0.0.0.0',
    dataDir: '/var/lib/pulseboard',
    publishToken: 's3cret-publish-token',
    readToken: 'reader-token-0123456',
    tlsCert: '/etc/pulseboard/cert.pem',
    tlsKey: '/etc/pulseboard/key.pem',
    heartbeatMs: 1000,
    logLevel: 'debug',
    bodyLimitBytes: 2048,
    discardLimitBytes: 0,
    maxBatchPoints: 100000,
    windowSize: 100,
    windowBytes: 2097152,
    maxClientBufferBytes: 16384,
    maxClients: 1,
    maxClientsPerIp: 7,
    trustProxy: ['10.0.0.0/8', 'loopback'],
    publishRateLimit: 0,
    requestTimeoutMs: 1000,
    authFailureLimit: 3,
    corsOrigins: ['https://ops.example.com', 'http://localhost:5173'],
    flushMs: 1000,
    retryMs: 100,
    maxMetrics: 1000000,
    maxFilterGlobs: 10,
    maxFilterGroups: 20,
    retentionMs: 43200000,
    maxPoints: 1000,
    maxHistoryPoints: 5000,
    maxQueuedReads: 3,
    selfMetrics: false,
    demo: true,
    store: 'redis',
    redisUrl: 'redis://10.0.0.5:6379/2',
    redisMaxLen: 5000,
    redisHistoryPoints: 100,
    redisRecoveryMs: 3000,
    workers: 4,
    instanceId: 'eu-1',
    allowedHosts: ['pulse.example.com', '.corp.example'],
    allowAnonymousPublish: false
  })
})

t.test('flags win over the environment, in both forms', async (t) => {
  const env = { PORT: '4000', HOST: 'example.org', LOG_LEVEL: 'warn' }
  const config = parseConfig(['--port', '5000', '--host=::1', '--log-level=trace', '--port=6000'], env)
  t.equal(config.port, 6000, 'the last flag wins')
  t.equal(config.host, '::1')
  t.equal(config.logLevel, 'trace')
  t.equal(parseConfig(['--publish-token', 'abc=def-0123456789'], {}).publishToken, 'abc=def-0123456789', 'a value may hold "="')
  t.equal(parseConfig(['--publish-token=a=b-0123456789abcdef'], {}).publishToken, 'a=b-0123456789abcdef', 'only the first "=" splits')
  t.equal(parseConfig(['--data-dir', '-d'], {}).dataDir, '-d', 'a value may start with one dash')
})

t.test('durations take a unit, or ms without one, within their range', async (t) => {
  for (const [raw, ms] of [['7d', 604_800_000], ['36h', 129_600_000], ['30m', 1_800_000], ['90s', 90_000], ['120000ms', 120_000], ['60000', 60_000]] as const) {
    t.equal(parseConfig([], { RETENTION: raw }).retentionMs, ms, `RETENTION=${raw}`)
  }
  t.equal(parseConfig(['--retention', '1d'], { RETENTION: '7d' }).retentionMs, 86_400_000)
  for (const raw of ['59s', '3651d', '1w', '-1d', '1.5h', 'd', '']) {
    t.match(configError([], { RETENTION: raw }), { setting: 'RETENTION', message: /^RETENTION must be a duration such as 7d/ }, `RETENTION=${raw}`)
  }
})

t.test('booleans', async (t) => {
  t.equal(parseConfig(['--no-self-metrics'], { SELF_METRICS: 'true' }).selfMetrics, false)
  t.equal(parseConfig(['--self-metrics'], { SELF_METRICS: '0' }).selfMetrics, true)
  t.equal(parseConfig(['--demo'], {}).demo, true)
  t.equal(parseConfig(['--demo', '--no-demo'], {}).demo, false)
  t.equal(parseConfig(['--demo=false'], {}).demo, false)
  for (const [raw, value] of [['1', true], ['0', false], ['true', true], ['FALSE', false], ['Yes', true], ['no', false]] as const) {
    t.equal(parseConfig([], { DEMO: raw }).demo, value, `DEMO=${raw}`)
  }
  const err = configError([], { SELF_METRICS: 'constructor' })
  t.equal(err.setting, 'SELF_METRICS')
  t.equal(err.message, 'SELF_METRICS must be one of 1, 0, true, false, yes, no (any case) (got "constructor")')
  t.match(configError(['--no-demo=1']), { setting: '--no-demo', message: '--no-demo takes no value' })
  t.match(configError(['--demo=maybe']), { setting: '--demo', message: /^--demo must be one of 1, 0/ })
})

t.test('an invalid integer names the setting and the range', async (t) => {
  const err = configError([], { PORT: 'abc' })
  t.type(err, ConfigError)
  t.equal(err.name, 'ConfigError')
  t.equal(err.setting, 'PORT')
  t.equal(err.message, 'PORT must be an integer from 0 to 65535 (got "abc")')
  for (const raw of ['', ' 80', '80.5', '1e3', '0x50', '-1', '65536', '+80', '99999999999999999999999']) {
    t.equal(configError([], { PORT: raw }).setting, 'PORT', JSON.stringify(raw))
  }
  t.match(configError(['--heartbeat-ms', '999']), {
    setting: '--heartbeat-ms', message: '--heartbeat-ms must be an integer from 1000 to 3600000 (got "999")'
  })
  t.match(configError(['--flush-ms=0'], { FLUSH_MS: '5' }), { setting: '--flush-ms' }, 'the flag, not the env, is named')
  t.match(configError([], { MAX_CLIENT_BUFFER_BYTES: '16383' }), { message: /from 16384 to 1073741824/ })
  t.match(configError([], { AUTH_FAILURE_LIMIT: '0' }), { setting: 'AUTH_FAILURE_LIMIT', message: /from 1 to 1000000/ }, 'the limit cannot be turned off')
  t.match(configError([], { WINDOW_SIZE: 'x'.repeat(100) }), { message: `WINDOW_SIZE must be an integer from 100 to 10000000 (got "${'x'.repeat(40)}…")` })
})

t.test('other invalid values', async (t) => {
  t.match(configError([], { LOG_LEVEL: 'verbose' }), {
    setting: 'LOG_LEVEL', message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")'
  })
  t.match(configError([], { LOG_LEVEL: 'INFO' }), { setting: 'LOG_LEVEL' }, 'levels are lower case')
  t.match(configError([], { HOST: '  ' }), { setting: 'HOST', message: 'HOST must be a non-empty string (got "  ")' })
  t.match(configError([], { PUBLISH_TOKEN: '' }), { setting: 'PUBLISH_TOKEN', message: /non-empty string/ })
  t.match(configError(['--data-dir='], {}), { setting: '--data-dir' })
})

t.test('unknown options and stray arguments', async (t) => {
  t.match(configError(['--prot', '3000']), { setting: '--prot', message: 'unknown option --prot (see --help)' })
  t.match(configError(['--prot=3000']), { setting: '--prot', message: 'unknown option --prot (see --help)' })
  t.match(configError(['--no-port']), { setting: '--no-port', message: 'unknown option --no-port (see --help)' })
  t.match(configError(['-p']), { setting: '-p', message: 'unknown option -p (see --help)' })
  t.match(configError(['serve']), { setting: 'serve', message: 'unexpected argument "serve" (see --help)' })
})

t.test('a flag without its value', async (t) => {
  t.match(configError(['--port']), { setting: '--port', message: '--port needs a value' })
  t.match(configError(['--port', '--demo']), { setting: '--port', message: '--port needs a value' })
})

t.test('--help and -h', async (t) => {
  t.equal(parseConfig(['--help'], {}).help, true)
  t.equal(parseConfig(['--port', '1', '-h'], {}).help, true)
  t.equal(parseConfig(['-h'], { PORT: '8080' }).port, 8080, 'the rest is still read')
})

t.test('configHelp lists every setting with its variable and default', async (t) => {
  const help = configHelp()
  t.match(help, /^Usage: pulseboard \[options\]/)
  t.match(help, /--port <value> +PORT +TCP port to listen on \(0 = any free port\) \(default 3000\)/)
  t.match(help, /--publish-token <value> +PUBLISH_TOKEN +bearer token required to publish; several, comma-separated, for rotation \(default: none\)\n/)
  t.match(help, /--self-metrics, --no-self-metrics +SELF_METRICS +.*\(default true\)/)
  t.match(help, /--log-level <value> +LOG_LEVEL +fatal \| error .*\(default info\)/)
  t.match(help, /--help, -h +print this help and exit\n$/)
  const env = ['PORT', 'HOST', 'DATA_DIR', 'PUBLISH_TOKEN', 'READ_TOKEN', 'TLS_CERT', 'TLS_KEY', 'HEARTBEAT_MS', 'LOG_LEVEL', 'BODY_LIMIT_BYTES', 'MAX_BATCH_POINTS',
    'WINDOW_SIZE', 'WINDOW_BYTES', 'MAX_CLIENT_BUFFER_BYTES', 'MAX_CLIENTS', 'MAX_CLIENTS_PER_IP', 'TRUST_PROXY', 'PUBLISH_RATE_LIMIT', 'REQUEST_TIMEOUT_MS', 'CORS_ORIGINS', 'ALLOWED_HOSTS', 'AUTH_FAILURE_LIMIT', 'ALLOW_ANONYMOUS_PUBLISH', 'RETENTION', 'MAX_POINTS', 'FLUSH_MS', 'RETRY_MS', 'MAX_METRICS', 'SELF_METRICS', 'DEMO']
  for (const name of env) t.match(help, new RegExp(` ${name} `), name)
})

t.test('a non-loopback HOST needs a publish token unless anonymous publishing is asked for', async (t) => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', 'LOCALHOST']) {
    t.equal(parseConfig(['--host', host], {}).host, host, `${host} is loopback`)
  }
  for (const host of ['0.0.0.0', '::', '192.168.1.10', 'pulse.example.org']) {
    const err = configError(['--host', host])
    t.equal(err.setting, 'PUBLISH_TOKEN', host)
    t.match(err.message, /set PUBLISH_TOKEN=.*--allow-anonymous-publish/)
  }
  t.equal(parseConfig(['--host', '0.0.0.0'], { PUBLISH_TOKEN: 'a-long-secret-0123456789' }).host, '0.0.0.0')
  t.equal(parseConfig(['--host', '0.0.0.0', '--allow-anonymous-publish'], {}).allowAnonymousPublish, true)
  t.match(configError(['--host', '0.0.0.0'], { PUBLISH_TOKEN: ' , ' }), { setting: 'PUBLISH_TOKEN' }, 'a list of blanks is no token')
})

t.test('PUBLISH_TOKEN may list several tokens for rotation', async (t) => {
  t.same(publishTokens(parseConfig([], { PUBLISH_TOKEN: 'old-publish-token-1, new-publish-token-2' })), ['old-publish-token-1', 'new-publish-token-2'])
  t.same(publishTokens(parseConfig([], {})), [])
})

t.test('READ_TOKEN may list several tokens for rotation; none leaves reading open', async (t) => {
  t.same(readTokens(parseConfig([], { READ_TOKEN: 'reader-token-0001 ,reader-token-0002' })), ['reader-token-0001', 'reader-token-0002'])
  t.same(readTokens(parseConfig(['--read-token', 'flag-reader-0123456'], {})), ['flag-reader-0123456'])
  t.same(readTokens(parseConfig([], {})), [])
  t.match(configError([], { READ_TOKEN: ' ' }), { setting: 'READ_TOKEN' }, 'blank is not a token')
})

t.test('a token setting that holds no token, or a token under 16 characters, stops start-up naming it', async (t) => {
  for (const name of ['PUBLISH_TOKEN', 'READ_TOKEN']) {
    t.match(configError([], { [name]: ',' }), { setting: name, message: new RegExp(`^${name} holds no token`) }, `${name}=","`)
    t.match(configError([], { [name]: ' , ,' }), { setting: name, message: /holds no token/ }, 'commas and blanks')
    t.match(configError([], { [name]: 'x' }), { setting: name, message: new RegExp(`^${name} holds a token of 1 characters; each token needs at least 16`) })
    const short = configError([], { [name]: 'a-long-enough-token-0,short-secret-15' })
    t.match(short, { setting: name, message: /token of 15 characters/ }, 'every token of a rotation list counts')
    t.notMatch(short.message, /short-secret-15/, 'the message never shows the secret')
  }
  t.match(configError(['--read-token', 'abc'], {}), { setting: 'READ_TOKEN' }, 'from a flag too')
  t.equal(parseConfig([], { READ_TOKEN: '0123456789abcdef' }).readToken, '0123456789abcdef', '16 characters are enough')
})

t.test('TLS_CERT and TLS_KEY come together or not at all', async (t) => {
  t.match(configError([], { TLS_CERT: 'cert.pem' }), { setting: 'TLS_KEY', message: /TLS_KEY must be set too/ })
  t.match(configError(['--tls-key', 'key.pem']), { setting: 'TLS_CERT', message: /TLS_CERT must be set too/ })
  t.match(parseConfig(['--tls-cert', 'cert.pem', '--tls-key', 'key.pem'], {}), { tlsCert: 'cert.pem', tlsKey: 'key.pem' })
})

t.test('ALLOWED_HOSTS takes host names and addresses without port, .name for subdomains, or *', async (t) => {
  t.same(parseConfig([], { ALLOWED_HOSTS: 'pulse.example.com, .corp.example,10.0.0.5,::1,[fd00::5],my_service,*' }).allowedHosts,
    ['pulse.example.com', '.corp.example', '10.0.0.5', '::1', '[fd00::5]', 'my_service', '*'])
  for (const raw of ['pulse.example.com:8080', '10.0.0.5:80', '[::1]:80', 'http://pulse.example.com', 'a b', 'evil@host', ' , ', '.']) {
    t.match(configError([], { ALLOWED_HOSTS: raw }), { setting: 'ALLOWED_HOSTS', message: /host names or addresses without port/ }, raw)
  }
})

t.test('CORS_ORIGINS takes origins only', async (t) => {
  for (const raw of ['*', 'ops.example.com', 'https://ops.example.com/path', 'javascript:alert(1)', ' , ']) {
    t.match(configError([], { CORS_ORIGINS: raw }), { setting: 'CORS_ORIGINS' }, raw)
  }
  t.same(parseConfig([], { CORS_ORIGINS: 'http://[::1]:8080' }).corsOrigins, ['http://[::1]:8080'])
})

t.test('TRUST_PROXY takes addresses, CIDR ranges and range names, or a hop count', async (t) => {
  t.same(parseConfig([], { TRUST_PROXY: '192.0.2.10,2001:db8::/32 , uniquelocal,linklocal' }).trustProxy, ['192.0.2.10', '2001:db8::/32', 'uniquelocal', 'linklocal'])
  t.same(parseConfig(['--trust-proxy', '::1/128'], {}).trustProxy, ['::1/128'])
  t.equal(parseConfig([], { TRUST_PROXY: '2' }).trustProxy, 2)
  for (const raw of ['0', '33', 'true', '*', '10.0.0.0/33', '::/129', '10.0.0.0/8/8', '10.0.0.0/x', 'proxy.example.com', ' , ', '300.1.1.1']) {
    t.match(configError([], { TRUST_PROXY: raw }), { setting: 'TRUST_PROXY', message: /TRUST_PROXY must be a hop count from 1 to 32, or a comma-separated list of addresses/ }, raw)
  }
})

t.test('STORE=redis needs REDIS_URL', async (t) => {
  const err = configError([], { STORE: 'redis' })
  t.equal(err.setting, 'REDIS_URL')
  t.match(err.message, /^STORE=redis needs REDIS_URL/)
  const config = parseConfig(['--store', 'redis', '--redis-url', 'redis://127.0.0.1:6390', '--workers', '2'], {})
  t.same([config.store, config.redisUrl, config.workers], ['redis', 'redis://127.0.0.1:6390', 2])
  t.equal(configError([], { STORE: 'kafka' }).setting, 'STORE')
})

t.test('BROKER and --broker, the older names of STORE and --store, are still read', async (t) => {
  const redisUrl = 'redis://127.0.0.1:6390'
  t.equal(parseConfig([], { BROKER: 'redis', REDIS_URL: redisUrl }).store, 'redis')
  t.equal(parseConfig(['--broker', 'redis', '--redis-url', redisUrl], {}).store, 'redis')
  t.equal(parseConfig(['--broker=redis', '--redis-url', redisUrl], {}).store, 'redis')
  t.equal(parseConfig([], { STORE: 'sqlite', BROKER: 'redis' }).store, 'sqlite', 'STORE wins over BROKER')
  t.equal(parseConfig(['--store', 'sqlite'], { BROKER: 'redis' }).store, 'sqlite', 'a flag wins over either variable')
  t.equal(parseConfig(['--store', 'redis', '--broker', 'sqlite'], {}).store, 'sqlite', 'the last flag wins')
  t.match(configError([], { BROKER: 'kafka' }), { setting: 'BROKER', message: 'BROKER must be one of sqlite, redis (got "kafka")' }, 'validated as STORE is')
  t.match(configError(['--broker', 'kafka']), { setting: '--broker' })
  t.match(configError([], { BROKER: 'redis' }), { setting: 'REDIS_URL' })
  t.match(configHelp(), /\n {2}--store <value> +STORE +where events are stored: .*; also read as BROKER and --broker \(default sqlite\)\n/)
  t.equal(configHelp().match(/BROKER/g)?.length, 1, 'help names the older name once')
})
