import { isUtf8 } from 'node:buffer'
import type { FastifyPluginAsync, onRequestAsyncHookHandler } from 'fastify'
import secureJson from 'secure-json-parse'
import type { PublishAck } from '../core/event.js'
import { BatchTooLargeError, MalformedBodyError, PayloadInvalidError, UnsupportedMediaTypeError } from '../http/errors.js'
import { createPublishValidator, describeIssue } from '../ingest/compile-validator.js'
import { parseNdjson } from '../ingest/ndjson.js'
import { toMetricPoints } from '../ingest/normalize.js'
import type { EventLog } from '../log/event-log.js'

export interface PublishRoutesOptions {
  /** Where accepted points go; the log hands them on to the hub once they are durable. */
  readonly log: Pick<EventLog, 'append'>
  /** Admits or refuses a request before its body is read; undefined when publishing is open. */
  readonly authorize: onRequestAsyncHookHandler | undefined
  /** Largest body accepted, in bytes. */
  readonly bodyLimitBytes: number
  /** Most points in one request. */
  readonly maxBatchPoints: number
  /** Requests per second from one address (429 past it); 0 for no limit. */
  readonly rateLimitPerS: number
  /** Clock in ms, injectable for tests. */
  readonly now?: () => number
}

const NDJSON = 'application/x-ndjson'

/** The request body as items, each with the number a client should be told about (item index or line). */
interface Items {
  readonly items: unknown[]
  readonly unit: 'item' | 'line'
  readonly lines?: readonly number[]
}

/** The body as text, refused unless it is valid UTF-8. */
function utf8 (body: Buffer): string {
  if (!isUtf8(body)) throw new MalformedBodyError('the body is not valid UTF-8')
  return body.toString('utf8')
}

/** JSON as Fastify parses it, refusing `__proto__` and `constructor.prototype` keys. */
function parseJson (text: string): unknown {
  if (text.length === 0) throw new MalformedBodyError('the body is empty')
  try {
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' })
  } catch (err) {
    throw new MalformedBodyError((err as Error).message)
  }
}

function itemsOf (body: unknown, isNdjson: boolean): Items {
  if (!isNdjson) return { items: Array.isArray(body) ? body : [body], unit: 'item' }
  const parsed = parseNdjson(body as string)
  if (!parsed.ok) throw new MalformedBodyError(parsed.line > 0 ? `line ${parsed.line}: ${parsed.message}` : parsed.message)
  return { items: parsed.items, unit: 'line', lines: parsed.lines }
}

/** POST /api/events: one point, a JSON array, or NDJSON; all-or-nothing; 202 once stored. */
export const publishRoutes: FastifyPluginAsync<PublishRoutesOptions> = async (app, options) => {
  const { log, maxBatchPoints } = options
  const now = options.now ?? Date.now
  const validate = createPublishValidator()

  // Only JSON and NDJSON are accepted here; anything else is a 415 before any parsing. Both are
  // read as bytes and refused unless they are valid UTF-8, which a string decode would paper over.
  app.removeContentTypeParser(['text/plain', 'application/json'])
  const parseAs = 'buffer'
  const bodyLimit = options.bodyLimitBytes
  app.addContentTypeParser('application/json', { parseAs, bodyLimit }, (_request, body, done) => {
    try {
      done(null, parseJson(utf8(body as Buffer)))
    } catch (err) {
      done(err as Error)
    }
  })
  app.addContentTypeParser(NDJSON, { parseAs, bodyLimit }, (_request, body, done) => {
    try {
      done(null, utf8(body as Buffer))
    } catch (err) {
      done(err as Error)
    }
  })
  if (options.authorize !== undefined) app.addHook('onRequest', options.authorize)

  const rateLimit = options.rateLimitPerS > 0 ? { max: options.rateLimitPerS, timeWindow: 1000 } : false
  app.post('/api/events', { bodyLimit: options.bodyLimitBytes, config: { rateLimit } }, async (request, reply) => {
    if (request.body === undefined) throw new UnsupportedMediaTypeError(`send a body as application/json or ${NDJSON}`)
    const { items, unit, lines } = itemsOf(request.body, request.headers['content-type']?.toLowerCase().startsWith(NDJSON) === true)
    if (items.length > maxBatchPoints) throw new BatchTooLargeError(`${items.length} points in one request; the limit is ${maxBatchPoints}`)
    const checked = validate(items)
    if (!checked.ok) throw new PayloadInvalidError(describeIssue(checked.issue, unit, lines))
    const normalized = toMetricPoints(checked.points, now())
    if (!normalized.ok) throw new PayloadInvalidError(describeIssue(normalized.issue, unit, lines))
    const stored = await log.append(normalized.points)
    const ack: PublishAck = { accepted: stored.length, firstId: stored[0]!.id, lastId: stored[stored.length - 1]!.id }
    return reply.code(202).send(ack)
  })
}
