import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import { UnauthorizedError } from '../http/errors.js'
import type { AuthFailures } from './auth-failures.js'
import { bearerToken, tokenMatcher } from './auth.js'
import type { SessionCookies } from './session-cookies.js'

/** Where a browser without a session is sent. */
const LOGIN_PATH = '/login'

/**
 * Routes anyone may use while READ_TOKEN is set: health for load balancers, the
 * login page with what it loads, the session endpoints, and publishing (which
 * has PUBLISH_TOKEN). Everything else, including routes added later, needs access.
 */
const OPEN_ROUTES: ReadonlySet<string> = new Set([
  '/healthz', LOGIN_PATH, '/login.js', '/login.css', '/styles.css', '/favicon.svg', '/api/session', '/api/events'
])

export interface ReadAccessOptions {
  /** The read tokens accepted as `Authorization: Bearer <token>`. */
  readonly tokens: readonly string[]
  /** Verifies the browsers' session cookies. */
  readonly sessions: Pick<SessionCookies, 'verify'>
  /** Where wrong read tokens are counted against the client's address. */
  readonly failures: Pick<AuthFailures, 'record'>
}

/** A browser navigating to a page (not a script, not the API) is better served by the login page than by a 401. */
function wantsPage (request: FastifyRequest): boolean {
  return request.method === 'GET' && !request.url.startsWith('/api/') && request.headers.accept?.includes('text/html') === true
}

/**
 * An onRequest hook that admits a request to a read route only with a read
 * token as a bearer token or a valid session cookie. A wrong bearer token is
 * refused even when a cookie is valid too, so a script learns its token is bad.
 * CORS preflights for reading, which carry no credentials, are answered by
 * @fastify/cors in an earlier hook and never reach this one.
 */
export function requireReader (options: ReadAccessOptions): onRequestAsyncHookHandler {
  const match = tokenMatcher(options.tokens)
  const { sessions, failures } = options
  return async (request, reply) => {
    if (OPEN_ROUTES.has(request.routeOptions.url ?? '')) return
    const token = bearerToken(request)
    if (token !== undefined) {
      if (match(token) !== undefined) return
      failures.record(request.ip)
      throw new UnauthorizedError('the token is not valid')
    }
    if (sessions.verify(request.headers.cookie)) return
    if (wantsPage(request)) return reply.redirect(LOGIN_PATH, 302)
    throw new UnauthorizedError(`send Authorization: Bearer <read token>, or sign in at ${LOGIN_PATH}`)
  }
}
