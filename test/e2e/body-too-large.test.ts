import { execFile } from 'node:child_process'
import { request } from 'node:http'
import { connect as connectHttp2 } from 'node:http2'
import { request as httpsRequest } from 'node:https'
import { connect, type Socket } from 'node:net'
import { connect as connectTls } from 'node:tls'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { post, startTestServer } from '../helpers/app.js'
import { selfSignedCertificate } from '../helpers/tls.js'
import { SseReader } from '../helpers/sse-reader.js'
import { waitFor, within } from '../helpers/wait-for.js'

const WAIT_MS = 30_000
const MIB = 1024 * 1024

/** A JSON array of valid points, `bytes` long or a little more. */
function jsonArrayOf (bytes: number): Buffer {
  const item = '{"metric":"too.big","value":1}'
  return Buffer.from(`[${Array.from({ length: Math.ceil(bytes / (item.length + 1)) }, () => item).join(',')}]`)
}

interface Answer {
  readonly status: number
  readonly body: unknown
}

/**
 * POSTs `body` with Node's http.request, which writes the whole body before it
 * looks at the answer; chunked when `chunked`, else with a content-length.
 * Rejects on any transport error, such as the EPIPE of a connection closed mid-upload.
 */
async function nodePost (url: string, body: Buffer, chunked: boolean, ca?: Buffer, contentType = 'application/json'): Promise<Answer> {
  return await new Promise((resolve, reject) => {
    const headers = { 'content-type': contentType, ...(chunked ? {} : { 'content-length': body.length }) }
    const send = ca === undefined ? request : httpsRequest
    const req = send(`${url}/api/events`, { method: 'POST', headers, ca }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => { answer = { status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) } })
      res.on('error', reject)
    })
    let answer: Answer | undefined
    req.on('error', reject)
    // Settles once the whole exchange is over, so a reset after the answer still fails the test.
    req.on('close', () => (answer === undefined ? reject(new Error('closed without an answer')) : resolve(answer)))
    if (chunked) {
      for (let at = 0; at < body.length; at += MIB) req.write(body.subarray(at, at + MIB))
      req.end()
    } else {
      req.end(body)
    }
  })
}

/** POSTs `body` on an HTTP/2 stream of its own session; rejects on any stream or session error. */
async function http2Post (url: string, body: Buffer, ca: Buffer): Promise<Answer> {
  // Room to queue the whole body at once, as http.request does.
  const client = connectHttp2(url, { ca, maxSessionMemory: 64 })
  try {
    return await new Promise((resolve, reject) => {
      client.on('error', reject)
      const stream = client.request({ ':method': 'POST', ':path': '/api/events', 'content-type': 'application/json', 'content-length': String(body.length) })
      let status = 0
      const chunks: Buffer[] = []
      stream.on('response', (headers) => { status = Number(headers[':status']) })
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('error', reject)
      stream.on('close', () => (stream.rstCode === 0 ? resolve({ status, body: JSON.parse(Buffer.concat(chunks).toString()) }) : reject(new Error(`reset with ${stream.rstCode}`))))
      stream.end(body)
    })
  } finally {
    client.close()
  }
}

const PYTHON_POST = `
import json, sys, urllib.error, urllib.request
data = b'[' + b','.join([b'{"metric":"too.big","value":1}'] * int(sys.argv[2])) + b']'
headers = {'content-type': 'application/json', 'authorization': 'Bearer ' + sys.argv[3]}
request = urllib.request.Request(sys.argv[1] + '/api/events', data=data, headers=headers)
try:
    with urllib.request.urlopen(request) as response:
        print(json.dumps({'status': response.status, 'body': json.loads(response.read())}))
except urllib.error.HTTPError as error:
    print(json.dumps({'status': error.code, 'body': json.loads(error.read())}))
`

const TOO_LARGE = { statusCode: 413, code: 'PB_ERR_BODY_TOO_LARGE', error: 'Payload Too Large', message: String }

t.test('Node http.request posting 16 MB reads the 413 and its JSON body, with a length or chunked', async (t) => {
  const { url } = await startTestServer(t)
  const body = jsonArrayOf(16 * MIB)
  for (const chunked of [false, true]) {
    const answer = await within(nodePost(url, body, chunked), 'the answer to a 16 MB publish', WAIT_MS)
    t.equal(answer.status, 413, chunked ? 'chunked' : 'with content-length')
    t.match(answer.body, TOO_LARGE)
  }
  t.equal((await post(url, { metric: 'after.big', value: 1 })).status, 202, 'the server keeps serving')
})

