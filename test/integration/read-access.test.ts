import t from 'tap'
import type { PulseboardApp } from '../../server/app.js'
import { SESSION_COOKIE } from '../../server/guards/session-cookies.js'
import { buildTestApp } from '../helpers/app.js'

const READER = 'reader-token-0001'
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const PAGE = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }

/** Signs in with `token` through the login form; returns the response and the cookie pair to send back. */
async function signIn (app: PulseboardApp, token: string): Promise<{ status: number, setCookie: string, cookie: string, location: string | undefined }> {
  const response = await app.inject({ method: 'POST', url: '/api/session', headers: FORM, payload: new URLSearchParams({ token }).toString() })
  const setCookie = String(response.headers['set-cookie'] ?? '')
  return { status: response.statusCode, setCookie, cookie: setCookie.split(';')[0]!, location: response.headers.location as string | undefined }
}

t.test('with READ_TOKEN, the read APIs need a read token or a session', async (t) => {
  const app = await buildTestApp(t, { readToken: READER })
  for (const url of ['/api/metrics', '/api/metrics/cpu/history', '/api/stream']) {
    const anonymous = await app.inject({ url })
    t.equal(anonymous.statusCode, 401, url)
    t.match(anonymous.json(), { statusCode: 401, code: 'PB_ERR_UNAUTHORIZED', error: 'Unauthorized', message: /Bearer/ }, url)
    const wrong = await app.inject({ url, headers: { authorization: 'Bearer reader-token-0002' } })
    t.match(wrong.json(), { statusCode: 401, code: 'PB_ERR_UNAUTHORIZED', message: /not valid/ }, `${url} with a wrong token`)
  }
  t.equal((await app.inject({ url: '/api/metrics', headers: { authorization: `Bearer ${READER}` } })).statusCode, 200)
  t.equal((await app.inject({ url: '/api/metrics/cpu/history', headers: { authorization: `bearer ${READER}` } })).statusCode, 404, 'admitted, then no such metric')
  t.equal((await app.inject({ url: '/api/metrics', headers: { cookie: `${SESSION_COOKIE}=v1.9999999999999.${'A'.repeat(43)}` } })).statusCode, 401, 'a forged cookie')
  t.equal((await app.inject({ url: '/api/nothing-here' })).statusCode, 401, 'an unknown path reveals nothing without access')
  t.equal((await app.inject({ url: '/api/nothing-here', headers: { authorization: `Bearer ${READER}` } })).statusCode, 404)
})

t.test('several read tokens are accepted at once, for rotation', async (t) => {
  const app = await buildTestApp(t, { readToken: 'old-reader-token-1,new-reader-token-2' })
  for (const token of ['old-reader-token-1', 'new-reader-token-2']) {
    t.equal((await app.inject({ url: '/api/metrics', headers: { authorization: `Bearer ${token}` } })).statusCode, 200, token)
  }
  t.equal((await app.inject({ url: '/api/metrics', headers: { authorization: 'Bearer old-reader-token-1,new-reader-token-2' } })).statusCode, 401)
})

t.test('a publish token does not grant reading, and a read token does not grant publishing', async (t) => {
  const app = await buildTestApp(t, { readToken: READER, publishToken: 'publisher-token-01' })
  const read = await app.inject({ url: '/api/metrics', headers: { authorization: 'Bearer publisher-token-01' } })
  t.match(read.json(), { statusCode: 401, code: 'PB_ERR_UNAUTHORIZED' })
  const publish = (authorization: string): Promise<{ statusCode: number }> => app.inject({
    method: 'POST', url: '/api/events', headers: { authorization, 'content-type': 'application/json' }, payload: { metric: 'cpu', value: 1 }
  })
  t.equal((await publish(`Bearer ${READER}`)).statusCode, 401)
  t.equal((await publish('Bearer publisher-token-01')).statusCode, 202, 'publishing needs no read token')
})

t.test('without READ_TOKEN reading stays open and there is no sign-in', async (t) => {
  const app = await buildTestApp(t)
  t.equal((await app.inject({ url: '/api/metrics' })).statusCode, 200)
  t.equal((await app.inject({ url: '/', headers: PAGE })).statusCode, 200)
  t.equal((await app.inject({ url: '/login' })).statusCode, 404)
  t.equal((await app.inject({ method: 'POST', url: '/api/session', headers: FORM, payload: 'token=x' })).statusCode, 404)
})

t.test('/healthz and the login page stay open; the dashboard sends a browser to /login', async (t) => {
  const app = await buildTestApp(t, { readToken: READER })
  const health = await app.inject({ url: '/healthz' })
  t.equal(health.statusCode, 200)
  t.strictSame(Object.keys(health.json()).sort(), ['clients', 'lastId', 'maxClients', 'maxClientsPerIp', 'pid', 'status', 'store', 'uptimeS'], 'figures only, no metric names or values')
  const dashboard = await app.inject({ url: '/', headers: PAGE })
  t.equal(dashboard.statusCode, 302)
  t.equal(dashboard.headers.location, '/login')
  t.equal((await app.inject({ url: '/index.html', headers: PAGE })).headers.location, '/login')
  t.equal((await app.inject({ url: '/' })).statusCode, 401, 'a script asking for / gets a 401, not a page')
  t.equal((await app.inject({ url: '/api/metrics', headers: PAGE })).statusCode, 401, 'the API never redirects')
  const login = await app.inject({ url: '/login' })
  t.equal(login.statusCode, 200)
  t.match(login.body, /<form id="login-form"[^>]*method="post" action="\/api\/session"/)
  t.match(login.headers['content-security-policy'], /script-src 'self'/)
  t.notMatch(login.body, /<script>|style=/, 'no inline script or style')
  for (const asset of ['/login.js', '/login.css', '/styles.css', '/favicon.svg']) t.equal((await app.inject({ url: asset })).statusCode, 200, asset)
  t.equal((await app.inject({ url: '/main.js' })).statusCode, 401, 'the dashboard itself stays behind the login')
})

