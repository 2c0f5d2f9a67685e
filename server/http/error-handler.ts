import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { FastifyError, FastifyReply, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerBase, RouteGenericInterface } from 'fastify'
import type { ApiError } from '../core/event.js'
import { BodyTooLargeError, MalformedBodyError, NotFoundError, QueryInvalidError, UnsupportedMediaTypeError } from './errors.js'
import type { LingeringClose } from './lingering-close.js'
import { refusalKind, type RefusalLog } from './refusal-log.js'

/**
 * Every error answer, in one place. Our errors (http/errors.ts, log/errors.ts)
 * carry their status and public `PB_ERR_*` code; the table below turns
 * Fastify's own client errors into ours; anything else is a fault and is
 * answered 500 without its message.
 */

/** A request and its reply over HTTP/1.1 or HTTP/2: the error handlers serve both. */
type AnyRequest = FastifyRequest<RouteGenericInterface, RawServerBase, RawRequestDefaultExpression<RawServerBase>>
type AnyReply = FastifyReply<RouteGenericInterface, RawServerBase, RawRequestDefaultExpression<RawServerBase>, RawReplyDefaultExpression<RawServerBase>>

/** Seconds a client is asked to wait after a 503. */
const RETRY_AFTER_S = 5

/** Fastify's client errors, by code, as the error of ours they are. */
const FASTIFY_ERRORS: Record<string, new (detail: string) => FastifyError> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: UnsupportedMediaTypeError,
  FST_ERR_CTP_BODY_TOO_LARGE: BodyTooLargeError,
  FST_ERR_CTP_EMPTY_JSON_BODY: MalformedBodyError,
  FST_ERR_CTP_INVALID_JSON_BODY: MalformedBodyError,
  FST_ERR_VALIDATION: QueryInvalidError
}

/** What the handler reads of a thrown error; an error of ours has both fields. */
interface ThrownError {
  readonly code?: string | undefined
  readonly statusCode?: number | undefined
  readonly message: string
}

/** The JSON body of the answer to `thrown`. Only our own errors and 4xx show their message. */
export function toApiError (thrown: ThrownError): ApiError {
  const Mapped = thrown.code === undefined ? undefined : FASTIFY_ERRORS[thrown.code]
  const err: ThrownError = Mapped === undefined ? thrown : new Mapped(thrown.message)
  const statusCode = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500
  const ours = err.code?.startsWith('PB_ERR_') === true ? err.code : undefined
  const error = STATUS_CODES[statusCode] ?? 'Error'
  if (statusCode < 500 || ours !== undefined) return { statusCode, code: ours ?? 'PB_ERR_BAD_REQUEST', error, message: err.message }
  return { statusCode, code: 'PB_ERR_INTERNAL', error, message: 'The server could not complete the request.' }
}

export interface ErrorAnswerOptions {
  /** Counts and logs the refusals among the answers. */
  readonly refusals: RefusalLog
  /** Answers a request whose body is still arriving so that the client can read the answer. */
  readonly lingering: LingeringClose
}

/**
 * Fastify's error handler: answers `{ statusCode, code, error, message }`.
 * Expected refusals are counted and logged briefly; only faults (5xx other than
 * overload) are logged as errors, with their stack.
 */
export function answerError ({ refusals, lingering }: ErrorAnswerOptions): (err: FastifyError, request: AnyRequest, reply: AnyReply) => AnyReply | undefined {
  return (err, request, reply) => {
    const body = toApiError(err)
    const refused = refusalKind(body.statusCode, body.code)
    if (refused !== undefined) refusals.note(refused, request.ip, body.code, body.message)
    else request.log.error({ err }, 'request failed')
    if (body.statusCode === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', RETRY_AFTER_S)
    if (lingering.answer(request, reply, body)) return
    return reply.code(body.statusCode).send(body)
  }
}

/** Fastify's not-found handler: a 404 in the shape of every other error. */
export function answerNotFound (request: AnyRequest): never {
  throw new NotFoundError(`${request.method} ${request.url.split('?')[0]}`)
}

/** Status for an HTTP parse error that happens before any route runs. */
function clientErrorStatus (code: string | undefined): number {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408
  if (code === 'HPE_HEADER_OVERFLOW') return 431
  return 400
}

/**
 * Fastify's client error handler: answers a request Node could not even parse
 * (bad framing, huge headers, a slow sender) in the same JSON shape as every
 * other error, then closes. Counted with the other refusals.
 */
export function answerUnreadable (refusals: RefusalLog): (err: NodeJS.ErrnoException, socket: Duplex) => void {
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
