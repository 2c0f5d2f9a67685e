import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Http2SecureServer, Http2ServerRequest, Http2ServerResponse, Http2Session } from 'node:http2'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import cors from '@fastify/cors'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify'
import { trustProxyOption } from './client-address.js'
import type { SharedLimits } from './cluster/limits-protocol.js'
import { rateLimitStoreOver } from './cluster/rate-limit-store.js'
import { publishTokens, readTokens, type Config } from './config/config.js'
import type { ApiError } from './core/event.js'
import { BackendUnavailableError, BodyTooLargeError, MalformedBodyError, MetricLimitError, NotFoundError, OverloadedError, QueryInvalidError, RateLimitedError, UnsupportedMediaTypeError } from './errors.js'
import { Hub } from './hub/hub.js'
import type { BrokerState, EventLog } from './log/event-log.js'
import { openLog } from './open-log.js'
import { AuthFailures, refuseLockedOut } from './plugins/auth-failures.js'
import { requireToken } from './plugins/auth.js'
import { requireKnownHost } from './plugins/host-check.js'
import { LingeringClose } from './plugins/lingering-close.js'
import { requireReader } from './plugins/read-access.js'
import { readOnlyCors } from './plugins/read-only-cors.js'
import { requestDeadline } from './plugins/request-deadline.js'
import { SessionCookies } from './plugins/session-cookies.js'
import { Publisher } from './publisher.js'
import { RefusalLog, refusalKind } from './refusal-log.js'
import { healthRoutes } from './routes/health.js'
import { metricsRoutes } from './routes/metrics.js'
import { publishRoutes } from './routes/publish.js'
import { sessionRoutes } from './routes/session.js'
import { streamRoutes } from './routes/stream.js'
import { webRoutes } from './routes/web.js'
import { startSelfMetrics } from './sources/self-metrics.js'
import { LocalAddressSlots } from './sse/address-slots.js'
import { ConnectionRegistry } from './sse/connection-registry.js'
import { encodeMetric, encodeRetry } from './sse/sse-frame.js'
import { readTlsFiles } from './tls-files.js'

/**
 * The app over plain HTTP/1.1, or over TLS with HTTP/2 and HTTP/1.1, so a raw
 * request is either kind. Fastify types an instance by its server kind; this
 * is the one type that is true of both.
 */
export type PulseboardApp = FastifyInstance<Server | Http2SecureServer, IncomingMessage | Http2ServerRequest, ServerResponse | Http2ServerResponse>

export interface AppDeps {
  /** The event log; SQLite under `config.dataDir` by default. */
  readonly log?: EventLog
  /** Folder of the built dashboard; the dashboard is not served when undefined. */
  readonly webRoot?: string
  /** Per-address limits shared by every worker of the port (a cluster worker's); this process's own when undefined. */
  readonly sharedLimits?: SharedLimits
}

/** The parts of a running app that sources (self-metrics, demo) and tests use. */
export interface AppParts {
  readonly log: EventLog
  readonly hub: Hub
  readonly registry: ConnectionRegistry
  readonly publisher: Publisher
}

declare module 'fastify' {
  interface FastifyInstance {
    pulseboard: AppParts
  }
}

/** Fastify's own client errors and the store's expected failures, mapped onto our error table. */
const MAPPED_CODES: Record<string, new (detail: string) => FastifyError> = {
  PB_STORE_WRITE: BackendUnavailableError,
  PB_STORE_READ: BackendUnavailableError,
  PB_STORE_UNAVAILABLE: BackendUnavailableError,
  PB_STORE_METRIC_LIMIT: MetricLimitError,
  PB_STORE_BUSY: OverloadedError,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: UnsupportedMediaTypeError,
  FST_ERR_CTP_BODY_TOO_LARGE: BodyTooLargeError,
  FST_ERR_CTP_EMPTY_JSON_BODY: MalformedBodyError,
  FST_ERR_CTP_INVALID_JSON_BODY: MalformedBodyError,
  FST_ERR_VALIDATION: QueryInvalidError
}

const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    fontSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    frameAncestors: ["'none'"],
    formAction: ["'self'"]
  }
}

/** The routes that take PUBLISH_TOKEN: the only ones that are open when READ_TOKEN is set. */
const PUBLISH_ROUTES: ReadonlySet<string> = new Set(['/api/events'])

/** Seconds a client is asked to wait after a 503. */
const RETRY_AFTER_S = 5

/** Our own error for anything a client caused or may retry; other errors pass through unchanged. */
function asClientError (err: FastifyError): FastifyError {
  if (err.code?.startsWith('PB_ERR_') === true) return err
  const Mapped = err.code === undefined ? undefined : MAPPED_CODES[err.code]
  return Mapped === undefined ? err : new Mapped(err.message)
}

/** The JSON body of an error answer. Only our own errors and 4xx show their message. */
function toApiError (thrown: FastifyError): ApiError {
  const err = asClientError(thrown)
  const statusCode = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500
  const ours = err.code?.startsWith('PB_ERR_') === true
  const error = STATUS_CODES[statusCode] ?? 'Error'
  if (statusCode < 500 || ours) return { statusCode, code: ours ? err.code : 'PB_ERR_BAD_REQUEST', error, message: err.message }
  return { statusCode, code: 'PB_ERR_INTERNAL', error, message: 'The server could not complete the request.' }
}

