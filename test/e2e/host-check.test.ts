import { once } from 'node:events'
import { request } from 'node:http'
import { connect } from 'node:net'
import t from 'tap'
import { post, startTestServer } from '../helpers/app.js'
import { openReader } from '../helpers/sse-reader.js'
import { within } from '../helpers/wait-for.js'

const REBOUND = 'attacker.example:3000'
const READER = 'reader-token-host-check'
const PUBLISHER = 'publish-token-host-check'

interface Answer {
  readonly status: number
  readonly body: unknown
}

/** Sends one request with the Host header of our choosing (fetch always sends the URL's), as a rebound page's would arrive. */
async function send (url: string, path: string, host: string, options: { method?: string, headers?: Record<string, string>, body?: string } = {}): Promise<Answer> {
  return await new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: options.method ?? 'GET', headers: { ...options.headers, host } }, (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => { text += chunk })
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text.startsWith('{') ? JSON.parse(text) : text }))
      response.on('error', reject)
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

const publishVia = async (url: string, host: string, headers: Record<string, string> = {}): Promise<Answer> =>
  await send(url, '/api/events', host, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ metric: 'rebound', value: 1 }) })

t.test('without tokens, a request whose Host does not name this server gets 403 and nothing is read, stored or streamed', async (t) => {
  const { url } = await startTestServer(t)
  const stream = await openReader(t, `${url}/api/stream`, { host: REBOUND })
  t.equal(stream.status, 403, 'no stream for a rebound page')
  t.match(JSON.parse(await stream.text()), { statusCode: 403, code: 'PB_ERR_HOST_NOT_ALLOWED', error: 'Forbidden', message: /attacker\.example.*ALLOWED_HOSTS/ })
  for (const path of ['/api/metrics', '/api/metrics/cpu/history', '/', '/main.js', '/no-such-page']) {
    t.match(await send(url, path, REBOUND), { status: 403, body: { code: 'PB_ERR_HOST_NOT_ALLOWED' } }, path)
  }
  t.match(await publishVia(url, REBOUND), { status: 403, body: { code: 'PB_ERR_HOST_NOT_ALLOWED' } }, 'no publish')
  t.match(await send(url, '/api/metrics', 'attacker.example:3000@127.0.0.1'), { status: 403 }, 'a Host a URL would read as user@host')
  t.match(await send(url, '/healthz', REBOUND), { status: 200 }, '/healthz holds figures only and is not checked')
  const port = new URL(url).port
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST.:${port}`, `[::1]:${port}`, '127.0.0.1', 'localhost']) {
    t.match(await send(url, '/api/metrics', host), { status: 200, body: { metrics: [] } }, `${host} names this server, and nothing was stored`)
  }
})

t.test('a request without Host (HTTP/1.0) cannot show it names this server and is refused', async (t) => {
  const { url } = await startTestServer(t)
  const socket = connect(Number(new URL(url).port), '127.0.0.1')
  t.teardown(() => socket.destroy())
  socket.setEncoding('utf8')
  let answer = ''
  socket.on('data', (chunk: string) => { answer += chunk })
  socket.end('GET /api/metrics HTTP/1.0\r\n\r\n')
  await within(once(socket, 'end'), 'the answer', 10_000)
  t.match(answer, /^HTTP\/1\.1 403 /)
  t.match(JSON.parse(answer.split('\r\n\r\n')[1] ?? ''), { code: 'PB_ERR_HOST_NOT_ALLOWED', message: /a request without Host/ })
})

t.test('ALLOWED_HOSTS admits the names it lists, and subdomains of a name given as .name', async (t) => {
  const { url } = await startTestServer(t, { allowedHosts: ['pulse.example.com', '.corp.example'] })
  for (const host of ['pulse.example.com', 'PULSE.example.com:8443', 'corp.example', 'ops.eu.corp.example:80']) {
    t.equal((await send(url, '/api/metrics', host)).status, 200, host)
  }
  for (const host of ['evilcorp.example', 'pulse.example.com.attacker.example', 'example.com']) {
    t.equal((await send(url, '/api/metrics', host)).status, 403, host)
  }
  const reader = await openReader(t, `${url}/api/stream`, { host: 'pulse.example.com' })
  t.equal(reader.status, 200)
  t.equal((await publishVia(url, 'ops.corp.example')).status, 202)
  t.match(await reader.metrics(1), [{ metric: 'rebound', value: 1 }])
})

t.test('ALLOWED_HOSTS=* turns the check off', async (t) => {
  const { url } = await startTestServer(t, { allowedHosts: ['*'] })
  t.equal((await send(url, '/api/metrics', REBOUND)).status, 200)
})

t.test('with READ_TOKEN reading is not checked, but anonymous publishing still is', async (t) => {
  const { url } = await startTestServer(t, { readToken: READER })
  t.equal((await send(url, '/api/metrics', REBOUND, { headers: { authorization: `Bearer ${READER}` } })).status, 200)
  t.match(await publishVia(url, REBOUND), { status: 403, body: { code: 'PB_ERR_HOST_NOT_ALLOWED' } })
  t.equal((await post(url, { metric: 'local', value: 1 })).status, 202, 'publishing by a name of this server works')
})

t.test('with both tokens set, Host is not checked', async (t) => {
  const { url } = await startTestServer(t, { readToken: READER, publishToken: PUBLISHER })
  t.equal((await publishVia(url, REBOUND, { authorization: `Bearer ${PUBLISHER}` })).status, 202)
  t.equal((await send(url, '/api/metrics', REBOUND, { headers: { authorization: `Bearer ${READER}` } })).status, 200)
})
