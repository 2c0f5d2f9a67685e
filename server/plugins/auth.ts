import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import { UnauthorizedError } from '../errors.js'

const BEARER = /^Bearer[ ]+(\S+)\s*$/i

function digest (text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/** The token a request presents as `Authorization: Bearer <token>`, if any. */
function presentedToken (request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  return header === undefined ? undefined : BEARER.exec(header)?.[1]
}

/**
 * An onRequest hook that admits a request only with one of `tokens` (several
 * allow rotation without downtime). Runs before the body is read, so an
 * anonymous client cannot make the server parse anything. Digests of equal
 * length are compared in constant time, so timing reveals nothing about a token.
 */
export function requireToken (tokens: readonly string[]): onRequestAsyncHookHandler {
  const expected = tokens.map(digest)
  return async (request) => {
    const token = presentedToken(request)
    if (token === undefined) throw new UnauthorizedError('send Authorization: Bearer <token>')
    const presented = digest(token)
    let valid = false
    for (const candidate of expected) valid = timingSafeEqual(candidate, presented) || valid
    if (!valid) throw new UnauthorizedError('the token is not valid')
  }
}
