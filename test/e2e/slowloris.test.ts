import { connect, type Socket } from 'node:net'
import t from 'tap'
import { post, startTestServer } from '../helpers/app.js'
import { SseReader } from '../helpers/sse-reader.js'

/** Resolves with everything the server sent once it closes the connection. */
async function closedWith (socket: Socket): Promise<string> {
  let received = ''
  socket.setEncoding('utf8')
  socket.on('data', (text: string) => { received += text })
  return await new Promise((resolve) => socket.on('close', () => resolve(received)))
}

t.test('a client that trickles its request is dropped with 408 and the server keeps serving', async (t) => {
  const { url } = await startTestServer(t, { requestTimeoutMs: 1000 })
  const { port } = new URL(url)
  const stream = await SseReader.open(`${url}/api/stream`) // a stream open longer than the timeout is untouched
  t.teardown(() => stream.close())
  const slow = connect(Number(port), '127.0.0.1')
  t.teardown(() => slow.destroy())
  const closed = closedWith(slow)
  slow.write('POST /api/events HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 40\r\n\r\n{"metric"')
  const trickle = setInterval(() => slow.write(' '), 200)
  t.teardown(() => clearInterval(trickle))
  t.match(await closed, /^HTTP\/1\.1 408 [\s\S]*"code":"PB_ERR_REQUEST_TIMEOUT"/, 'the trickling client gets a 408 JSON error and is disconnected')
  clearInterval(trickle)
  const ack = await post(url, { metric: 'after.slowloris', value: 1 })
  t.equal(ack.status, 202)
  t.equal((await stream.metrics(1))[0]?.metric, 'after.slowloris', 'the long-lived stream still receives')
})

t.test('headers too large for the parser get a 431 JSON error', async (t) => {
  const { url } = await startTestServer(t)
  const socket = connect(Number(new URL(url).port), '127.0.0.1')
  t.teardown(() => socket.destroy())
  const closed = closedWith(socket)
  socket.write(`GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`)
  t.match(await closed, /^HTTP\/1\.1 431 [\s\S]*"code":"PB_ERR_BAD_REQUEST"/)
})
