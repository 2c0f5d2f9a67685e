import t from 'tap'
import { toApiError } from '../../../server/http/error-handler.js'
import { NotFoundError, OverloadedError } from '../../../server/http/errors.js'
import { MetricLimitError, ReadQueueFullError, RemoteStoreError, StoreUnavailableError, StoreWriteError } from '../../../server/log/errors.js'

t.test('an error of the HTTP layer is answered with its own status, code and message', async (t) => {
  t.same(toApiError(new NotFoundError('GET /nope')), { statusCode: 404, code: 'PB_ERR_NOT_FOUND', error: 'Not Found', message: 'Not found: GET /nope' })
  t.same(toApiError(new OverloadedError('full')), { statusCode: 503, code: 'PB_ERR_OVERLOADED', error: 'Service Unavailable', message: 'Overloaded: full' })
})

t.test('an error of the store is answered with the status and code it carries', async (t) => {
  const full = new StoreWriteError('/data/pulseboard.db', Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }))
  t.same(toApiError(full), { statusCode: 503, code: 'PB_ERR_STORE_UNAVAILABLE', error: 'Service Unavailable', message: full.message })
  t.match(toApiError(new StoreUnavailableError('Redis', new Error('Connection is closed.'))), { statusCode: 503, code: 'PB_ERR_STORE_UNAVAILABLE', message: /^Redis is unavailable: Connection is closed\.$/ })
  t.match(toApiError(new MetricLimitError(3)), { statusCode: 409, code: 'PB_ERR_METRIC_LIMIT', error: 'Conflict', message: /3 distinct metrics/ })
  t.match(toApiError(new ReadQueueFullError(64)), { statusCode: 503, code: 'PB_ERR_OVERLOADED' })
})

t.test('an error raised in the cluster primary gets the answer it would get there', async (t) => {
  t.match(toApiError(new RemoteStoreError(409, 'PB_ERR_METRIC_LIMIT', 'limit')), { statusCode: 409, code: 'PB_ERR_METRIC_LIMIT', message: 'limit' })
  t.match(toApiError(new RemoteStoreError(undefined, 'SQLITE_CORRUPT', 'database disk image is malformed')), { statusCode: 500, code: 'PB_ERR_INTERNAL', message: 'The server could not complete the request.' })
})

t.test('Fastify\'s own client errors become ours, keeping their detail', async (t) => {
  const cases: Array<[string, number, string]> = [
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'PB_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'PB_ERR_BODY_TOO_LARGE'],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 'PB_ERR_MALFORMED_BODY'],
    ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 'PB_ERR_MALFORMED_BODY'],
    ['FST_ERR_VALIDATION', 400, 'PB_ERR_QUERY_INVALID']
  ]
  for (const [fastifyCode, statusCode, code] of cases) {
    t.match(toApiError({ code: fastifyCode, statusCode: 400, message: 'detail' }), { statusCode, code, message: /: detail$/ }, fastifyCode)
  }
})

t.test('other errors: a 4xx shows its message under a generic code, anything else is hidden', async (t) => {
  t.same(toApiError({ code: 'FST_ERR_SOMETHING_NEW', statusCode: 400, message: 'bad framing' }), { statusCode: 400, code: 'PB_ERR_BAD_REQUEST', error: 'Bad Request', message: 'bad framing' })
  t.same(toApiError(new Error('boom: internal detail')), { statusCode: 500, code: 'PB_ERR_INTERNAL', error: 'Internal Server Error', message: 'The server could not complete the request.' })
  t.same(toApiError({ statusCode: 200, message: 'not an error status' }), { statusCode: 500, code: 'PB_ERR_INTERNAL', error: 'Internal Server Error', message: 'The server could not complete the request.' })
})