t.test('other refusals before the body arrives are readable too; a keep-alive connection stays usable', async (t) => {
  const { url } = await startTestServer(t)
  const body = jsonArrayOf(4 * MIB)
  // Node's agent keeps connections alive: Node itself reads the rest of the body after the 415.
  const answer = await within(nodePost(url, body, false, undefined, 'text/plain'), 'the 415', WAIT_MS)
  t.match(answer, { status: 415, body: { code: 'PB_ERR_UNSUPPORTED_MEDIA_TYPE' } })
  const bad = await post(url, '{"metric":')
  t.match(bad, { status: 400, body: { code: 'PB_ERR_MALFORMED_BODY' } }, 'a refusal after the whole body is answered as usual')
})

t.test('over TLS, HTTP/1.1 and HTTP/2 clients posting 16 MB read the 413 and its JSON body', async (t) => {
  const certificate = selfSignedCertificate(t)
  const { url } = await startTestServer(t, { tlsCert: certificate.certPath, tlsKey: certificate.keyPath })
  const body = jsonArrayOf(16 * MIB)
  const http1 = await within(nodePost(url, body, false, certificate.cert), 'the HTTP/1.1 answer', WAIT_MS)
  t.match(http1, { status: 413, body: TOO_LARGE }, 'HTTP/1.1')
  const http2 = await within(http2Post(url, body, certificate.cert), 'the HTTP/2 answer', WAIT_MS)
  t.match(http2, { status: 413, body: TOO_LARGE }, 'HTTP/2: the stream ends cleanly')
})

/** Runs the urllib script: a JSON array of `points` points, with a bearer token. */
async function pythonPost (url: string, points: number, token: string): Promise<Answer> {
  const { stdout } = await promisify(execFile)('python3', ['-c', PYTHON_POST, url, String(points), token], { timeout: WAIT_MS })
  return JSON.parse(stdout) as Answer
}

t.test('Python urllib posting 16 MB reads the 413 and its JSON body', async (t) => {
  const { url } = await startTestServer(t)
  const answer = await pythonPost(url, Math.ceil(16 * MIB / 31), 'none')
  t.equal(answer.status, 413)
  t.match(answer.body, TOO_LARGE)
})

t.test('Python urllib, which asks to close the connection, reads a 401 sent before its 4 MB body', async (t) => {
  const { url } = await startTestServer(t, { publishToken: 'the-right-token-0' })
  const answer = await pythonPost(url, Math.ceil(4 * MIB / 31), 'a-wrong-token')
  t.match(answer, { status: 401, body: { statusCode: 401, code: 'PB_ERR_UNAUTHORIZED' } })
})

/** A raw connection to the server, with everything it receives and its close. */
async function rawConnection (t: Test, url: string): Promise<{ socket: Socket, received: () => string, closed: Promise<void> }> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1')
  t.teardown(() => socket.destroy())
  let text = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => { text += chunk })
  socket.on('error', () => {}) // the server's reset past the bound is an expected end
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  await within(new Promise((resolve) => socket.once('connect', resolve)), 'the connection', WAIT_MS)
  return { socket, received: () => text, closed }
}

t.test('a chunked body far past DISCARD_LIMIT_BYTES gets its 413, then the connection is closed', async (t) => {
  const { url } = await startTestServer(t, { bodyLimitBytes: 1024, discardLimitBytes: MIB, requestTimeoutMs: 600_000 })
  const { socket, received, closed } = await rawConnection(t, url)
  socket.write('POST /api/events HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n')
  const chunk = Buffer.from(`10000\r\n${' '.repeat(0x10000)}\r\n`)
  // An endless body, sent as fast as the server takes it; a server that read it all would take it all.
  const cap = 512 * MIB
  let written = 0
  while (!socket.destroyed && written < cap) {
    written += chunk.length
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve))
  }
  await within(closed, 'the server to close the connection', WAIT_MS)
  t.ok(written < cap, `the server closed the connection after ${written} bytes sent`)
  t.match(received(), /^HTTP\/1\.1 413 Payload Too Large\r\n[\s\S]*"code":"PB_ERR_BODY_TOO_LARGE"/)
})

