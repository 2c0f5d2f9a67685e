import { once } from 'node:events'
import { connect } from 'node:net'
import t, { type Test } from 'tap'
import { buildTestApp, post, startTestServer } from '../helpers/app.js'
import { openReader } from '../helpers/sse-reader.js'
import { within } from '../helpers/wait-for.js'

const PUBLISHER = 'publish-token-auth-failures'
const READER = 'reader-token-auth-failures'
const LIMIT = 3
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

/** Asserts a 429 in our error shape, with a Retry-After of at most the minute. */
async function assertLockedOut (t: Test, response: Response, what: string): Promise<void> {
  t.equal(response.status, 429, what)
  t.match(await response.json(), { statusCode: 429, code: 'PB_ERR_TOO_MANY_AUTH_FAILURES', error: 'Too Many Requests', message: /3 wrong tokens a minute/ }, what)
  const retryAfterS = Number(response.headers.get('retry-after'))
  t.ok(retryAfterS >= 1 && retryAfterS <= 60, `${what}: Retry-After ${retryAfterS}`)
}

t.test('wrong publish tokens lock the address out of every route, before any body is read', async (t) => {
  const { app, url } = await startTestServer(t, { publishToken: PUBLISHER, authFailureLimit: LIMIT })
  for (let i = 0; i < LIMIT + 2; i++) {
    t.equal((await post(url, { metric: 'x', value: 1 })).status, 401, 'a missing token guesses nothing and is not counted')
  }
  for (let i = 0; i < LIMIT; i++) {
    t.match(await post(url, { metric: 'x', value: 1 }, { authorization: `Bearer guess-${i}` }), { status: 401, body: { code: 'PB_ERR_UNAUTHORIZED' } })
  }
  const right = await fetch(`${url}/api/events`, { method: 'POST', headers: { authorization: `Bearer ${PUBLISHER}`, 'content-type': 'application/json' }, body: '{"metric":"x","value":1}' })
  await assertLockedOut(t, right, 'even the right token, or a guesser would learn it')
  await assertLockedOut(t, await fetch(`${url}/api/metrics`), 'a read')
  const stream = await openReader(t, `${url}/api/stream`)
  t.equal(stream.status, 429, 'the stream')
  t.equal(app.pulseboard.log.latestId(), 0, 'nothing was stored')

  // A publish whose body never comes is answered at once: the refusal does not wait for the body.
  const socket = connect(Number(new URL(url).port), '127.0.0.1')
  t.teardown(() => socket.destroy())
  await once(socket, 'connect')
  socket.write(`POST /api/events HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${PUBLISHER}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"metric"`)
  const [head] = await within(once(socket, 'data'), 'an answer before the body', 10_000) as [Buffer]
  t.match(head.toString(), /^HTTP\/1\.1 429 /)
})

t.test('wrong read tokens on the stream and the read APIs count, and so do wrong sign-ins', async (t) => {
  const { url } = await startTestServer(t, { readToken: READER, authFailureLimit: LIMIT })
  t.equal((await openReader(t, `${url}/api/stream`, { authorization: 'Bearer guess-0' })).status, 401)
  t.equal((await fetch(`${url}/api/metrics`, { headers: { authorization: 'Bearer guess-1' } })).status, 401)
  const signIn = await fetch(`${url}/api/session`, { method: 'POST', headers: FORM, body: 'token=guess-2', redirect: 'manual' })
  t.equal(signIn.status, 401)
  await assertLockedOut(t, await fetch(`${url}/api/metrics`, { headers: { authorization: `Bearer ${READER}` } }), 'the read APIs')
  await assertLockedOut(t, await fetch(`${url}/api/session`, { method: 'POST', headers: FORM, body: `token=${READER}`, redirect: 'manual' }), 'sign-in')
  const stream = await openReader(t, `${url}/api/stream`, { authorization: `Bearer ${READER}` })
  t.equal(stream.status, 429, 'the stream')
  t.match(JSON.parse(await stream.text()), { code: 'PB_ERR_TOO_MANY_AUTH_FAILURES' })
})

t.test('the count is per client address', async (t) => {
  const app = await buildTestApp(t, { readToken: READER, authFailureLimit: LIMIT })
  const read = async (remoteAddress: string, token: string): Promise<number> =>
    (await app.inject({ url: '/api/metrics', remoteAddress, headers: { authorization: `Bearer ${token}` } })).statusCode
  for (let i = 0; i < LIMIT; i++) t.equal(await read('10.0.0.1', `guess-${i}`), 401)
  t.equal(await read('10.0.0.1', READER), 429)
  t.equal(await read('10.0.0.2', READER), 200, 'another address is not affected')
})
