import { Agent, request } from 'node:http'
import { connect } from 'node:net'
import t from 'tap'
import { startTestServer } from '../helpers/app.js'
import { badBodyAt, type BadBody } from '../helpers/bad-bodies.js'
import { SseReader } from '../helpers/sse-reader.js'

// The seed changes once a day (UTC), so runs of one day agree and each day tries new cases.
// FUZZ_SEED=… replays a run; FUZZ_COUNT=… changes its length.
const SEED = Number(process.env.FUZZ_SEED ?? new Date().toISOString().slice(0, 10).replaceAll('-', ''))
const COUNT = Number(process.env.FUZZ_COUNT ?? 2000)
const IN_FLIGHT = 32
const REQUEST_TIMEOUT_MS = 15_000
const MAX_REPORTED = 10

interface Answer {
  readonly status: number
  readonly contentType: string
  readonly text: string
}

/** POSTs one case over a keep-alive agent; resolves with the answer or the transport error. */
async function send (agent: Agent, origin: URL, c: BadBody): Promise<Answer | Error> {
  return await new Promise((resolve) => {
    const req = request({ agent, host: origin.hostname, port: origin.port, method: 'POST', path: '/api/events', headers: c.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), text: Buffer.concat(chunks).toString() }))
      res.on('error', resolve)
    })
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)))
    // A 413 may come back (and the socket close) before the whole body is written: the answer is what counts.
    req.on('error', resolve)
    if (c.chunked === true) {
      const half = Math.floor(c.body.length / 2)
      req.write(c.body.slice(0, half))
      req.end(c.body.slice(half))
    } else {
      req.end(c.body)
    }
  })
}

/** What is wrong with an answer to a bad request, or undefined when it is a proper refusal. */
function problemWith (c: BadBody, answer: Answer | Error): string | undefined {
  if (answer instanceof Error) return `no answer: ${answer.message}`
  const got = `${answer.status} ${answer.text.slice(0, 300)}`
  if (answer.status < 400 || answer.status > 499) return `expected a 4xx, got ${got}`
  if (answer.status !== c.status) return `expected ${c.status}, got ${got}`
  if (!answer.contentType.startsWith('application/json')) return `expected a JSON error, got content-type ${answer.contentType}: ${got}`
  let body: unknown
  try {
    body = JSON.parse(answer.text)
  } catch {
    return `expected a JSON error, got ${got}` // the assertion reports it; nothing else to do with unparsable text
  }
  const { statusCode, code, error, message } = body as Record<string, unknown>
  if (statusCode !== answer.status || typeof code !== 'string' || !code.startsWith('PB_ERR_') ||
    typeof error !== 'string' || typeof message !== 'string') {
    return `expected { statusCode, code: PB_ERR_*, error, message }, got ${got}`
  }
  return undefined
}

/** The start of a body, printable, with its size. */
function preview (body: string | Buffer): string {
  const text = typeof body === 'string' ? body : body.toString('latin1')
  const head = JSON.stringify(text.slice(0, 300))
  const size = Buffer.byteLength(body)
  return typeof body === 'string' ? `${head} (${size} bytes)` : `Buffer latin1 ${head} (${size} bytes, hex ${body.subarray(0, 64).toString('hex')})`
}

function tally (counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1)
}

interface BarrageResult {
  readonly statuses: Map<string, number>
  readonly codes: Map<string, number>
  readonly kinds: Map<string, number>
  /** The first few problems, each naming the seed, case, headers and body. */
  readonly problems: string[]
  readonly problemCount: number
  /** The case after whose answer the log was first seen non-empty. */
  readonly firstStoredAfter: number | undefined
}

/** Sends COUNT cases with IN_FLIGHT in flight and collects what came back. */
async function barrage (url: string, latestId: () => number): Promise<BarrageResult> {
  const origin = new URL(url)
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT })
  const result: { -readonly [K in keyof BarrageResult]: BarrageResult[K] } = {
    statuses: new Map(), codes: new Map(), kinds: new Map(), problems: [], problemCount: 0, firstStoredAfter: undefined
  }
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < COUNT) {
      const index = next++
      const c = badBodyAt(SEED, index, COUNT)
      const answer = await send(agent, origin, c)
      tally(result.kinds, c.kind.split('/')[0]!)
      tally(result.statuses, answer instanceof Error ? 'error' : String(answer.status))
      if (!(answer instanceof Error)) tally(result.codes, /"code":"([A-Z_]+)"/.exec(answer.text)?.[1] ?? '(none)')
      if (result.firstStoredAfter === undefined && latestId() !== 0) result.firstStoredAfter = index
      const problem = problemWith(c, answer)
      if (problem === undefined) continue
      if (result.problemCount++ < MAX_REPORTED) {
        result.problems.push(`seed ${SEED} case ${index} (${c.kind}, headers ${JSON.stringify(c.headers)}): ${problem}\n  body: ${preview(c.body)}`)
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  } finally {
    agent.destroy()
  }
  return result
}

t.comment(`fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED}), ${COUNT} cases`)

