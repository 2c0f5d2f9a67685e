import { connect, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2'
import { connect as connectTls, type TLSSocket } from 'node:tls'
import t, { type Test } from 'tap'
import { runServer } from '../fixtures/child-server.js'
import { startTestServer } from '../helpers/app.js'
import { SseReader } from '../helpers/sse-reader.js'
import { ids } from '../helpers/sqlite-log.js'
import { selfSignedCertificate, type TestCertificate } from '../helpers/tls.js'
import { waitFor, within } from '../helpers/wait-for.js'

const WAIT_MS = 5000

async function startTlsServer (t: Test, overrides: Parameters<typeof startTestServer>[1] = {}): Promise<{ url: string, certificate: TestCertificate } & Awaited<ReturnType<typeof startTestServer>>> {
  const certificate = selfSignedCertificate(t)
  const server = await startTestServer(t, { tlsCert: certificate.certPath, tlsKey: certificate.keyPath, ...overrides })
  return { ...server, certificate }
}

const MiB = 1024 * 1024

/**
 * An HTTP/2 session to `url` that trusts the test's certificate, closed when the test ends.
 * `windowBytes` is the flow-control window it grants; Node's default is 64 KiB, browsers grant megabytes.
 */
async function session (t: Test, url: string, certificate: TestCertificate, windowBytes?: number): Promise<ClientHttp2Session> {
  const client = connect(url, { ca: certificate.cert, settings: windowBytes === undefined ? {} : { initialWindowSize: windowBytes } })
  t.teardown(() => client.destroy())
  await within(new Promise((resolve, reject) => client.once('connect', resolve).once('error', reject)), 'the HTTP/2 connection', WAIT_MS)
  if (windowBytes !== undefined) client.setLocalWindowSize(windowBytes)
  return client
}

/** One request on an HTTP/2 session; resolves with the status, headers and body text. */
async function request (client: ClientHttp2Session, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number, headers: IncomingHttpHeaders, text: string }> {
  const done = new Promise<{ status: number, headers: IncomingHttpHeaders, text: string }>((resolve, reject) => {
    const stream = client.request({ ':method': method, ':path': path, ...headers })
    let head: IncomingHttpHeaders = {}
    let text = ''
    stream.setEncoding('utf8')
    stream.on('response', (received) => { head = received })
    stream.on('data', (chunk: string) => { text += chunk })
    stream.on('end', () => resolve({ status: Number(head[':status']), headers: head, text }))
    stream.on('error', reject)
    stream.end(body)
  })
  return await within(done, `${method} ${path}`, WAIT_MS)
}

async function publish (client: ClientHttp2Session, points: unknown): Promise<{ firstId: number, lastId: number }> {
  const answer = await request(client, 'POST', '/api/events', { 'content-type': 'application/json' }, JSON.stringify(points))
  if (answer.status !== 202) throw new Error(`publish answered ${answer.status}: ${answer.text}`)
  return JSON.parse(answer.text) as { firstId: number, lastId: number }
}

async function openHttp2 (t: Test, client: ClientHttp2Session, path: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const reader = await SseReader.openHttp2(client, path, headers)
  t.teardown(() => reader.close())
  return reader
}

const points = (metric: string, count: number): Array<{ metric: string, value: number }> =>
  Array.from({ length: count }, (_, i) => ({ metric, value: i }))

t.test('over HTTP/2, several streams on one session all receive live points', async (t) => {
  const { url, certificate } = await startTlsServer(t)
  t.match(url, /^https:\/\/127\.0\.0\.1:\d+$/)
  const client = await session(t, url, certificate)
  t.equal(client.alpnProtocol, 'h2', 'HTTP/2 negotiated by ALPN')
  const readers = await Promise.all([
    openHttp2(t, client, '/api/stream'),
    openHttp2(t, client, '/api/stream?metrics=cpu.*'),
    openHttp2(t, client, '/api/stream?metrics=cpu.*,mem')
  ])
  for (const reader of readers) {
    t.equal(reader.status, 200)
    t.equal(reader.headers['content-type'], 'text/event-stream; charset=utf-8')
    t.equal(reader.headers['x-accel-buffering'], 'no')
    t.match(reader.headers['content-security-policy'], /default-src 'self'/, 'the security headers come along')
    t.same(await reader.next(), { kind: 'retry', ms: 3000 })
  }
  const { firstId } = await publish(client, [{ metric: 'cpu.user', value: 1 }, { metric: 'mem', value: 2 }, { metric: 'disk', value: 3 }])
  t.same(ids(await readers[0]!.metrics(3)), [firstId, firstId + 1, firstId + 2])
  t.same(ids(await readers[1]!.metrics(1)), [firstId])
  t.same(ids(await readers[2]!.metrics(2)), [firstId, firstId + 1])
  const health = await request(client, 'GET', '/healthz')
  t.match(JSON.parse(health.text), { clients: 3 }, 'three streams, one connection')
})

t.test('over HTTP/2, Last-Event-ID resumes with exactly the missed points, then live', async (t) => {
  const { url, certificate } = await startTlsServer(t)
  const client = await session(t, url, certificate)
  const { firstId } = await publish(client, points('cpu', 5))
  const reader = await openHttp2(t, client, '/api/stream', { 'last-event-id': String(firstId + 1) })
  t.same(ids(await reader.metrics(3)), [firstId + 2, firstId + 3, firstId + 4], 'the missed points')
  const live = await publish(client, points('cpu', 1))
  t.same(ids(await reader.metrics(1)), [live.firstId], 'then live, with no gap or duplicate')
})

t.test('an HTTPS HTTP/1.1 client reads the stream on the same port', async (t) => {
  const { url, certificate } = await startTlsServer(t)
  const reader = await SseReader.open(`${url}/api/stream`, {}, WAIT_MS, { ca: certificate.cert })
  t.teardown(() => reader.close())
  t.equal(reader.status, 200)
  t.equal(reader.headers.connection, 'close', 'the HTTP/1.1 fast path: the raw head, delimited by closing')
  const client = await session(t, url, certificate)
  const { firstId } = await publish(client, points('cpu', 2))
  t.same(ids(await reader.metrics(2)), [firstId, firstId + 1])
})

t.test('a slow HTTP/2 reader is cut off at the byte bound while a fast one on another connection gets everything', async (t) => {
  const { url, app, certificate } = await startTlsServer(t, { maxClientBufferBytes: 65_536 })
  const slowClient = await session(t, url, certificate)
  const slow = slowClient.request({ ':path': '/api/stream' })
  t.teardown(() => slow.destroy())
  // Never read: HTTP/2 flow control stops the server's sends once the window is full, and the rest queues on the server.
  await within(new Promise((resolve) => slow.once('response', resolve)), 'the slow stream\'s head', WAIT_MS)
  // Like a browser's: a client that reads promptly is never held back by its own window.
  const fastClient = await session(t, url, certificate, 16 * MiB)
  const fast = await openHttp2(t, fastClient, '/api/stream')
  const publisher = await session(t, url, certificate)
  let lastId = 0
  const metric = 'flood.' + 'x'.repeat(180)
  for (let batch = 0; batch < 50 && app.pulseboard.registry.closeCounts['slow-consumer'] === 0; batch++) {
    lastId = (await publish(publisher, points(metric, 200))).lastId
  }
  await waitFor(() => app.pulseboard.registry.closeCounts['slow-consumer'] === 1, WAIT_MS, 'the slow reader to be cut off')
  // What reached the client before the cut is still buffered in it; reading it lets the stream end.
  const slowClosed = new Promise<void>((resolve) => slow.once('close', resolve))
  slow.resume()
  await within(slowClosed, 'the slow stream to end', WAIT_MS)
  t.notOk(slowClient.destroyed, 'only its stream ended; its connection lives on')
  const received = await fast.metrics(lastId, 20_000)
  t.same(ids(received), Array.from({ length: lastId }, (_, i) => i + 1), 'the fast reader missed nothing')
  t.equal(app.pulseboard.registry.size, 1, 'only the fast reader is left')
})

t.test('a server started with TLS files it cannot use stops with one line naming the setting', async (t) => {
  const certificate = selfSignedCertificate(t)
  const missing = await runServer(['--tls-cert', certificate.certPath, '--tls-key', '/nonexistent/key.pem'])
  t.equal(missing.code, 1)
  t.match(missing.stderr, /^pulseboard: TLS_KEY \/nonexistent\/key\.pem cannot be read \(ENOENT\)\n$/)
  const half = await runServer(['--tls-cert', certificate.certPath])
  t.equal(half.code, 1)
  t.match(half.stderr, /^pulseboard: TLS_KEY must be set too.*\n$/)
})

t.test('closing the server ends HTTP/2 streams with a final retry and lets go of their connections', async (t) => {
  const { url, app, certificate } = await startTlsServer(t)
  const client = await session(t, url, certificate)
  const reader = await openHttp2(t, client, '/api/stream')
  t.same(await reader.next(), { kind: 'retry', ms: 3000 })
  const goaway = new Promise((resolve) => client.once('goaway', resolve))
  await within(app.close(), 'the server to close', 3000)
  const farewell = await reader.next()
  t.equal(farewell.kind, 'retry', 'a final retry: with jitter, so clients do not return at once')
  await within(goaway, 'the server to tell the client it is going away', 1000)
})

t.test('over HTTP/2 without tokens, an :authority that does not name this server is refused', async (t) => {
  const { url, certificate } = await startTlsServer(t)
  const client = await session(t, url, certificate)
  const rebound = await request(client, 'GET', '/api/metrics', { ':authority': 'attacker.example' })
  t.equal(rebound.status, 403)
  t.match(JSON.parse(rebound.text), { code: 'PB_ERR_HOST_NOT_ALLOWED', message: /attacker\.example/ })
  t.equal((await request(client, 'GET', '/api/metrics')).status, 200, 'the URL\'s own authority names this server')
})

t.test('with READ_TOKEN over TLS, the session cookie is Secure and opens an HTTP/2 stream', async (t) => {
  const { url, certificate } = await startTlsServer(t, { readToken: 'tls-reader-token-01' })
  const client = await session(t, url, certificate)
  const refused = await openHttp2(t, client, '/api/stream')
  t.equal(refused.status, 401)
  const signIn = await request(client, 'POST', '/api/session', { 'content-type': 'application/x-www-form-urlencoded' }, 'token=tls-reader-token-01')
  t.equal(signIn.status, 303)
  const setCookie = String(signIn.headers['set-cookie'])
  t.match(setCookie, /; HttpOnly; SameSite=Strict; Secure$/)
  const reader = await openHttp2(t, client, '/api/stream', { cookie: setCookie.split(';')[0]! })
  t.equal(reader.status, 200)
})

/** A raw HTTP/1.1-over-TLS connection, ready once the handshake is done. */
async function connectHttp1 (t: Test, url: string, certificate: TestCertificate): Promise<TLSSocket> {
  const socket = connectTls({ host: '127.0.0.1', port: Number(new URL(url).port), ca: certificate.cert, ALPNProtocols: ['http/1.1'] })
  t.teardown(() => socket.destroy())
  await within(new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject)), 'the TLS handshake', WAIT_MS)
  return socket
}

