import { once } from 'node:events'
import { Agent, request, type IncomingMessage } from 'node:http'
import t from 'tap'
import { startTestServer } from '../helpers/app.js'
import { within } from '../helpers/wait-for.js'

t.test('a request in flight when the server starts closing gets its answer, and its keep-alive connection ends with it', async (t) => {
  const { app, url } = await startTestServer(t)
  const agent = new Agent({ keepAlive: true })
  t.teardown(() => agent.destroy())
  const body = JSON.stringify({ metric: 'closing.m', value: 1 })
  const req = request(`${url}/api/events`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } })
  const answered = once(req, 'response') as Promise<[IncomingMessage]>
  const received = once(app.server, 'request')
  // Half the body: the connection is busy, not idle, when close() starts, so it is not closed as idle.
  req.write(body.slice(0, 10))
  await within(received, 'the request reaching the server')
  const closed = app.close()
  req.end(body.slice(10))
  const [response] = await within(answered, 'the answer')
  response.resume()
  t.equal(response.statusCode, 202, 'the publish that was under way is stored and acknowledged')
  t.equal(response.headers.connection, 'close', 'the answer says the connection ends')
  // Otherwise the connection idles until Fastify's 72 s keep-alive timeout, and close() with it.
  await within(closed, 'close() once the last answer is out', 5000)
})