t.test(`${COUNT} bad publishes all get a 4xx JSON error, and nothing is stored or streamed`, async (t) => {
  // SseReader.open leaves a 5 s idle timeout on its socket; a ping every second keeps the quiet stream open.
  const { app, url } = await startTestServer(t, { heartbeatMs: 1000 })
  const reader = await SseReader.open(`${url}/api/stream`)
  t.teardown(() => reader.close())

  const started = Date.now()
  const { statuses, codes, kinds, problems, problemCount, firstStoredAfter } = await barrage(url, () => app.pulseboard.log.latestId())
  t.comment(`${COUNT} requests in ${Date.now() - started} ms; by status ${JSON.stringify(Object.fromEntries(statuses))}`)
  t.comment(`by code ${JSON.stringify(Object.fromEntries(codes))}`)
  t.comment(`by kind ${JSON.stringify(Object.fromEntries(kinds))}`)
  t.equal(problemCount, 0, `every bad publish gets its 4xx JSON error (first ${problems.length} of ${problemCount} shown):\n${problems.join('\n')}`)
  t.ok([...statuses.keys()].every((status) => /^4\d\d$/.test(status)), 'no status outside 4xx, no transport error')
  for (const status of ['400', '413', '415']) t.ok((statuses.get(status) ?? 0) > 0, `the mix includes ${status} answers`)
  t.equal(firstStoredAfter, undefined, firstStoredAfter === undefined ? 'nothing was stored' : `nothing was stored (seed ${SEED}: the log was first seen non-empty after case ${firstStoredAfter})`)
  t.equal(app.pulseboard.log.latestId(), 0, 'the log is still empty')
  t.notOk('polluted' in {}, 'Object.prototype was not polluted (the server runs in this process)')

  const health = await fetch(`${url}/healthz`)
  t.equal(health.status, 200, 'healthz still answers 200')
  t.match(await health.json(), { status: String, lastId: 0 })
  const good = await fetch(`${url}/api/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"metric":"after.fuzz","value":1}' })
  t.equal(good.status, 202, 'a good publish is accepted afterwards')
  t.same(await good.json(), { accepted: 1, firstId: 1, lastId: 1 })
  const frame = await reader.nextEvent()
  t.equal(frame.event, 'metric', 'the first event on the stream is a metric')
  t.equal(frame.id, '1', 'and it is the good point, id 1: nothing was streamed before it')
  t.match(JSON.parse(frame.data), { id: 1, metric: 'after.fuzz', value: 1 })
})

// Kept apart from the barrage: the server decodes bad bytes to U+FFFD, so these are stored today,
// which would hide every other result of the barrage.
t.test('invalid UTF-8 inside a string is refused, not replaced by U+FFFD', async (t) => {
  const { app, url } = await startTestServer(t)
  const agent = new Agent({ keepAlive: true })
  t.teardown(() => agent.destroy())
  const bad = (before: string, bytes: number[], after: string): Buffer => Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)])
  const cases: BadBody[] = [
    { kind: 'tag value', body: bad('{"metric":"x","value":1,"tags":{"a":"', [0xff], '"}}'), headers: { 'content-type': 'application/json' }, status: 400 },
    { kind: 'tag key', body: bad('{"metric":"x","value":1,"tags":{"', [0xc3], '":"a"}}'), headers: { 'content-type': 'application/json' }, status: 400 },
    { kind: 'NDJSON tag value', body: bad('{"metric":"x","value":1,"tags":{"a":"', [0xed, 0xa0, 0x80], '"}}\n'), headers: { 'content-type': 'application/x-ndjson' }, status: 400 }
  ]
  for (const c of cases) {
    t.equal(problemWith(c, await send(agent, new URL(url), c)), undefined, `${c.kind}: ${preview(c.body)}`)
  }
  t.equal(app.pulseboard.log.latestId(), 0, 'nothing was stored')
})

/** Writes raw bytes on a fresh socket and resolves with everything the server sends before it closes or goes quiet. */
async function rawExchange (port: number, text: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    socket.setEncoding('utf8')
    socket.setTimeout(2000, () => socket.destroy())
    socket.on('data', (chunk: string) => { received += chunk })
    socket.on('close', () => resolve(received))
    socket.on('error', reject)
    socket.end(text)
  })
}

t.test('a body with broken chunked framing gets a 400 in the API error shape', async (t) => {
  const { app, url } = await startTestServer(t)
  const port = Number(new URL(url).port)
  const head = 'POST /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'
  for (const chunks of ['zz\r\n{}\r\n0\r\n\r\n', '2\r\n{"metric":"x","value":1}\r\n0\r\n\r\n']) {
    const answer = await rawExchange(port, head + chunks)
    const [status = '', body = ''] = [/^HTTP\/1\.1 (\d+)/.exec(answer)?.[1], answer.split('\r\n\r\n')[1]]
    t.equal(status, '400', `400 for chunks ${JSON.stringify(chunks)}`)
    t.match(JSON.parse(body === '' ? '{}' : body), { statusCode: 400, code: /^PB_ERR_/, error: String, message: String }, `API error shape for chunks ${JSON.stringify(chunks)}: ${JSON.stringify(body)}`)
  }
  t.equal(app.pulseboard.log.latestId(), 0, 'nothing was stored')
})
