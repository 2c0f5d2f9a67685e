import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto'
import { tokenMatcher } from './auth.js'

/** Lifetime of a dashboard session, in ms: 12 hours, a working day; then the login page asks again. */
export const DEFAULT_SESSION_TTL_MS = 12 * 60 * 60 * 1000

/** Name of the session cookie. */
export const SESSION_COOKIE = 'pb_session'

/** `v1.<expiresMs>.<base64url HMAC-SHA256>`; the MAC is always 32 bytes, 43 characters. */
const COOKIE_VALUE = /^v1\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/

export interface SessionCookiesOptions {
  /** The read tokens a session may be opened with. */
  readonly tokens: readonly string[]
  /** How long a session lasts, in ms. Default 12 hours. */
  readonly ttlMs?: number
  /** Clock in ms, injectable for tests. Default `Date.now`. */
  readonly now?: () => number
}

/** A key per token, so that removing a token from READ_TOKEN also ends the sessions opened with it. */
function keyFor (token: string): Buffer {
  return Buffer.from(hkdfSync('sha256', token, '', 'pulseboard session v1', 32))
}

function mac (key: Buffer, expiresMs: number): Buffer {
  return createHmac('sha256', key).update(`v1.${expiresMs}`).digest()
}

/** The value of cookie `name` in a `Cookie` header, if present. */
function cookieValue (header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const eq = pair.indexOf('=')
    if (eq !== -1 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim()
  }
  return undefined
}

/**
 * Stateless session cookies for browsers, which cannot send a bearer token
 * with `EventSource`. A cookie carries its expiry and a MAC of it under a key
 * derived from the read token the user signed in with: it survives restarts,
 * works across instances that share READ_TOKEN, and holds nothing secret.
 */
export class SessionCookies {
  readonly #match: (presented: string) => string | undefined
  readonly #keys: ReadonlyMap<string, Buffer>
  readonly #ttlMs: number
  readonly #now: () => number

  constructor (options: SessionCookiesOptions) {
    this.#match = tokenMatcher(options.tokens)
    this.#keys = new Map(options.tokens.map((token) => [token, keyFor(token)]))
    this.#ttlMs = options.ttlMs ?? DEFAULT_SESSION_TTL_MS
    this.#now = options.now ?? Date.now
  }

  /** A new cookie value for a presented token, or undefined when it is not a read token. */
  issue (presented: string): string | undefined {
    const token = this.#match(presented)
    if (token === undefined) return undefined
    const expiresMs = this.#now() + this.#ttlMs
    return `v1.${expiresMs}.${mac(this.#keys.get(token)!, expiresMs).toString('base64url')}`
  }

  /**
   * True when a `Cookie` header holds an unexpired session made with one of the
   * tokens. The MAC is compared in constant time against every token's key.
   */
  verify (cookieHeader: string | undefined): boolean {
    const parts = COOKIE_VALUE.exec(cookieValue(cookieHeader, SESSION_COOKIE) ?? '')
    if (parts === null) return false
    const expiresMs = Number(parts[1])
    const now = this.#now()
    if (expiresMs <= now || expiresMs > now + this.#ttlMs) return false
    const presented = Buffer.from(parts[2]!, 'base64url')
    let valid = false
    for (const key of this.#keys.values()) {
      if (timingSafeEqual(mac(key, expiresMs), presented)) valid = true
    }
    return valid
  }

  /** A `Set-Cookie` value that stores `value`; `secure` when the page came over HTTPS. */
  setCookie (value: string, secure: boolean): string {
    return this.#attributes(`${SESSION_COOKIE}=${value}`, Math.floor(this.#ttlMs / 1000), secure)
  }

  /** A `Set-Cookie` value that deletes the session cookie. */
  clearCookie (secure: boolean): string {
    return this.#attributes(`${SESSION_COOKIE}=`, 0, secure)
  }

  // HttpOnly: page scripts never see it. SameSite=Strict: no other site's page can make a browser send it.
  #attributes (pair: string, maxAgeS: number, secure: boolean): string {
    return `${pair}; Path=/; Max-Age=${maxAgeS}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`
  }
}
