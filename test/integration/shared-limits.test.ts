import t, { type Test } from 'tap'
import type { PulseboardApp } from '../../server/app.js'
import { LimitsClient } from '../../server/cluster/limits-client.js'
import { LimitsHost } from '../../server/cluster/limits-host.js'
import type { LimitsMessage } from '../../server/cluster/limits-protocol.js'
import type { Config } from '../../server/config/config.js'
import { buildTestApp } from '../helpers/app.js'
import { channelPair, type ChannelPair } from '../helpers/ipc-channel-pair.js'

/** Two apps counting their per-address limits in one primary's host, as two workers of one port do. */
async function twoWorkers (t: Test, overrides: Partial<Config>): Promise<Array<{ app: PulseboardApp, pair: ChannelPair<LimitsMessage> }>> {
  const host = new LimitsHost()
  return await Promise.all([1, 2].map(async () => {
    const pair = channelPair<LimitsMessage>()
    host.attach(pair.primary)
    return { app: await buildTestApp(t, overrides, { sharedLimits: new LimitsClient(pair.worker) }), pair }
  }))
}

const json = { 'content-type': 'application/json' }
const payload = '{"metric":"x","value":1}'

t.test('the publish rate limit holds across workers', async (t) => {
  const [a, b] = await twoWorkers(t, { publishRateLimit: 3 })
  const publish = async (app: PulseboardApp): Promise<number> => (await app.inject({ method: 'POST', url: '/api/events', headers: json, payload })).statusCode
  t.equal(await publish(a!.app), 202)
  t.equal(await publish(b!.app), 202)
  t.equal(await publish(a!.app), 202)
  const over = await b!.app.inject({ method: 'POST', url: '/api/events', headers: json, payload })
  t.equal(over.statusCode, 429, 'the 4th, on the other worker, is refused')
  t.match(over.json(), { code: 'PB_ERR_RATE_LIMITED' })
})

t.test('the sign-in limit holds across workers', async (t) => {
  const [a, b] = await twoWorkers(t, { readToken: 'reader-token-000001' })
  const signIn = async (app: PulseboardApp): Promise<number> =>
    (await app.inject({ method: 'POST', url: '/api/session', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'token=guess' })).statusCode
  for (let i = 0; i < 10; i++) t.equal(await signIn(i % 2 === 0 ? a!.app : b!.app), 401)
  t.equal(await signIn(a!.app), 429)
  t.equal(await signIn(b!.app), 429)
})

t.test('a worker whose primary is gone answers 503, never 500', async (t) => {
  const [a] = await twoWorkers(t, { publishRateLimit: 3, trustProxy: ['127.0.0.1'] })
  a!.pair.disconnect()
  const publish = await a!.app.inject({ method: 'POST', url: '/api/events', headers: json, payload })
  t.equal(publish.statusCode, 503)
  t.match(publish.json(), { code: 'PB_ERR_STORE_UNAVAILABLE' })
  const stream = await a!.app.inject({ url: '/api/stream', headers: { 'x-forwarded-for': '203.0.113.9' } })
  t.equal(stream.statusCode, 503)
  t.match(stream.json(), { code: 'PB_ERR_STORE_UNAVAILABLE' })
  t.ok(Number(stream.headers['retry-after']) > 0, 'with Retry-After')
})