/** Status for an HTTP parse error that happens before any route runs. */
function clientErrorStatus (code: string | undefined): number {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408
  if (code === 'HPE_HEADER_OVERFLOW') return 431
  return 400
}

/**
 * Answers a request Node could not even parse (bad framing, huge headers, a
 * slow sender) in the same JSON shape as every other error, then closes.
 * Counted with the other refusals.
 */
function answerUnreadable (refusals: RefusalLog): (err: NodeJS.ErrnoException, socket: Duplex) => void {
  return (err, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy()
      return
    }
    const statusCode = clientErrorStatus(err.code)
    const error = STATUS_CODES[statusCode] ?? 'Error'
    const body = { statusCode, code: statusCode === 408 ? 'PB_ERR_REQUEST_TIMEOUT' : 'PB_ERR_BAD_REQUEST', error, message: `The request could not be read (${err.code ?? 'parse error'}).` } satisfies ApiError
    refusals.note('client_error', String((socket as Socket).remoteAddress), body.code, body.message)
    const json = JSON.stringify(body)
    socket.end(`HTTP/1.1 ${statusCode} ${error}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(json)}\r\nconnection: close\r\n\r\n${json}`)
  }
}

const EMBEDDED: BrokerState = { kind: 'sqlite', state: 'up' }

/** Fastify over HTTP/1.1, or over TLS with HTTP/2 when TLS_CERT and TLS_KEY are set. */
function createFastify (config: Config, refusals: RefusalLog): PulseboardApp {
  const options = {
    logger: { level: config.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] },
    bodyLimit: config.bodyLimitBytes,
    // request.ip, and so every per-address limit and log line, is the client's address behind a trusted proxy.
    trustProxy: trustProxyOption(config.trustProxy),
    // A client that trickles its request (slowloris) is dropped with 408. Node only honours the
    // limit when the server is created with it, and checks every second rather than every 30 s.
    requestTimeout: config.requestTimeoutMs,
    // Two log lines per request cost more than the publish itself at 10,000 requests/s: only at debug and below.
    logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace' }),
    return503OnClosing: true,
    clientErrorHandler: answerUnreadable(refusals)
  }
  const tls = readTlsFiles(config)
  // Widening casts: handlers written for either kind of request serve both (see PulseboardApp).
  if (tls === undefined) {
    return Fastify({ ...options, http: { requestTimeout: config.requestTimeoutMs, connectionsCheckingInterval: Math.min(1000, config.requestTimeoutMs) } }) as PulseboardApp
  }
  // HTTP/2 lifts browsers' six-connections-per-host limit; allowHTTP1 keeps curl --http1.1 and older clients working.
  const app = Fastify({ ...options, http2: true, https: { allowHTTP1: true, ...tls } })
  // Node 20 closes an HTTP/2 server only once every client has closed its connection, which a
  // dashboard never does: ask each session to go away; it closes once its streams have ended.
  const sessions = new Set<Http2Session>()
  app.server.on('session', (session) => {
    sessions.add(session)
    session.once('close', () => sessions.delete(session))
  })
  app.addHook('preClose', async () => { for (const session of sessions) session.close() })
  const served = app as PulseboardApp
  const deadline = requestDeadline(config.requestTimeoutMs, (address) =>
    refusals.note('client_error', address, 'PB_ERR_REQUEST_TIMEOUT', 'the request body was not received in time'))
  served.addHook('onRequest', deadline.onRequest)
  served.addHook('preValidation', deadline.preValidation)
  served.addHook('onResponse', deadline.onResponse)
  return served
}

