import t from 'tap'
import { DEFAULT_SESSION_TTL_MS, SESSION_COOKIE, SessionCookies } from '../../../server/guards/session-cookies.js'

const HOUR_MS = 3_600_000

/** A cookie jar of one: the `Cookie` header a browser would send back. */
function header (value: string): string {
  return `theme=dark; ${SESSION_COOKIE}=${value}; other=1`
}

function clock (startMs: number): { now: () => number, advance: (ms: number) => void } {
  let nowMs = startMs
  return { now: () => nowMs, advance: (ms) => { nowMs += ms } }
}

t.test('a session opened with a read token is valid until it expires, 12 hours by default', async (t) => {
  t.equal(DEFAULT_SESSION_TTL_MS, 12 * HOUR_MS)
  const time = clock(1_700_000_000_000)
  const sessions = new SessionCookies({ tokens: ['reader-token'], now: time.now })
  const value = sessions.issue('reader-token')
  t.match(value, /^v1\.1700043200000\.[A-Za-z0-9_-]{43}$/, 'v1.<expiresMs>.<MAC>, nothing secret in it')
  t.ok(sessions.verify(header(value!)))
  time.advance(12 * HOUR_MS - 1)
  t.ok(sessions.verify(header(value!)), 'valid up to the last ms')
  time.advance(1)
  t.notOk(sessions.verify(header(value!)), 'expired')
})

t.test('a wrong token opens no session', async (t) => {
  const sessions = new SessionCookies({ tokens: ['reader-token'] })
  for (const presented of ['reader-tokeN', 'reader-token ', '', 'r']) t.equal(sessions.issue(presented), undefined, JSON.stringify(presented))
})

t.test('a forged, altered or malformed cookie is refused', async (t) => {
  const time = clock(1_700_000_000_000)
  const sessions = new SessionCookies({ tokens: ['reader-token'], now: time.now })
  const value = sessions.issue('reader-token')!
  const [, expires, mac] = value.split('.') as [string, string, string]
  const flipped = `${mac.slice(0, 10)}${mac[10] === 'A' ? 'B' : 'A'}${mac.slice(11)}`
  const cases: Record<string, string | undefined> = {
    'no cookie header': undefined,
    'no session cookie': 'theme=dark',
    'an altered MAC': header(`v1.${expires}.${flipped}`),
    'a later expiry with the old MAC': header(`v1.${Number(expires) + 1000}.${mac}`),
    'another version': header(`v2.${expires}.${mac}`),
    'a short MAC': header(`v1.${expires}.${mac.slice(1)}`),
    'a non-numeric expiry': header(`v1.x${expires}.${mac}`),
    'an empty value': header(''),
    'the token itself': header('reader-token')
  }
  for (const [name, cookie] of Object.entries(cases)) t.notOk(sessions.verify(cookie), name)
  const otherServer = new SessionCookies({ tokens: ['another-token'], now: time.now })
  t.notOk(otherServer.verify(header(value)), 'a cookie made with another token')
})

t.test('an expiry beyond the lifetime is refused even with a valid MAC', async (t) => {
  const time = clock(1_700_000_000_000)
  const longLived = new SessionCookies({ tokens: ['reader-token'], now: time.now, ttlMs: 48 * HOUR_MS })
  const value = longLived.issue('reader-token')!
  const strict = new SessionCookies({ tokens: ['reader-token'], now: time.now })
  t.notOk(strict.verify(header(value)), 'a shorter lifetime configured later also bounds older cookies')
})

t.test('with several tokens, a session lasts as long as the token it was opened with stays listed', async (t) => {
  const time = clock(1_700_000_000_000)
  const before = new SessionCookies({ tokens: ['old-token', 'new-token'], now: time.now })
  const withOld = before.issue('old-token')!
  const withNew = before.issue('new-token')!
  t.ok(before.verify(header(withOld)))
  t.ok(before.verify(header(withNew)))
  const after = new SessionCookies({ tokens: ['new-token'], now: time.now })
  t.notOk(after.verify(header(withOld)), 'removing a token ends its sessions')
  t.ok(after.verify(header(withNew)), 'a restarted server keeps the sessions of tokens still listed')
})

t.test('cookies are HttpOnly, SameSite=Strict, for the whole site, Secure over HTTPS', async (t) => {
  const sessions = new SessionCookies({ tokens: ['reader-token'] })
  t.equal(sessions.setCookie('v1.1.x', false), `${SESSION_COOKIE}=v1.1.x; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict`)
  t.equal(sessions.setCookie('v1.1.x', true), `${SESSION_COOKIE}=v1.1.x; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict; Secure`)
  t.equal(sessions.clearCookie(true), `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure`)
})
