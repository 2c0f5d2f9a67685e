import type { FastifyCorsOptions } from '@fastify/cors'
import type { FastifyRequest } from 'fastify'

/** The methods that only read; CORS is granted for nothing else. */
const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD'])

/**
 * The method a request is about: its own, or for a CORS preflight the one it
 * asks permission for (`Access-Control-Request-Method`).
 */
function intendedMethod (request: FastifyRequest): string | undefined {
  if (request.method !== 'OPTIONS') return request.method
  const asked = request.headers['access-control-request-method']
  return typeof asked === 'string' ? asked.trim().toUpperCase() : undefined
}

/**
 * A @fastify/cors delegator that lets `origins` read (GET and HEAD) and nothing
 * else. A preflight for any other method, such as the POST of a publish, gets
 * no `Access-Control-Allow-*` header at all: the browser then never sends the
 * request. Judging the preflight by its asked method, not by its path, keeps
 * routes added later closed too.
 */
export function readOnlyCors (origins: readonly string[]): (request: FastifyRequest) => Promise<FastifyCorsOptions> {
  const readOnly: FastifyCorsOptions = { origin: [...origins], methods: [...READ_METHODS] }
  const refused: FastifyCorsOptions = { origin: false }
  return async (request) => (READ_METHODS.has(intendedMethod(request) ?? '') ? readOnly : refused)
}
