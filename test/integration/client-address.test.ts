import t from 'tap'
import type { PulseboardApp } from '../../server/app.js'
import { buildTestApp } from '../helpers/app.js'

const READER = 'reader-token-000001'
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

/** One wrong sign-in attempt from the peer `remoteAddress`, claiming `forwardedFor` if given; resolves with the status. */
async function signIn (app: PulseboardApp, remoteAddress: string, forwardedFor?: string): Promise<number> {
  const headers = forwardedFor === undefined ? FORM : { ...FORM, 'x-forwarded-for': forwardedFor }
  return (await app.inject({ method: 'POST', url: '/api/session', remoteAddress, headers, payload: 'token=guess' })).statusCode
}

t.test('behind a trusted proxy the sign-in limit counts the forwarded address', async (t) => {
  const app = await buildTestApp(t, { readToken: READER, trustProxy: ['10.0.0.0/8'] })
  for (let i = 0; i < 10; i++) t.equal(await signIn(app, '10.0.0.5', '198.51.100.1'), 401)
  t.equal(await signIn(app, '10.0.0.6', '198.51.100.1'), 429, 'the 11th from one client is refused, whichever proxy it came through')
  t.equal(await signIn(app, '10.0.0.5', '198.51.100.2'), 401, 'another client behind the same proxy is not')
})

t.test("an untrusted peer's X-Forwarded-For is ignored", async (t) => {
  const app = await buildTestApp(t, { readToken: READER, trustProxy: ['10.0.0.0/8'] })
  for (let i = 0; i < 10; i++) t.equal(await signIn(app, '192.0.2.50', `198.51.100.${i}`), 401)
  t.equal(await signIn(app, '192.0.2.50', '198.51.100.99'), 429, 'a new address in the header does not buy new attempts')
})

t.test('a hop count believes that many entries from the right, whoever sent them', async (t) => {
  const app = await buildTestApp(t, { readToken: READER, trustProxy: 2 })
  for (let i = 0; i < 10; i++) t.equal(await signIn(app, '192.0.2.1', `203.0.113.7, 10.1.1.${i}`), 401)
  t.equal(await signIn(app, '192.0.2.2', '203.0.113.7, 10.9.9.9'), 429, 'the client is the second entry from the right')
  t.equal(await signIn(app, '192.0.2.1', '203.0.113.7, 10.1.1.1, 203.0.113.8'), 401, 'a third proxy hop is not believed')
})

t.test('X-Forwarded-Proto: https from a trusted proxy makes the session cookie Secure', async (t) => {
  const app = await buildTestApp(t, { readToken: READER, trustProxy: ['10.0.0.0/8'] })
  const cookie = async (remoteAddress: string): Promise<unknown> => (await app.inject({
    method: 'POST', url: '/api/session', remoteAddress, headers: { ...FORM, 'x-forwarded-proto': 'https' }, payload: `token=${READER}`
  })).headers['set-cookie']
  t.match(await cookie('10.0.0.5'), /; Secure/)
  t.notMatch(await cookie('192.0.2.50'), /Secure/, 'not when an untrusted client claims it')
})

t.test('the publish rate limit counts an IPv6 client per /64', async (t) => {
  const app = await buildTestApp(t, { publishRateLimit: 2 })
  const publish = async (remoteAddress: string): Promise<number> =>
    (await app.inject({ method: 'POST', url: '/api/events', remoteAddress, headers: { 'content-type': 'application/json' }, payload: '{"metric":"x","value":1}' })).statusCode
  t.equal(await publish('2001:db8:0:1::1'), 202)
  t.equal(await publish('2001:db8:0:1::2'), 202)
  t.equal(await publish('2001:db8:0:1:ffff::3'), 429, 'a third address of the same /64 shares its limit')
  t.equal(await publish('2001:db8:0:2::1'), 202, 'the next /64 has its own')
})