t.test('the login form exchanges a read token for an HttpOnly, SameSite=Strict cookie and sends the browser on', async (t) => {
  const app = await buildTestApp(t, { readToken: READER })
  const session = await signIn(app, READER)
  t.equal(session.status, 303)
  t.equal(session.location, '/')
  t.match(session.setCookie, new RegExp(`^${SESSION_COOKIE}=v1\\.\\d+\\.[\\w-]{43}; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict$`), 'not Secure over plain HTTP')
  t.notMatch(session.setCookie, READER, 'the cookie does not hold the token')
  const dashboard = await app.inject({ url: '/', headers: { ...PAGE, cookie: session.cookie } })
  t.equal(dashboard.statusCode, 200)
  t.match(dashboard.body, /<html/)
  t.equal((await app.inject({ url: '/api/metrics', headers: { cookie: session.cookie } })).statusCode, 200)
  const wrongBearer = await app.inject({ url: '/api/metrics', headers: { cookie: session.cookie, authorization: 'Bearer nope' } })
  t.equal(wrongBearer.statusCode, 401, 'a wrong bearer token is refused even with a valid cookie')

  const logout = await app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie: session.cookie } })
  t.equal(logout.statusCode, 204)
  t.equal(logout.headers['set-cookie'], `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`)
})

t.test('a refused or malformed sign-in gets a 4xx in the API error shape', async (t) => {
  const app = await buildTestApp(t, { readToken: READER })
  const attempt = async (headers: Record<string, string>, payload: string): Promise<{ statusCode: number, code: unknown, cookie: unknown }> => {
    const response = await app.inject({ method: 'POST', url: '/api/session', headers, payload })
    return { statusCode: response.statusCode, code: response.json<{ code: unknown }>().code, cookie: response.headers['set-cookie'] }
  }
  const cases: Array<[string, Record<string, string>, string, number, string]> = [
    ['a wrong token', FORM, 'token=reader-token-0002', 401, 'PB_ERR_UNAUTHORIZED'],
    ['no token field', FORM, 'password=reader-token-000001', 400, 'PB_ERR_PAYLOAD_INVALID'],
    ['an empty token', FORM, 'token=', 400, 'PB_ERR_PAYLOAD_INVALID'],
    ['two token fields', FORM, `token=${READER}&token=${READER}`, 400, 'PB_ERR_PAYLOAD_INVALID'],
    ['an empty body', FORM, '', 400, 'PB_ERR_PAYLOAD_INVALID'],
    ['JSON', { 'content-type': 'application/json' }, JSON.stringify({ token: READER }), 415, 'PB_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }, `--x\r\ncontent-disposition: form-data; name="token"\r\n\r\n${READER}\r\n--x--`, 415, 'PB_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['no content type', {}, '', 415, 'PB_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['a huge body', FORM, `token=${'x'.repeat(100_000)}`, 413, 'PB_ERR_BODY_TOO_LARGE'],
    ['bytes that are not UTF-8', FORM, 'token=%FF%FE', 401, 'PB_ERR_UNAUTHORIZED']
  ]
  for (const [name, headers, payload, statusCode, code] of cases) {
    t.match(await attempt(headers, payload), { statusCode, code, cookie: undefined }, name)
  }
})

t.test('sign-in attempts are rate limited per address', async (t) => {
  // Above the sign-in limit, so that limit is what answers (wrong tokens alone lock out at AUTH_FAILURE_LIMIT, see e2e/auth-failures).
  const app = await buildTestApp(t, { readToken: READER, authFailureLimit: 100 })
  const attempt = async (remoteAddress: string): Promise<{ statusCode: number, headers: Record<string, unknown>, body: string }> =>
    await app.inject({ method: 'POST', url: '/api/session', remoteAddress, headers: FORM, payload: 'token=guess' })
  for (let i = 0; i < 10; i++) t.equal((await attempt('10.0.0.1')).statusCode, 401)
  const limited = await attempt('10.0.0.1')
  t.equal(limited.statusCode, 429)
  t.match(JSON.parse(limited.body), { statusCode: 429, code: 'PB_ERR_RATE_LIMITED', message: /at most 10 sign-in attempts a minute/ })
  t.ok(Number(limited.headers['retry-after']) > 0, 'with Retry-After')
  t.equal((await attempt('10.0.0.2')).statusCode, 401, 'another address is not affected')
})

t.test('with CORS_ORIGINS, a preflight passes without credentials and the read itself needs them', async (t) => {
  const origin = 'https://ops.example.com'
  const app = await buildTestApp(t, { readToken: READER, corsOrigins: [origin] })
  const preflight = await app.inject({
    method: 'OPTIONS', url: '/api/metrics', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' }
  })
  t.equal(preflight.statusCode, 204, 'browsers send preflights without credentials; @fastify/cors answers them first')
  t.equal(preflight.headers['access-control-allow-origin'], origin)
  t.equal((await app.inject({ url: '/api/metrics', headers: { origin } })).statusCode, 401)
  const read = await app.inject({ url: '/api/metrics', headers: { origin, authorization: `Bearer ${READER}` } })
  t.equal(read.statusCode, 200)
  t.equal(read.headers['access-control-allow-origin'], origin)
})
