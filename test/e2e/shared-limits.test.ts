import { once } from 'node:events'
import { request } from 'node:http'
import { connect, constants, type ServerHttp2Stream } from 'node:http2'
import type { Socket } from 'node:net'
import t, { type Test } from 'tap'
import type { PulseboardApp } from '../../server/app.js'
import { LimitsClient } from '../../server/cluster/limits-client.js'
import { LimitsHost } from '../../server/cluster/limits-host.js'
import type { LimitsMessage, SharedLimits } from '../../server/cluster/limits-protocol.js'
import type { Config } from '../../server/config/config.js'
import { startTestServer } from '../helpers/app.js'
import { channelPair } from '../helpers/ipc-channel-pair.js'
import { selfSignedCertificate } from '../helpers/tls.js'
import { waitFor, within } from '../helpers/wait-for.js'

const WAIT_MS = 10_000
const CLIENT = '203.0.113.9'

/** A worker's app whose primary answers only when `answer()` is called; `asked` settles once a stream waits on its slot. */
async function workerWithSlowPrimary (t: Test, overrides: Partial<Config>): Promise<{ app: PulseboardApp, url: string, host: LimitsHost, asked: Promise<void>, answer: () => void }> {
  const host = new LimitsHost()
  const pair = channelPair<LimitsMessage>()
  host.attach(pair.primary)
  const client = new LimitsClient(pair.worker)
  const answer = pair.hold()
  let notify = (): void => {}
  const asked = new Promise<void>((resolve) => { notify = resolve })
  const sharedLimits: SharedLimits = {
    slots: { take: async (key, max) => { notify(); return await client.slots.take(key, max) }, release: (key) => client.slots.release(key) },
    hit: async (...args) => await client.hit(...args)
  }
  const { app, url } = await startTestServer(t, { trustProxy: ['127.0.0.1'], ...overrides }, { sharedLimits })
  return { app, url, host, asked, answer }
}

/** Waits until the stream that left is closed on the server and its slot is back with the primary. */
async function slotGivenBack (app: PulseboardApp, host: LimitsHost): Promise<void> {
  await waitFor(() => app.pulseboard.registry.closeCounts.client === 1 && host.held(CLIENT) === 0, WAIT_MS, 'the slot to be given back')
}

t.test('an HTTP/1.1 client that leaves while its slot is being taken holds no slot', async (t) => {
  const { app, url, host, asked, answer } = await workerWithSlowPrimary(t, {})
  const sockets: Socket[] = []
  app.server.on('connection', (socket: Socket) => sockets.push(socket))
  const stream = request(`${url}/api/stream`, { headers: { 'x-forwarded-for': CLIENT } })
  stream.on('error', () => {}) // the reset is the point of the test
  stream.end()
  await within(asked, 'the stream to ask for its slot', WAIT_MS)
  const closed = once(sockets[0]!, 'close')
  stream.destroy()
  await within(closed, 'the server to see the client leave', WAIT_MS)
  answer()
  await slotGivenBack(app, host)
  t.equal(app.pulseboard.registry.size, 0)
})

t.test('an HTTP/2 client that resets its stream while its slot is being taken holds no slot', async (t) => {
  const certificate = selfSignedCertificate(t)
  const { app, url, host, asked, answer } = await workerWithSlowPrimary(t, { tlsCert: certificate.certPath, tlsKey: certificate.keyPath })
  const streams: ServerHttp2Stream[] = []
  app.server.on('stream', (stream: ServerHttp2Stream) => streams.push(stream))
  const session = connect(url, { ca: certificate.cert })
  t.teardown(() => session.destroy())
  const stream = session.request({ ':path': '/api/stream', 'x-forwarded-for': CLIENT })
  stream.on('error', () => {}) // the reset is the point of the test
  await within(asked, 'the stream to ask for its slot', WAIT_MS)
  const closed = once(streams[0]!, 'close')
  stream.close(constants.NGHTTP2_CANCEL)
  await within(closed, 'the server to see the stream reset', WAIT_MS)
  answer()
  await slotGivenBack(app, host)
  t.equal(app.pulseboard.registry.size, 0)
})