/** Creates the app with every route registered, in order, in plain sight. */
export async function buildApp (config: Config, deps: AppDeps = {}): Promise<PulseboardApp> {
  // Expected refusals are counted and logged briefly; only faults (other 5xx) are errors with a stack.
  const refusals = new RefusalLog({ write: (line) => app.log.info(line, 'request refused') })
  const app = createFastify(config, refusals)
  const slots = deps.sharedLimits?.slots ?? new LocalAddressSlots()
  const registry = new ConnectionRegistry({
    maxQueuedBytes: config.maxClientBufferBytes,
    slots,
    onClose: (reason, address) => app.log.debug({ reason, address }, 'stream closed')
  })
  // Spread reconnects over a few seconds so clients do not all return at once.
  const farewell = (): string => encodeRetry(config.retryMs + Math.floor(Math.random() * 2000))
  const log = deps.log ?? await openLog(config, {
    warn: (err, message) => app.log.warn({ err }, message),
    // An open stream may lack points Redis lost before this instance read them. Ending it makes its
    // client resume, and a resume from before the loss gets event: reset instead of a silent gap.
    onDataLoss: () => registry.closeAll(farewell)
  })
  const hub = new Hub({ encode: encodeMetric, flushMs: config.flushMs, lastPublishedId: log.latestId(), maxFilterGroups: config.maxFilterGroups, maxMetrics: config.maxMetrics })
  // A shared log hands the hub every instance's events, in id order; the publisher then leaves the hub alone.
  const stopFollowing = log.follow?.((events) => hub.publish(events))
  const publisher = new Publisher(log, hub)
  app.decorate('pulseboard', { log, hub, registry, publisher })

  // An answer that comes before its request body is read out so the client can see it.
  const lingering = new LingeringClose({ maxBytes: config.discardLimitBytes, timeoutMs: config.requestTimeoutMs })
  app.addHook('onClose', async () => refusals.close())
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const body = toApiError(err)
    const refused = refusalKind(body.statusCode, body.code)
    if (refused !== undefined) refusals.note(refused, request.ip, body.code, body.message)
    else request.log.error({ err }, 'request failed')
    if (body.statusCode === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', RETRY_AFTER_S)
    if (lingering.answer(request, reply, body)) return
    return reply.code(body.statusCode).send(body)
  })
  app.setNotFoundHandler((request) => {
    throw new NotFoundError(`${request.method} ${request.url.split('?')[0]}`)
  })
  // close() ends only the keep-alive connections idle at that moment; one busy with a request would
  // then idle until the keep-alive timeout and hold close() past the shutdown grace period.
  let closing = false
  app.addHook('onSend', async (request, reply) => {
    if (closing && request.raw.httpVersionMajor === 1) reply.header('connection', 'close')
  })
  app.addHook('preClose', async () => {
    closing = true
    lingering.closeAll()
    hub.flushNow()
    registry.closeAll(farewell)
  })
  app.addHook('onClose', async () => {
    stopFollowing?.()
    hub.close()
    await log.close()
  })

  const readers = readTokens(config)
  const tokens = publishTokens(config)
  if (readers.length === 0 || tokens.length === 0) {
    // Without a token, a page whose name is re-pointed at this server (DNS rebinding) is same-origin
    // to the browser: first of all, only the names of this server may reach what is open.
    app.addHook('onRequest', requireKnownHost({ bindHost: config.host, allowedHosts: config.allowedHosts, routes: readers.length === 0 ? undefined : PUBLISH_ROUTES }))
  }
  // Before every route's own checks and before any body is read: an address that keeps sending wrong tokens is refused.
  const authFailures = new AuthFailures({ limitPerMinute: config.authFailureLimit })
  app.addHook('onRequest', refuseLockedOut(authFailures))
  await app.register(helmet, { contentSecurityPolicy: CONTENT_SECURITY_POLICY, crossOriginEmbedderPolicy: false })
  if (config.corsOrigins.length > 0) {
    // Read endpoints only: a cross-origin page may watch, never publish.
    await app.register(cors, { delegator: readOnlyCors(config.corsOrigins) })
  }
  // Per route (publish and sign-in), counted per address before the body is read.
  await app.register(rateLimit, {
    global: false,
    ...(deps.sharedLimits === undefined ? {} : { store: rateLimitStoreOver(deps.sharedLimits) }),
    errorResponseBuilder: (_request, context) => new RateLimitedError(`at most ${context.max} publishes a second from one address; retry in ${context.after}`)
  })
  const sessions = readers.length === 0 ? undefined : new SessionCookies({ tokens: readers })
  if (sessions !== undefined) {
    // Before every route, so a route added later is protected unless it is listed as open.
    app.addHook('onRequest', requireReader({ tokens: readers, sessions, failures: authFailures }))
    await app.register(sessionRoutes, { sessions, failures: authFailures })
  }
  await app.register(publishRoutes, {
    publisher,
    authorize: tokens.length === 0 ? undefined : requireToken(tokens, authFailures),
    bodyLimitBytes: config.bodyLimitBytes,
    maxBatchPoints: config.maxBatchPoints,
    rateLimitPerS: config.publishRateLimit
  })
  await app.register(streamRoutes, { source: log, hub, registry, slots, maxClients: config.maxClients, maxClientsPerIp: config.maxClientsPerIp, maxFilterGlobs: config.maxFilterGlobs, retryMs: config.retryMs, heartbeatMs: config.heartbeatMs })
  await app.register(metricsRoutes, { log })
  await app.register(healthRoutes, { clients: () => registry.size, maxClients: config.maxClients, maxClientsPerIp: config.maxClientsPerIp, lastId: () => log.latestId(), broker: () => log.broker?.() ?? EMBEDDED })
  if (deps.webRoot !== undefined) await app.register(webRoutes, { root: deps.webRoot, loginPage: sessions !== undefined })
  if (config.selfMetrics) {
    const stop = startSelfMetrics({
      publish: async (points) => await publisher.publish(points),
      hubStats: () => hub.stats,
      clients: () => registry.size,
      slowConsumerCutoffs: () => registry.closeCounts['slow-consumer'],
      refusals: () => refusals.counts,
      onError: (err) => app.log.warn({ err }, 'self-metrics publish failed'),
      instance: config.instanceId
    })
    app.addHook('onClose', async () => stop())
  }
  return app
}
