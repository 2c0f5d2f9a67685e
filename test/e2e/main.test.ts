import t from 'tap'
import { runServer, startServer } from '../fixtures/child-server.js'
import { SseReader } from '../helpers/sse-reader.js'

t.test('an invalid setting exits 1 with one line naming it', async (t) => {
  const byEnv = await runServer([], { PORT: 'abc' })
  t.equal(byEnv.code, 1)
  t.match(byEnv.stderr, /^pulseboard: PORT .*\n$/)
  const byFlag = await runServer(['--heartbeat-ms', '-5'])
  t.equal(byFlag.code, 1)
  t.match(byFlag.stderr, /^pulseboard: .*heartbeat.*\n$/i)
  const unknown = await runServer(['--prot', '3000'])
  t.equal(unknown.code, 1)
  t.match(unknown.stderr, /--prot/)
})

t.test('a non-loopback HOST without a publish token refuses to start and says how to set one', async (t) => {
  const exposed = await runServer(['--host', '0.0.0.0'])
  t.equal(exposed.code, 1)
  t.match(exposed.stderr, /^pulseboard: HOST 0\.0\.0\.0 is reachable from other machines.*PUBLISH_TOKEN=.*--allow-anonymous-publish.*\n$/)
})

t.test('a token setting with no token, or a short token, refuses to start with one line naming it', async (t) => {
  const empty = await runServer([], { READ_TOKEN: ',' })
  t.equal(empty.code, 1)
  t.match(empty.stderr, /^pulseboard: READ_TOKEN holds no token.*\n$/)
  const short = await runServer([], { PUBLISH_TOKEN: 'x' })
  t.equal(short.code, 1)
  t.match(short.stderr, /^pulseboard: PUBLISH_TOKEN holds a token of 1 characters; each token needs at least 16.*\n$/)
})

t.test('--help prints the settings and exits 0', async (t) => {
  const help = await runServer(['--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /PUBLISH_TOKEN/)
  t.match(help.stdout, /--data-dir/)
})

t.test('the started server serves the dashboard, streams self-metrics, and stops on SIGTERM', async (t) => {
  const server = await startServer(t, [], { LOG_LEVEL: 'info' })
  const page = await fetch(server.url)
  t.equal(page.status, 200)
  t.match(await page.text(), /<html/i)
  t.match(page.headers.get('content-security-policy'), /script-src 'self'/)
  const reader = await SseReader.open(`${server.url}/api/stream?metrics=pulseboard.*`)
  t.teardown(() => reader.close())
  const [first] = await reader.metrics(1, 5000)
  t.match(first?.metric, /^pulseboard\./, 'self-metrics are live without any publisher')
  server.process.kill('SIGTERM')
  t.equal(await server.exited, 0, 'exits cleanly')
})

t.test('--demo publishes a simulated feed through the public API', async (t) => {
  const server = await startServer(t, ['--demo', '--no-self-metrics'])
  const reader = await SseReader.open(`${server.url}/api/stream?metrics=btc.usd,web.*`)
  t.teardown(() => reader.close())
  const events = await reader.metrics(5, 5000)
  t.ok(events.some((e) => e.metric === 'btc.usd' && e.value > 0))
  t.ok(events.some((e) => e.metric.startsWith('web.')))
})
