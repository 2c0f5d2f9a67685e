import createError from '@fastify/error'

/**
 * Every error the HTTP layer raises for a client to see; the store's are in
 * log/errors.ts. Each carries its status and public `PB_ERR_*` code, which
 * http/error-handler.ts answers with. Throw these and test `err.code` and
 * `statusCode`, never the message text.
 */

export const PayloadInvalidError = createError('PB_ERR_PAYLOAD_INVALID', 'Invalid payload: %s', 400)
export const MalformedBodyError = createError('PB_ERR_MALFORMED_BODY', 'Malformed body: %s', 400)
export const QueryInvalidError = createError('PB_ERR_QUERY_INVALID', 'Invalid query: %s', 400)
export const UnauthorizedError = createError('PB_ERR_UNAUTHORIZED', 'Unauthorized: %s', 401)
export const HostNotAllowedError = createError('PB_ERR_HOST_NOT_ALLOWED', 'Host not allowed: %s', 403)
export const NotFoundError = createError('PB_ERR_NOT_FOUND', 'Not found: %s', 404)
export const BodyTooLargeError = createError('PB_ERR_BODY_TOO_LARGE', 'Body too large: %s', 413)
export const BatchTooLargeError = createError('PB_ERR_BATCH_TOO_LARGE', 'Batch too large: %s', 413)
export const RateLimitedError = createError('PB_ERR_RATE_LIMITED', 'Too many requests: %s', 429)
export const TooManyAuthFailuresError = createError('PB_ERR_TOO_MANY_AUTH_FAILURES', 'Too many failed authentications: %s', 429)
export const UnsupportedMediaTypeError = createError('PB_ERR_UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type: %s', 415)
export const OverloadedError = createError('PB_ERR_OVERLOADED', 'Overloaded: %s', 503)
export const TooManyGlobsError = createError('PB_ERR_TOO_MANY_GLOBS', 'Too many globs: %s', 400)
export const TooManyFiltersError = createError('PB_ERR_TOO_MANY_FILTERS', 'Too many filters: %s', 503)