t.test('a body announced larger than DISCARD_LIMIT_BYTES gets its 413 and the connection closed at once', async (t) => {
  const { url } = await startTestServer(t, { bodyLimitBytes: 1024, discardLimitBytes: MIB, requestTimeoutMs: 600_000 })
  const { socket, received, closed } = await rawConnection(t, url)
  socket.write(`POST /api/events HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${2 * MIB}\r\n\r\n[`)
  await within(closed, 'the server to close the connection', WAIT_MS)
  t.match(received(), /^HTTP\/1\.1 413 [\s\S]*"code":"PB_ERR_BODY_TOO_LARGE"/)
})

t.test('a client that keeps trickling its refused body is disconnected at REQUEST_TIMEOUT_MS', async (t) => {
  const { url } = await startTestServer(t, { bodyLimitBytes: 1024, requestTimeoutMs: 1000 })
  const { socket, received, closed } = await rawConnection(t, url)
  socket.write(`POST /api/events HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${MIB}\r\n\r\n[`)
  const trickle = setInterval(() => socket.write(' '), 100)
  t.teardown(() => clearInterval(trickle))
  await within(closed, 'the server to close the connection', WAIT_MS)
  t.match(received(), /^HTTP\/1\.1 413 [\s\S]*"code":"PB_ERR_BODY_TOO_LARGE"/)
})

t.test('a client that resets its connection after the answer is let go, and the server keeps serving', async (t) => {
  const { url } = await startTestServer(t, { bodyLimitBytes: 1024, requestTimeoutMs: 600_000 })
  const { socket, received, closed } = await rawConnection(t, url)
  socket.write(`POST /api/events HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${MIB}\r\n\r\n[`)
  await within(new Promise<void>((resolve) => socket.on('data', () => { if (received().includes('PB_ERR_BODY_TOO_LARGE')) resolve() })), 'the 413', WAIT_MS)
  socket.resetAndDestroy()
  await within(closed, 'the connection to close', WAIT_MS)
  t.equal((await post(url, { metric: 'after.reset', value: 1 })).status, 202)
})

t.test('closing the server ends connections still being read', async (t) => {
  const { app, url } = await startTestServer(t, { bodyLimitBytes: 1024, requestTimeoutMs: 600_000 })
  const { socket, received, closed } = await rawConnection(t, url)
  socket.write(`POST /api/events HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${MIB}\r\n\r\n[`)
  await within(new Promise<void>((resolve) => socket.on('data', () => { if (received().includes('PB_ERR_BODY_TOO_LARGE')) resolve() })), 'the 413', WAIT_MS)
  await within(app.close(), 'the server to close', WAIT_MS)
  await within(closed, 'the connection to close', WAIT_MS)
  t.pass('the server closed and let go of the connection')
})

t.test('over TLS, a refused body still trickling at REQUEST_TIMEOUT_MS is dropped and counted once', async (t) => {
  const certificate = selfSignedCertificate(t)
  const { url } = await startTestServer(t, { tlsCert: certificate.certPath, tlsKey: certificate.keyPath, bodyLimitBytes: 1024, requestTimeoutMs: 1000, selfMetrics: true })
  const counts = await SseReader.open(`${url}/api/stream?metrics=pulseboard.refusals_client_error`, {}, WAIT_MS, { ca: certificate.cert })
  t.teardown(() => counts.close())
  const socket = connectTls({ host: '127.0.0.1', port: Number(new URL(url).port), ca: certificate.cert, ALPNProtocols: ['http/1.1'] })
  t.teardown(() => socket.destroy())
  let received = ''
  socket.setEncoding('utf8')
  socket.on('data', (text: string) => { received += text })
  socket.on('error', () => {}) // the drop is the expected end
  const closed = new Promise((resolve) => socket.once('close', resolve))
  socket.write(`POST /api/events HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${MIB}\r\n\r\n[`)
  const trickle = setInterval(() => socket.write(' '), 100)
  t.teardown(() => clearInterval(trickle))
  await within(closed, 'the server to drop the connection', WAIT_MS)
  t.match(received, /^HTTP\/1\.1 413 [\s\S]*"code":"PB_ERR_BODY_TOO_LARGE"/)
  // Two self-metric ticks after the drop: the count is still the one refusal.
  const seen: number[] = []
  await waitFor(async () => {
    seen.push(...(await counts.metrics(1, WAIT_MS)).map((event) => event.value))
    return seen.filter((value) => value === 1).length >= 3
  }, WAIT_MS, 'three ticks counting the refusal')
  t.same([...new Set(seen)].filter((value) => value > 0), [1], 'one refusal, not one for the 413 and one for the drop')
})
