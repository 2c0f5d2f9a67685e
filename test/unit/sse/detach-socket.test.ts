import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net'
import t, { type Test } from 'tap'
import { detachSocket } from '../../../server/sse/detach-socket.js'
import { within } from '../../helpers/wait-for.js'

interface Exchange {
  /** The server side of the connection, after the handler ran. */
  readonly socket: Socket
  readonly response: ServerResponse
  /** The client side, already past the response head. */
  readonly client: Socket
}

function streamClosed (): void {}

/** The release happens on the next turn of the event loop. */
async function nextTurn (): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve))
}

/** An HTTP server whose handler writes an event-stream head to the raw socket and detaches it. */
async function detachedExchange (t: Test, before: (socket: Socket) => void = () => {}): Promise<Exchange> {
  let handled!: (exchange: Omit<Exchange, 'client'>) => void
  const reached = new Promise<Omit<Exchange, 'client'>>((resolve) => { handled = resolve })
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const { socket } = request
    socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n')
    detachSocket(socket, response)
    before(socket)
    // A listener of the stream's own, added before the release happens.
    socket.on('close', streamClosed)
    handled({ socket, response })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.close() })
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1')
  t.teardown(() => { client.destroy() })
  client.write('GET /api/stream HTTP/1.1\r\nhost: x\r\n\r\n')
  const exchange = await within(reached, 'the request reaching the handler', 5000)
  await nextTurn()
  t.teardown(() => { exchange.socket.destroy() })
  return { ...exchange, client }
}

t.test('lets go of the parser, the response and the server\'s listeners', async (t) => {
  const { socket, response } = await detachedExchange(t)
  t.equal((socket as Socket & { parser?: unknown }).parser, null, 'the parser is freed')
  t.equal(response.socket, null, 'the response no longer holds the socket')
  t.equal(socket.listenerCount('data'), 0, 'no data listener is left')
  t.equal(socket.listenerCount('timeout'), 0, 'no timeout listener is left')
  t.same(socket.listeners('close'), [streamClosed], 'of the close listeners, only the stream\'s own is left')
})

t.test('the detached socket still carries bytes and sees the client go away', async (t) => {
  const { socket, client } = await detachedExchange(t)
  const received = new Promise<string>((resolve) => {
    let text = ''
    client.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      if (text.includes('data: 1\n\n')) resolve(text)
    })
  })
  socket.write('data: 1\n\n')
  t.match(await within(received, 'the event reaching the client', 5000), /text\/event-stream[\s\S]*data: 1\n\n/)

  // Bytes a client sends later are read and dropped, not parsed as another request.
  client.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n')
  const closed = once(socket, 'close')
  client.end()
  await within(closed, 'the server side closing after the client half-closes', 5000)
  t.ok(socket.destroyed, 'a half-closed client ends the stream')
})

t.test('leaves a socket that no HTTP/1.1 server owns as it was', async (t) => {
  const server = createTcpServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const accepted = once(server, 'connection') as Promise<[Socket]>
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1')
  t.teardown(() => { client.destroy() })
  const [socket] = await within(accepted, 'the connection', 5000)
  t.teardown(() => { socket.destroy() })
  const listening = socket.listenerCount('end')
  detachSocket(socket, { req: undefined } as unknown as ServerResponse)
  await nextTurn()
  t.equal(socket.listenerCount('end'), listening, 'its listeners are untouched')
})

t.test('a stream closed before the release is left to the server\'s own clean-up', async (t) => {
  const { socket } = await detachedExchange(t, (socket) => socket.destroy())
  await within(once(socket, 'close'), 'the socket closing', 5000)
  await nextTurn()
  t.equal((socket as Socket & { parser?: unknown }).parser, null, 'the server freed the parser itself')
  t.notOk(socket.listeners('end').some((listener) => listener.name === 'destroySocket'), 'the release did not run')
})
