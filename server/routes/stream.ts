import type { IncomingHttpHeaders, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http'
import type { Http2SecureServer, ServerHttp2Stream } from 'node:http2'
import type { Writable } from 'node:stream'
import type { FastifyPluginAsync } from 'fastify'
import { describeSlotKey, streamSlotKey } from '../http/client-address.js'
import type { EventId } from '../core/event.js'
import { compileMetricFilter, parseMetricList, type MetricFilter } from '../core/metric-filter.js'
import { OverloadedError, QueryInvalidError, TooManyFiltersError, TooManyGlobsError } from '../http/errors.js'
import type { Hub } from '../hub/hub.js'
import type { AddressSlots } from '../sse/address-slots.js'
import type { ConnectionRegistry } from '../sse/connection-registry.js'
import { replayThenFollow, type ReplaySource } from '../sse/resume.js'
import { encodeResponseHead } from '../sse/response-head.js'
import { encodeComment, encodeRetry } from '../sse/sse-frame.js'
import { detachSocket } from '../sse/detach-socket.js'

export interface StreamRoutesOptions {
  readonly source: ReplaySource
  readonly hub: Hub
  readonly registry: ConnectionRegistry
  /** Per-address stream slots: this process's, or shared by every worker of the port. */
  readonly slots: AddressSlots
  /** Open streams allowed at once; past it, 503 with Retry-After. */
  readonly maxClients: number
  /** Open streams allowed from one client address (an IPv6 /64; loopback not counted); past it, 503 with Retry-After. */
  readonly maxClientsPerIp: number
  /** Distinct globs allowed in `?metrics=`; past it, 400. */
  readonly maxFilterGlobs: number
  /** Reconnect delay sent as `retry:`, in ms. */
  readonly retryMs: number
  /** Interval of the shared `: ping` heartbeat, in ms. */
  readonly heartbeatMs: number
}

interface StreamQuery {
  metrics?: string
  lastEventId?: string
}

const RESUME_ID = /^\d{1,15}$/
const PING = Buffer.from(encodeComment('ping'))

const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  // Tells nginx and similar proxies not to buffer the stream.
  'x-accel-buffering': 'no'
} as const

const querystring = {
  type: 'object',
  properties: {
    metrics: { type: 'string', maxLength: 2000 },
    lastEventId: { type: 'string', maxLength: 20 }
  }
} as const

/**
 * Last-Event-ID from the header, or from the query for curl. The header wins:
 * EventSource reconnects to the same URL and only updates the header.
 */
function resumeId (headers: IncomingHttpHeaders, query: StreamQuery): EventId | undefined {
  const header = headers['last-event-id']
  const raw = (Array.isArray(header) ? header[0] : header) ?? query.lastEventId
  if (raw === undefined || raw === '') return undefined
  if (!RESUME_ID.test(raw)) throw new QueryInvalidError(`Last-Event-ID must be a non-negative integer (got "${raw.slice(0, 20)}")`)
  return Number(raw)
}

type ResponseHeaders = Parameters<typeof encodeResponseHead>[0]

/**
 * HTTP/1.1: the head goes straight to the socket and the body is the socket
 * itself, delimited by closing it (see response-head.ts): the fast path for
 * tens of thousands of subscribers.
 */
function respondHttp1 (response: ServerResponse, headers: ResponseHeaders): Writable {
  const { socket } = response.req
  socket.setNoDelay(true)
  socket.write(encodeResponseHead(headers))
  detachSocket(socket, response)
  return socket
}

/**
 * HTTP/2: the socket carries every stream of the session, so the head goes
 * out as a HEADERS frame and the body is this request's own stream, which has
 * its own flow control, buffer and reset.
 */
function respondHttp2 (stream: ServerHttp2Stream, headers: ResponseHeaders): Writable {
  // Reset while its slot was being taken: the registry ends it at once (respond would throw).
  if (stream.destroyed) return stream
  // The same values Node's own response would send: numbers are sent as text, undefined ones skipped.
  stream.respond({ ...headers as OutgoingHttpHeaders, ':status': 200 })
  return stream
}

/** GET /api/stream: the live event stream, with filter and resume, over HTTP/1.1 or HTTP/2. */
export const streamRoutes: FastifyPluginAsync<StreamRoutesOptions, Server | Http2SecureServer> = async (app, options) => {
  const { source, hub, registry, slots, maxClients, maxClientsPerIp, retryMs } = options
  const heartbeat = setInterval(() => hub.heartbeat(PING), options.heartbeatMs)
  app.addHook('onClose', async () => clearInterval(heartbeat))

  /**
   * Takes a stream slot for a client with `slotKey`, or says why it is refused.
   * The total is checked after the slot is taken, so that nothing opens between
   * the check and the stream however long the (shared) slots take to answer.
   */
  const refusal = async (slotKey: string | undefined, filter: MetricFilter): Promise<Error | undefined> => {
    if (slotKey !== undefined && !await slots.take(slotKey, maxClientsPerIp)) {
      return new OverloadedError(`${describeSlotKey(slotKey)} already has ${maxClientsPerIp} streams open`)
    }
    const refused = registry.size >= maxClients
      ? new OverloadedError(`the server already serves ${maxClients} streams`)
      : hub.admits(filter) ? undefined : new TooManyFiltersError('the server already serves its limit of distinct ?metrics= filters; use one already in use, or none')
    if (refused !== undefined && slotKey !== undefined) slots.release(slotKey)
    return refused
  }

  app.get<{ Querystring: StreamQuery }>('/api/stream', { schema: { querystring } }, async (request, reply) => {
    const afterId = resumeId(request.headers, request.query)
    const filter = compileMetricFilter(parseMetricList(request.query.metrics))
    if (filter.globCount > options.maxFilterGlobs) {
      throw new TooManyGlobsError(`?metrics= holds ${filter.globCount} distinct globs; at most ${options.maxFilterGlobs} are allowed`)
    }
    // Fastify types it as a string, but a client that has already gone has no address left.
    const ip = request.ip as string | undefined
    const slotKey = streamSlotKey(ip)
    const refused = await refusal(slotKey, filter)
    if (refused !== undefined) {
      // Ask for the same wait as a reconnecting EventSource would take.
      reply.header('retry-after', Math.ceil(retryMs / 1000))
      throw refused
    }
    reply.hijack()
    // Headers set by earlier hooks (security headers, later CORS) go out with ours.
    const headers = { ...reply.raw.getHeaders(), ...reply.getHeaders(), ...STREAM_HEADERS }
    const out = 'stream' in reply.raw ? respondHttp2(reply.raw.stream, headers) : respondHttp1(reply.raw, headers)
    const connection = registry.open(out, String(ip), slotKey)
    connection.send(encodeRetry(retryMs))
    try {
      await replayThenFollow(connection, { source, live: hub, filter, afterId })
    } catch (err) {
      request.log.error({ err }, 'stream replay failed')
      connection.close('error')
    }
  })
}
