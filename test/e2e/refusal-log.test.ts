import { connect } from 'node:net'
import t from 'tap'
import { startServer } from '../fixtures/child-server.js'
import { SseReader } from '../helpers/sse-reader.js'
import { waitFor } from '../helpers/wait-for.js'

const WAIT_MS = 30_000
const ATTEMPTS = 300
const IN_FLIGHT = 10

/** One pino line of the server's output. */
interface LogLine {
  readonly level: number
  readonly time: number
  readonly msg: string
  readonly kind?: string
  readonly address?: string
  readonly refused?: number
  readonly err?: unknown
  readonly stack?: unknown
}

/** Makes `count` requests, `IN_FLIGHT` at a time, and counts the answers by status. */
async function hammer (count: number, send: () => Promise<Response>): Promise<Map<number, number>> {
  const statuses = new Map<number, number>()
  let started = 0
  const worker = async (): Promise<void> => {
    while (started < count) {
      started++
      const response = await send()
      await response.text()
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  return statuses
}

/** Sends bytes Node's HTTP parser cannot read on a connection of their own; resolves with the answer once it closes. */
async function unreadable (url: string): Promise<string> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1')
  let answer = ''
  socket.setEncoding('utf8')
  socket.on('data', (text: string) => { answer += text })
  socket.write('NOT HTTP AT ALL\r\n\r\n')
  return await new Promise((resolve, reject) => socket.once('close', () => resolve(answer)).once('error', reject))
}

function logLines (output: string): LogLine[] {
  return output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as LogLine)
}

t.test('hundreds of refused streams and requests give a few info lines with counts, and self-metrics count them', async (t) => {
  const server = await startServer(t, [], { MAX_CLIENTS: '2', PUBLISH_RATE_LIMIT: '5' })
  const { url } = server
  // Two streams fill the server's cap; the first also watches the refusal counts.
  const watcher = await SseReader.open(`${url}/api/stream?metrics=pulseboard.*`)
  t.teardown(() => watcher.close())
  const second = await SseReader.open(`${url}/api/stream?metrics=none`)
  t.teardown(() => second.close())

  const started = Date.now()
  const streams = await hammer(ATTEMPTS, async () => await fetch(`${url}/api/stream`))
  const publishes = await hammer(ATTEMPTS, async () => await fetch(`${url}/api/events`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"metric":"x","value":1}'
  }))
  const missing = await hammer(ATTEMPTS, async () => await fetch(`${url}/api/nothing-here`))
  let garbled = 0
  for (let i = 0; i < ATTEMPTS / 10; i++) if ((await unreadable(url)).startsWith('HTTP/1.1 400 ')) garbled++
  t.equal(garbled, ATTEMPTS / 10, 'every unreadable request was a 400')
  const expected = { overloaded: streams.get(503) ?? 0, rate_limited: publishes.get(429) ?? 0, client_error: (missing.get(404) ?? 0) + garbled }
  t.equal(expected.overloaded, ATTEMPTS, 'every extra stream was refused with 503')
  t.ok(expected.rate_limited > ATTEMPTS / 2, `most publishes were refused with 429 (${expected.rate_limited})`)
  t.equal(missing.get(404), ATTEMPTS, 'every unknown path was a 404')

  const errors = logLines(server.output()).filter((line) => line.level >= 50)
  t.equal(errors.length, 0, 'nothing at error level')
  const refusedLines = (): LogLine[] => logLines(server.output()).filter((line) => line.msg === 'request refused')
  const total = (kind: string): number => refusedLines().filter((line) => line.kind === kind).reduce((sum, line) => sum + (line.refused ?? 0), 0)
  await waitFor(() => Object.entries(expected).every(([kind, count]) => total(kind) === count), WAIT_MS, 'the log lines to account for every refusal')
  const lines = refusedLines()
  const seconds = (Date.now() - started) / 1000
  t.ok(lines.length <= 3 * (seconds + 2), `${lines.length} lines for ${expected.overloaded + expected.rate_limited + expected.client_error} refusals over ${seconds.toFixed(1)} s`)
  t.ok(lines.every((line) => line.level === 30 && line.address === '127.0.0.1'), 'at info level, naming the address')
  t.ok(lines.every((line) => line.err === undefined && line.stack === undefined), 'without a stack')
  for (const kind of Object.keys(expected)) {
    const times = lines.filter((line) => line.kind === kind).map((line) => line.time)
    const gaps = times.slice(1).map((time, i) => time - times[i]!)
    t.ok(gaps.every((gap) => gap >= 900), `at most one ${kind} line a second (gaps ${gaps.join(', ')} ms)`)
  }

  const latest = new Map<string, number>()
  await waitFor(async () => {
    for (const event of await watcher.metrics(1, WAIT_MS)) latest.set(event.metric, event.value)
    return Object.entries(expected).every(([kind, count]) => latest.get(`pulseboard.refusals_${kind}`) === count)
  }, WAIT_MS, 'self-metrics to count every refusal')
  t.pass('pulseboard.refusals_* count every refusal by kind')
})
