import t from 'tap'
import { post, startTestServer } from '../helpers/app.js'
import { card, openDashboard, signInWithForm, WAIT_MS } from '../helpers/dashboard.js'
import { openReader } from '../helpers/sse-reader.js'
import { waitFor } from '../helpers/wait-for.js'
import { ensureWebBuild } from '../helpers/web-build.js'
import { startServer } from '../fixtures/child-server.js'

const READER = 'reader-token-e2e'

t.before(ensureWebBuild)

/** Signs in over HTTP like the login form does; returns the `name=value` cookie pair. */
async function signIn (url: string, token: string): Promise<{ status: number, cookie: string }> {
  const response = await fetch(`${url}/api/session`, { method: 'POST', body: new URLSearchParams({ token }), redirect: 'manual' })
  return { status: response.status, cookie: (response.headers.get('set-cookie') ?? '').split(';')[0]! }
}

t.test('a script reads the stream with the read token; without it, 401 before any stream', async (t) => {
  const { url } = await startTestServer(t, { readToken: READER })
  const refused = await openReader(t, `${url}/api/stream`)
  t.equal(refused.status, 401)
  t.match(JSON.parse(await refused.text()), { statusCode: 401, code: 'PB_ERR_UNAUTHORIZED' })
  const reader = await openReader(t, `${url}/api/stream`, { authorization: `Bearer ${READER}` })
  t.equal(reader.status, 200)
  await post(url, { metric: 'cpu', value: 42 })
  t.match(await reader.metrics(1), [{ metric: 'cpu', value: 42 }])
})

t.test('a session cookie opens the stream, as EventSource sends it', async (t) => {
  const { url } = await startTestServer(t, { readToken: READER })
  const { status, cookie } = await signIn(url, READER)
  t.equal(status, 303)
  const reader = await openReader(t, `${url}/api/stream`, { cookie })
  t.equal(reader.status, 200)
  await post(url, { metric: 'mem', value: 7 })
  t.match(await reader.metrics(1), [{ metric: 'mem', value: 7 }])
})

t.test('the logs never show a read token, a session cookie or the login form, even at trace level', async (t) => {
  const server = await startServer(t, ['--no-self-metrics'], { READ_TOKEN: READER, LOG_LEVEL: 'trace' })
  const wrong = await signIn(server.url, 'wrong-guess-token')
  t.equal(wrong.status, 401)
  const { cookie } = await signIn(server.url, READER)
  const withCookie = await fetch(`${server.url}/api/metrics`, { headers: { cookie } })
  t.equal(withCookie.status, 200)
  const withBearer = await fetch(`${server.url}/api/metrics?probe=last`, { headers: { authorization: `Bearer ${READER}` } })
  t.equal(withBearer.status, 200)
  await waitFor(() => server.output().includes('probe=last') && server.output().includes('"statusCode":200'), WAIT_MS, 'the request log lines')
  const logs = server.output()
  t.match(logs, /"url":"\/api\/session"/, 'sign-ins are logged')
  t.notMatch(logs, READER, 'no read token')
  t.notMatch(logs, 'wrong-guess-token', 'no refused token either')
  t.notMatch(logs, cookie.split('=')[1]!, 'no session cookie')
})

t.test('a browser is sent to the login page, sees a wrong token refused as text, then signs in to the live dashboard', async (t) => {
  const { url } = await startTestServer(t, { readToken: READER })
  const opened = await openDashboard(t, url)
  if (opened === undefined) return
  const { browser, page } = opened
  t.equal(new URL(page.url()).pathname, '/login', 'redirected to the login page')

  const markup = '<img src=x onerror=alert(1)>'
  await page.fill('#token', markup)
  await page.click('#login-submit')
  const error = page.locator('#login-error')
  await error.waitFor({ state: 'visible', timeout: WAIT_MS })
  t.equal(await error.innerText(), 'That token is not valid.')
  t.equal(await page.locator('#login-error img').count(), 0, 'nothing of the input is rendered as markup')
  t.equal(new URL(page.url()).pathname, '/login', 'still on the login page')

  await signInWithForm(page, url, READER)
  t.notMatch(page.url(), READER, 'the token never appears in a URL')
  await post(url, { metric: 'signed.in', value: 1 })
  await page.locator(card('signed.in')).waitFor({ timeout: WAIT_MS })
  t.equal(await page.locator('#status').getAttribute('data-state'), 'live', 'the stream is open with the cookie')
  t.equal(await page.evaluate('document.cookie'), '', 'the session cookie is HttpOnly: page scripts cannot read it')
  const [session] = (await browser.context.cookies()).filter((c) => c.name === 'pb_session')
  t.match(session, { httpOnly: true, sameSite: 'Strict', secure: false, path: '/' })
  t.strictSame(browser.errors, ['console: Failed to load resource: the server responded with a status of 401 (Unauthorized)'],
    'the refused sign-in, and no CSP violation or script error')
})

t.test('a dashboard whose session ends is sent back to the login page', async (t) => {
  const { url, app } = await startTestServer(t, { readToken: READER })
  const opened = await openDashboard(t, `${url}/login`)
  if (opened === undefined) return
  const { browser, page } = opened
  await signInWithForm(page, url, READER)
  await page.locator('#status[data-state="live"]').waitFor({ timeout: WAIT_MS })

  // The session goes (expired, or its token rotated away), then the stream drops and reconnects.
  await browser.context.clearCookies()
  app.pulseboard.registry.closeAll(() => 'retry: 100\n\n')
  await page.waitForURL(`${url}/login`, { timeout: WAIT_MS })
  t.equal(new URL(page.url()).pathname, '/login', 'the refused reconnect sends the page to sign in')
})

t.test('the login page follows the system theme, or the one picked on the dashboard', async (t) => {
  const { url } = await startTestServer(t, { readToken: READER })
  const opened = await openDashboard(t, `${url}/login`, { colorScheme: 'light' })
  if (opened === undefined) return
  const { page } = opened
  const theme = async (): Promise<unknown> => await page.evaluate('document.documentElement.dataset.theme')
  t.equal(await theme(), 'light', 'a light system gets the light page')
  await page.evaluate("localStorage.setItem('pulseboard.theme', 'dark')")
  await page.reload()
  t.equal(await theme(), 'dark', 'the theme picked on the dashboard wins')
})
