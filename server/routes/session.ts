import type { FastifyPluginAsync } from 'fastify'
import { PayloadInvalidError, RateLimitedError, UnauthorizedError, UnsupportedMediaTypeError } from '../http/errors.js'

/** Makes session cookies (guards/session-cookies.ts matches by shape). */
export interface SessionIssuer {
  /** A cookie value for a presented token, or undefined when it is not a read token. */
  issue: (presented: string) => string | undefined
  /** A `Set-Cookie` value storing `value`, marked Secure when `secure`. */
  setCookie: (value: string, secure: boolean) => string
  /** A `Set-Cookie` value deleting the session. */
  clearCookie: (secure: boolean) => string
}

/** Counts wrong tokens per address (guards/auth-failures.ts matches by shape). */
export interface FailureCounter {
  record: (address: string) => void
}

export interface SessionRoutesOptions {
  readonly sessions: SessionIssuer
  /** Where a wrong token is counted against the client's address. */
  readonly failures: FailureCounter
  /** Sign-in attempts a minute from one address (429 past it). Default 10. */
  readonly attemptsPerMinute?: number
}

/** Sign-in attempts a minute from one address: plenty for a person, far too few to guess a token. */
export const DEFAULT_LOGIN_ATTEMPTS_PER_MINUTE = 10

/** A token field and its name fit many times over; anything larger is not a sign-in form. */
const FORM_LIMIT_BYTES = 4096
const FORM = 'application/x-www-form-urlencoded'

/**
 * POST /api/session exchanges a read token, sent as the login page's form, for
 * a session cookie and sends the browser on to the dashboard; DELETE ends it.
 * The form body is never logged: Fastify logs no bodies and nothing here does.
 */
export const sessionRoutes: FastifyPluginAsync<SessionRoutesOptions> = async (app, options) => {
  const { sessions, failures } = options
  // Only the form is read here, as text within FORM_LIMIT_BYTES; any other type is a 415 before parsing.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES }, (_request, body, done) => {
    done(null, new URLSearchParams(body as string))
  })

  const rateLimit = {
    max: options.attemptsPerMinute ?? DEFAULT_LOGIN_ATTEMPTS_PER_MINUTE,
    timeWindow: 60_000,
    errorResponseBuilder: (_request: unknown, context: { max: number, after: string }) =>
      new RateLimitedError(`at most ${context.max} sign-in attempts a minute from one address; retry in ${context.after}`)
  }
  app.post('/api/session', { bodyLimit: FORM_LIMIT_BYTES, config: { rateLimit } }, async (request, reply) => {
    if (!(request.body instanceof URLSearchParams)) throw new UnsupportedMediaTypeError(`send the sign-in form as ${FORM}`)
    const given = request.body.getAll('token')
    if (given.length !== 1 || given[0] === '') throw new PayloadInvalidError('send exactly one non-empty field "token"')
    const value = sessions.issue(given[0]!)
    if (value === undefined) {
      failures.record(request.ip)
      throw new UnauthorizedError('the token is not valid')
    }
    // See Other: the browser follows with a GET of the dashboard, now with its cookie.
    return reply.header('set-cookie', sessions.setCookie(value, request.protocol === 'https'))
      .header('cache-control', 'no-store')
      .redirect('/', 303)
  })

  app.delete('/api/session', async (request, reply) => {
    return reply.header('set-cookie', sessions.clearCookie(request.protocol === 'https')).code(204).send()
  })
}