t.test('a client that trickles its request body over TLS is dropped, over HTTP/1.1 and over HTTP/2', async (t) => {
  const { url, certificate } = await startTlsServer(t, { requestTimeoutMs: 1000 })
  const stream = await SseReader.open(`${url}/api/stream`, {}, WAIT_MS, { ca: certificate.cert }) // open longer than the limit, untouched
  t.teardown(() => stream.close())
  const http1 = await connectHttp1(t, url, certificate)
  const http1Closed = new Promise((resolve) => http1.once('close', resolve))
  // A request answered before its body is read leaves its keep-alive connection usable past the limit.
  const early = await connectHttp1(t, url, certificate)
  early.setEncoding('utf8')
  let answers = ''
  early.on('data', (text: string) => { answers += text })
  early.write('POST /api/events HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nhi')
  await waitFor(() => answers.includes('PB_ERR_UNSUPPORTED_MEDIA_TYPE'), WAIT_MS, 'the 415')
  http1.write('POST /api/events HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 40\r\n\r\n{"metric"')
  const client = await session(t, url, certificate)
  const http2 = client.request({ ':method': 'POST', ':path': '/api/events', 'content-type': 'application/json', 'content-length': '40' })
  http2.on('error', () => {}) // the reset is the expected outcome
  http2.resume()
  const http2Closed = new Promise((resolve) => http2.once('close', resolve))
  http2.write('{"metric"')
  const trickle = setInterval(() => { http1.write(' '); http2.write(' ') }, 200)
  t.teardown(() => clearInterval(trickle))
  await within(http1Closed, 'the server to drop the slow HTTP/1.1 sender', WAIT_MS)
  await within(http2Closed, 'the server to reset the slow HTTP/2 stream', WAIT_MS)
  clearInterval(trickle)
  t.notOk(client.destroyed, 'over HTTP/2 only the stream is reset, not the connection')
  early.write('GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n')
  await waitFor(() => /"status":"ok"/.test(answers), WAIT_MS, 'the kept-alive connection to answer again')
  const { firstId } = await publish(client, points('after.slowloris', 1))
  t.same(ids(await stream.metrics(1)), [firstId], 'the server keeps serving, and the long-lived stream still receives')
})
