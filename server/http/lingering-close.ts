import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2'
import { Socket } from 'node:net'
import type { ApiError } from '../core/event.js'
import { detachSocket } from '../sse/detach-socket.js'
import { encodeResponseHead } from '../sse/response-head.js'

/** Default most bytes of a refused request's body read and discarded before the connection is closed (64 MiB). */
export const DEFAULT_DISCARD_LIMIT_BYTES = 67_108_864

export interface LingeringCloseOptions {
  /** Most bytes read and discarded after the answer; past them, or when the body announces more, the connection is closed. */
  readonly maxBytes: number
  /** Time from the start of the request after which the connection is closed whatever is left, in ms. */
  readonly timeoutMs: number
}

/** The parts of a Fastify request used here, over HTTP/1.1 or HTTP/2. */
interface AnyRequest {
  readonly raw: IncomingMessage | Http2ServerRequest
}

/** The parts of a Fastify reply used here. */
interface AnyReply {
  readonly raw: ServerResponse | Http2ServerResponse
  /** Time since the request arrived, in ms. */
  readonly elapsedTime: number
  getHeaders: () => Record<string, string | number | string[] | undefined>
  hijack: () => unknown
}

/** The request announces a body (length or chunked) that has not fully arrived. */
function bodyStillArriving (raw: IncomingMessage): boolean {
  if (raw.complete) return false
  return raw.headers['transfer-encoding'] !== undefined || Number(raw.headers['content-length']) > 0
}

/**
 * Node closes the connection after this answer: the client asked for it, or
 * the reply says so (Fastify does when a body could not be read). Otherwise
 * Node reads and drops the rest of the body itself and keeps the connection.
 */
function closesConnection (response: ServerResponse, connectionHeader: unknown): boolean {
  return !response.shouldKeepAlive || String(connectionHeader).toLowerCase() === 'close'
}

/** Connections are closed on errors here; a reset from a client that stopped sending is expected. */
function ignoreError (): void {}

/**
 * Answers an error that comes before the request body has arrived (a body
 * over the limit, a bad token, a rate limit) so that the client can read it.
 *
 * When that answer ends the connection (the client asked for it, or the body
 * could not be read), Node's HTTP/1.1 server closes the connection as soon as
 * the answer is written, while the client is still sending. Clients that write the whole
 * body before they read (Python's urllib and requests, Node's http.request)
 * then get a reset (EPIPE, "Broken pipe") instead of the answer. Here, as in
 * nginx's lingering close, the answer is written and the rest of the body
 * read and discarded until the client closes its side, then the connection
 * is closed; past `maxBytes` or the deadline it is closed at once.
 *
 * HTTP/2 needs none of this: a stream is ended on its own and the session
 * carries on.
 */
export class LingeringClose {
  readonly #maxBytes: number
  readonly #timeoutMs: number
  /** Connections still being read, closed at shutdown so they do not hold the server open. */
  readonly #lingering = new Set<Socket>()

  constructor (options: LingeringCloseOptions) {
    this.#maxBytes = options.maxBytes
    this.#timeoutMs = options.timeoutMs
  }

  /**
   * Sends `body` as the answer and lingers, when the request is HTTP/1.1, its
   * body is still arriving and the answer ends the connection. Returns false,
   * having done nothing, otherwise: the caller then answers as usual.
   */
  answer (request: AnyRequest, reply: AnyReply, body: ApiError): boolean {
    const raw = request.raw
    // Injected requests (tests) and HTTP/2 streams have no HTTP/1.1 connection to linger on.
    if ('stream' in raw || !(raw.socket instanceof Socket) || !bodyStillArriving(raw)) return false
    const response = reply.raw as ServerResponse
    const { connection, ...headers } = { ...response.getHeaders(), ...reply.getHeaders() }
    if (!closesConnection(response, connection)) return false
    // A body announced larger than what would be read is not worth waiting for.
    if (Number(raw.headers['content-length']) > this.#maxBytes) return false
    reply.hijack()
    const json = JSON.stringify(body)
    const head = encodeResponseHead({
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(json)
    }, body.statusCode)
    // Until the socket is detached the body goes through the request: an unread request would
    // pause the socket, and once detached nothing would make it read again.
    raw.resume()
    this.#linger(raw.socket, response, head + json, this.#timeoutMs - reply.elapsedTime)
    return true
  }

  /** Closes every connection still being read (server shutdown). */
  closeAll (): void {
    for (const socket of this.#lingering) socket.destroy()
  }

  #linger (socket: Socket, response: ServerResponse, answer: string, timeoutMs: number): void {
    socket.write(answer)
    detachSocket(socket, response)
    // Added after detachSocket has taken the HTTP server's listeners, so these stay.
    socket.on('error', ignoreError)
    this.#lingering.add(socket)
    const release = (): void => {
      clearTimeout(timer)
      this.#lingering.delete(socket)
    }
    // The timer also releases a socket that was closed already (a client gone mid-body), which emits no 'close'.
    const timer = setTimeout(() => {
      socket.destroy()
      release()
    }, Math.max(0, timeoutMs)).unref()
    socket.once('close', release)
    // A 'data' listener would take the socket from the parser before detachSocket frees it: count from the next turn.
    setImmediate(() => this.#discard(socket))
  }

  /** Counts what the client still sends, which the detached socket drops; closes the connection past `maxBytes`. */
  #discard (socket: Socket): void {
    let discarded = 0
    socket.on('data', (chunk: Buffer) => {
      discarded += chunk.length
      if (discarded > this.#maxBytes) socket.destroy()
    })
  }
}
