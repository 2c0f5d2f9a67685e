import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import { UnauthorizedError } from '../http/errors.js'
import type { AuthFailures } from './auth-failures.js'

const BEARER = /^Bearer[ ]+(\S+)\s*$/i

function digest (text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/** The token a request presents as `Authorization: Bearer <token>`, if any. */
export function bearerToken (request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  return header === undefined ? undefined : BEARER.exec(header)?.[1]
}

/**
 * Returns a function that finds which of `tokens` a presented token is, or
 * undefined. Every candidate is compared, as SHA-256 digests of equal length
 * in constant time, so timing reveals neither which token matched nor how
 * much of one did.
 */
export function tokenMatcher (tokens: readonly string[]): (presented: string) => string | undefined {
  const expected = tokens.map((token) => ({ token, digest: digest(token) }))
  return (presented) => {
    const candidate = digest(presented)
    let matched: string | undefined
    for (const { token, digest } of expected) {
      if (timingSafeEqual(digest, candidate)) matched = token
    }
    return matched
  }
}

/**
 * An onRequest hook that admits a request only with one of `tokens` (several
 * allow rotation without downtime). Runs before the body is read, so an
 * anonymous client cannot make the server parse anything. A wrong token is
 * counted in `failures` against the client's address.
 */
export function requireToken (tokens: readonly string[], failures: Pick<AuthFailures, 'record'>): onRequestAsyncHookHandler {
  const match = tokenMatcher(tokens)
  return async (request) => {
    const token = bearerToken(request)
    if (token === undefined) throw new UnauthorizedError('send Authorization: Bearer <token>')
    if (match(token) !== undefined) return
    failures.record(request.ip)
    throw new UnauthorizedError('the token is not valid')
  }
}
