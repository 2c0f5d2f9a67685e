/**
 * Fan-out benchmark: the server bundle pinned to CPU 0, this load tool on CPU 1.
 * Opens N SSE subscribers over raw sockets, publishes R points/s in batches
 * through POST /api/events, and reports deliveries/s, losses, end-to-end
 * latency (point ts → arrival, sampled on 2% of clients), RSS and CPU.
 * Usage: tsx test/bench/fanout.ts [--subscribers 1000,5000] [--rate 100] [--seconds 10]
 */
import { connect, type Socket } from 'node:net'
import { parseArgs } from 'node:util'
import { startServer } from '../fixtures/child-server.js'
import { cpuSeconds, percentile, printTable, rssMib } from './process-stats.js'

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1000,5000' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '10' }
  }
})
const RATE = Number(values.rate)
const SECONDS = Number(values.seconds)
const BATCHES_PER_S = 10
const MARK = Buffer.from('event: metric')

interface Client { socket: Socket, received: number, sampled: boolean }

function openClient (port: number, sampled: boolean, latencies: number[]): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client: Client = { socket: connect(port, '127.0.0.1'), received: 0, sampled }
    let connected = false
    client.socket.on('error', reject)
    client.socket.write('GET /api/stream?metrics=bench.* HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n')
    client.socket.on('data', (chunk: Buffer) => {
      if (!connected) { connected = true; resolve(client) }
      for (let at = chunk.indexOf(MARK); at !== -1; at = chunk.indexOf(MARK, at + 1)) client.received++
      if (!sampled) return
      const now = Date.now()
      for (const match of chunk.toString().matchAll(/"ts":(\d+)/g)) latencies.push(now - Number(match[1]))
    })
  })
}

async function publishFor (url: string, seconds: number): Promise<number> {
  const perBatch = Math.max(1, Math.round(RATE / BATCHES_PER_S))
  let sent = 0
  const end = Date.now() + seconds * 1000
  let next = Date.now()
  while (Date.now() < end) {
    const ts = Date.now()
    const body = JSON.stringify(Array.from({ length: perBatch }, (_, i) => ({ metric: `bench.m${i % 10}`, value: sent + i, ts })))
    const response = await fetch(`${url}/api/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    if (response.status !== 202) throw new Error(`publish answered ${response.status}`)
    sent += perBatch
    next += 1000 / BATCHES_PER_S
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())))
  }
  return sent
}

async function run (subscribers: number): Promise<Record<string, string | number>> {
  const teardowns: Array<() => unknown> = []
  const server = await startServer({ teardown: (fn) => teardowns.push(fn) }, ['--no-self-metrics', '--max-clients', String(subscribers + 10)], { LOG_LEVEL: 'info' }, { cpu: 0 })
  const pid = server.process.pid!
  const port = Number(new URL(server.url).port)
  const rssBefore = rssMib(pid)
  const latencies: number[] = []
  const clients: Client[] = []
  for (let i = 0; i < subscribers; i += 500) {
    const ramp = Array.from({ length: Math.min(500, subscribers - i) }, async (_, j) => await openClient(port, (i + j) % 50 === 0, latencies))
    clients.push(...await Promise.all(ramp))
  }
  const rssIdle = rssMib(pid)
  const [serverCpu0, toolCpu0, t0] = [cpuSeconds(pid), process.cpuUsage(), Date.now()]
  const sent = await publishFor(server.url, SECONDS)
  const deadline = Date.now() + 5000
  while (clients.some((c) => c.received < sent) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  const elapsed = (Date.now() - t0) / 1000
  const toolCpu = process.cpuUsage(toolCpu0)
  const delivered = clients.reduce((sum, c) => sum + c.received, 0)
  const row = {
    subscribers,
    'points/s': RATE,
    'deliveries/s': Math.round(delivered / SECONDS),
    lost: sent * subscribers - delivered,
    'p50 ms': percentile(latencies, 50),
    'p99 ms': percentile(latencies, 99),
    'max ms': percentile(latencies, 100),
    'rss MiB': `${rssBefore.toFixed(0)}→${rssMib(pid).toFixed(0)}`,
    'KiB/idle sub': (((rssIdle - rssBefore) * 1024) / subscribers).toFixed(1),
    'server cpu %': (((cpuSeconds(pid) - serverCpu0) / elapsed) * 100).toFixed(0),
    'tool cpu %': (((toolCpu.user + toolCpu.system) / 1e6 / elapsed) * 100).toFixed(0)
  }
  for (const client of clients) client.socket.destroy()
  for (const fn of teardowns) await fn()
  return row
}

const rows = []
for (const n of values.subscribers.split(',').map(Number)) rows.push(await run(n))
printTable(rows)
process.stdout.write(`${JSON.stringify({ bench: 'fanout', date: new Date().toISOString(), rows })}\n`)
