import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Http2SecureServer, Http2ServerRequest, Http2ServerResponse, Http2Session } from 'node:http2'
import cors from '@fastify/cors'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import type { SharedLimits } from './cluster/limits-protocol.js'
import { rateLimitStoreOver } from './cluster/rate-limit-store.js'
import { publishTokens, readTokens, type Config } from './config/config.js'
import { AuthFailures, refuseLockedOut } from './guards/auth-failures.js'
import { requireToken } from './guards/auth.js'
import { requireKnownHost } from './guards/host-check.js'
import { requireReader } from './guards/read-access.js'
import { readOnlyCors } from './guards/read-only-cors.js'
import { SessionCookies } from './guards/session-cookies.js'
import { trustProxyOption } from './http/client-address.js'
import { answerError, answerNotFound, answerUnreadable } from './http/error-handler.js'
import { RateLimitedError } from './http/errors.js'
import { LingeringClose } from './http/lingering-close.js'
import { RefusalLog } from './http/refusal-log.js'
import { requestDeadline } from './http/request-deadline.js'
import { readTlsFiles } from './http/tls-files.js'
import { Hub } from './hub/hub.js'
import type { IpcChannel } from './log/cluster/ipc-protocol.js'
import type { EventLog } from './log/event-log.js'
import { openLog } from './log/open-log.js'
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

/**
 * The app over plain HTTP/1.1, or over TLS with HTTP/2 and HTTP/1.1, so a raw
 * request is either kind. Fastify types an instance by its server kind; this
 * is the one type that is true of both.
 */
export type PulseboardApp = FastifyInstance<Server | Http2SecureServer, IncomingMessage | Http2ServerRequest, ServerResponse | Http2ServerResponse>

export interface AppDeps {
  /** The event log; the one `config` names by default (log/open-log.ts). */
  readonly log?: EventLog
  /** A cluster worker's channel to its primary; undefined for a process on its own. */
  readonly primary?: IpcChannel
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
}

declare module 'fastify' {
  interface FastifyInstance {
    pulseboard: AppParts
  }
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
    // Two log lines per request cost more than the publish itself: only at debug and below.
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
  const log = deps.log ?? await openLog(config, deps.primary === undefined ? { kind: 'single' } : { kind: 'worker', primary: deps.primary }, {
    warn: (err, message) => app.log.warn({ err }, message),
    // An open stream may lack points Redis lost before this instance read them. Ending it makes its
    // client resume, and a resume from before the loss gets event: reset instead of a silent gap.
    onDataLoss: () => registry.closeAll(farewell)
  })
  const hub = new Hub({ encode: encodeMetric, flushMs: config.flushMs, lastPublishedId: log.latestId(), maxFilterGroups: config.maxFilterGroups, maxMetrics: config.maxMetrics })
  // The one way into the hub: what the log has made durable, in id order, from whichever process appended it.
  const stopFeedingHub = log.onAppended((events) => hub.publish(events))
  app.decorate('pulseboard', { log, hub, registry })

  // An answer that comes before its request body is read out so the client can see it.
  const lingering = new LingeringClose({ maxBytes: config.discardLimitBytes, timeoutMs: config.requestTimeoutMs })
  app.addHook('onClose', async () => refusals.close())
  app.setErrorHandler(answerError({ refusals, lingering }))
  app.setNotFoundHandler(answerNotFound)
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
    stopFeedingHub()
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
    log,
    authorize: tokens.length === 0 ? undefined : requireToken(tokens, authFailures),
    bodyLimitBytes: config.bodyLimitBytes,
    maxBatchPoints: config.maxBatchPoints,
    rateLimitPerS: config.publishRateLimit
  })
  await app.register(streamRoutes, { source: log, hub, registry, slots, maxClients: config.maxClients, maxClientsPerIp: config.maxClientsPerIp, maxFilterGlobs: config.maxFilterGlobs, retryMs: config.retryMs, heartbeatMs: config.heartbeatMs })
  await app.register(metricsRoutes, { log })
  await app.register(healthRoutes, { clients: () => registry.size, maxClients: config.maxClients, maxClientsPerIp: config.maxClientsPerIp, lastId: () => log.latestId(), store: () => log.state() })
  if (deps.webRoot !== undefined) await app.register(webRoutes, { root: deps.webRoot, loginPage: sessions !== undefined })
  if (config.selfMetrics) {
    const stop = startSelfMetrics({
      append: async (points) => await log.append(points),
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
