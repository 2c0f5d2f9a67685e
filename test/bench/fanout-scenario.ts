import { startRedis } from '../helpers/redis-server.js'
import { startBaseline, startPulseboard, fdLimit, type BenchServer } from './bench-server.js'
import { cpuSeconds, percentile, rssMib } from './process-stats.js'
import { SubscriberPool, type PoolStats } from './subscriber-pool.js'

/** Publish requests per second; each carries pointsPerSecond / 10 points. */
const BATCHES_PER_S = 10

/** One row of the fan-out benchmark. */
export interface Scenario {
  readonly name: string
  /** `floor`: write-floor-server.ts, which sends its own frame ten times a second (pointsPerSecond 0). */
  readonly server: 'pulseboard' | 'naive' | 'floor'
  readonly subscribers: number
  /** Points published per second in all, spread evenly over `metrics` names; 0 = idle. */
  readonly pointsPerSecond: number
  /** Distinct metrics published, `bench.m0` … (default 1). */
  readonly metrics?: number
  /** Subscriber i asks for `?metrics=bench.m{i % filterGroups}`; absent = everyone asks for `bench.*`. */
  readonly filterGroups?: number
  /** Server --heartbeat-ms (Pulseboard only; default the server's 15 s). */
  readonly heartbeatMs?: number
  /**
   * Pulseboard instances sharing one redis-server (STORE=redis), instance i pinned to CPU i,
   * subscribers spread over them, points published to the first; absent = one on the embedded SQLite log.
   */
  readonly instances?: number
}

export interface RunOptions {
  /** Measured publishing time (or idle time), in s. */
  readonly seconds: number
  /** Publishing before the measurement, not counted, in s. */
  readonly warmupSeconds: number
  /** Longest wait after publishing for the last deliveries, in s. */
  readonly drainSeconds: number
  readonly workers: number
  /** Pulseboard only: write the server's V8 CPU profile here. */
  readonly cpuProfDir?: string
}

export type Row = Record<string, string | number>

async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Publishes for `seconds` at BATCHES_PER_S batches per second, sequentially:
 * a server slow to answer gets fewer points (what it can take is the figure).
 * At most seconds × BATCHES_PER_S requests. Returns the points it accepted.
 */
async function publishFor (port: number, scenario: Scenario, seconds: number): Promise<number> {
  const metrics = scenario.metrics ?? 1
  const perBatch = Math.max(metrics, Math.round(scenario.pointsPerSecond / BATCHES_PER_S / metrics) * metrics)
  const batches = Math.round(seconds * BATCHES_PER_S)
  const start = Date.now()
  const end = start + seconds * 1000
  let sent = 0
  for (let b = 0; b < batches && Date.now() < end; b++) {
    const ts = Date.now()
    const body = JSON.stringify(Array.from({ length: perBatch }, (_, i) => ({ metric: `bench.m${i % metrics}`, value: sent + i, ts })))
    const response = await fetch(`http://127.0.0.1:${port}/api/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    await response.arrayBuffer()
    if (response.status !== 202) throw new Error(`publish answered ${response.status}`)
    sent += perBatch
    await sleep(start + ((b + 1) * 1000) / BATCHES_PER_S - Date.now())
  }
  return sent
}

/** Subscribers that should receive one point: everyone, or one filter group (groups are even by construction). */
function receiversPerPoint (scenario: Scenario): number {
  return scenario.filterGroups === undefined ? scenario.subscribers : scenario.subscribers / scenario.filterGroups
}

/** The servers of a scenario; `stop` ends them all, and Redis with them. */
interface Servers {
  readonly list: readonly BenchServer[]
  readonly stop: () => Promise<void>
}

async function startFor (scenario: Scenario, options: RunOptions): Promise<Servers> {
  if (scenario.server !== 'pulseboard') return one(await startBaseline(scenario.server))
  const pulseboard = { maxClients: scenario.subscribers + 100, ...(scenario.heartbeatMs === undefined ? {} : { heartbeatMs: scenario.heartbeatMs }) }
  const withProfile = options.cpuProfDir === undefined ? pulseboard : { ...pulseboard, cpuProfDir: options.cpuProfDir }
  if (scenario.instances === undefined) return one(await startPulseboard(withProfile))
  const teardowns: Array<() => unknown> = []
  const redis = await startRedis({ teardown: (fn) => teardowns.push(fn), plan: () => { throw new Error(`the ${scenario.name} scenario needs redis-server`) } })
  const env = { STORE: 'redis', REDIS_URL: redis!.url }
  const list = await Promise.all(Array.from({ length: scenario.instances }, async (_, cpu) => await startPulseboard({ ...withProfile, cpu, env })))
  return {
    list,
    stop: async () => {
      await Promise.all(list.map(async (server) => await server.stop()))
      for (const teardown of teardowns.reverse()) await teardown()
    }
  }
}

function one (server: BenchServer): Servers {
  return { list: [server], stop: server.stop }
}

const sum = (servers: Servers, figure: (pid: number) => number): number => servers.list.reduce((total, server) => total + figure(server.pid), 0)

function openPool (servers: Servers, scenario: Scenario, workers: number, onStep: (connected: number) => void): Promise<SubscriberPool> {
  const groups = scenario.filterGroups
  return SubscriberPool.open({
    port: servers.list.map((server) => server.port),
    subscribers: scenario.subscribers,
    path: (i) => `/api/stream?metrics=${groups === undefined ? 'bench.*' : `bench.m${i % groups}`}`,
    mark: scenario.server === 'naive' ? 'data: ' : 'event: metric',
    workers,
    onStep
  })
}

/** Publishes the warm-up and waits for it to arrive. */
async function warmUp (servers: Servers, pool: SubscriberPool, scenario: Scenario, options: RunOptions): Promise<void> {
  if (scenario.pointsPerSecond === 0 || options.warmupSeconds === 0) return
  const sent = await publishFor(servers.list[0]!.port, scenario, options.warmupSeconds)
  await pool.waitFor(sent * receiversPerPoint(scenario), options.drainSeconds * 1000)
}

/** What one measured window produced; times in s, CPU in s. */
interface Measurement {
  sent: number
  expected: number
  publishedS: number
  elapsedS: number
  serverCpuPublishing: number
  serverCpu: number
  toolCpuPublishing: number
  stats: PoolStats
  latencies: number[]
}

const toolCpuSeconds = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1e6
}

/** Publishes (or idles) for the measured seconds, then waits for the deliveries up to the drain time. */
async function measure (servers: Servers, pool: SubscriberPool, scenario: Scenario, options: RunOptions): Promise<Measurement> {
  await pool.reset()
  const [serverCpu0, toolCpu0, t0] = [sum(servers, cpuSeconds), process.cpuUsage(), Date.now()]
  const sent = scenario.pointsPerSecond === 0 ? 0 : await publishFor(servers.list[0]!.port, scenario, options.seconds)
  if (sent === 0) await sleep(options.seconds * 1000)
  const publishedS = (Date.now() - t0) / 1000
  const serverCpuPublishing = sum(servers, cpuSeconds) - serverCpu0
  const toolCpuPublishing = toolCpuSeconds(toolCpu0)
  const expected = sent * receiversPerPoint(scenario)
  const stats = await pool.waitFor(expected, sent === 0 ? 0 : options.drainSeconds * 1000)
  const elapsedS = (Date.now() - t0) / 1000
  const serverCpu = sum(servers, cpuSeconds) - serverCpu0
  return { sent, expected, publishedS, elapsedS, serverCpuPublishing, serverCpu, toolCpuPublishing, stats, latencies: await pool.latencies() }
}

/**
 * RSS of the server in MiB: at start, once half the subscribers are in (with
 * how many), after the ramp (idle), at the end.
 */
interface Rss { before: number, half: number, halfConnected: number, idle: number, after: number }

function toRow (scenario: Scenario, connected: number, rss: Rss, m: Measurement): Row {
  return {
    scenario: scenario.name,
    subscribers: scenario.subscribers,
    connected,
    'points/s': Math.round(m.sent / m.publishedS),
    // Over the publishing window. A server that falls behind accepts fewer points (the publisher waits
    // for each answer), delivers them late (latency) or not by the end of the drain (lost).
    'deliveries/s': Math.round(m.stats.received / m.publishedS),
    // The floor server publishes on its own: nothing is expected, so nothing can be lost.
    lost: scenario.server === 'floor' ? '-' : m.expected - m.stats.received,
    'p50 ms': percentile(m.latencies, 50),
    'p99 ms': percentile(m.latencies, 99),
    'max ms': percentile(m.latencies, 100),
    'rss MiB': `${rss.before.toFixed(0)}→${rss.after.toFixed(0)}`,
    // The target is in KB (1000 bytes); rssMib is in MiB (1,048,576 bytes). Per idle subscriber is
    // the growth over the second half of the ramp: the first streams also pay for one-off costs (code
    // compiled, V8's young generation growing to its working size) that the next ones do not.
    'KB/idle sub': (((rss.idle - rss.half) * 1048.576) / (connected - rss.halfConnected)).toFixed(2),
    'KB/sub incl. start-up': (((rss.idle - rss.before) * 1048.576) / connected).toFixed(2),
    // CPU % while publishing (or idle), the drain left out; CPU per delivery includes the drain.
    'server cpu %': ((m.serverCpuPublishing / m.publishedS) * 100).toFixed(1),
    'µs/delivery': m.stats.received === 0 ? '-' : ((m.serverCpu * 1e6) / m.stats.received).toFixed(2),
    'tool cpu %': ((m.toolCpuPublishing / m.publishedS) * 100).toFixed(0),
    'pings/s': Math.round(m.stats.pings / m.elapsedS),
    'cut off': m.stats.closed
  }
}

/** Starts the server, ramps the subscribers, warms up, measures, and returns the row. */
export async function runScenario (scenario: Scenario, options: RunOptions): Promise<Row> {
  const servers = await startFor(scenario, options)
  let pool: SubscriberPool | undefined
  try {
    const limit = Math.min(...servers.list.map((server) => fdLimit(server.pid)))
    if (limit < scenario.subscribers + 100) throw new Error(`server fd limit ${limit} is below ${scenario.subscribers + 100}`)
    const before = sum(servers, rssMib)
    let half = before
    let halfConnected = 0
    pool = await openPool(servers, scenario, options.workers, (connected) => {
      if (halfConnected > 0 || connected < scenario.subscribers / 2) return
      half = sum(servers, rssMib)
      halfConnected = connected
    })
    const idle = sum(servers, rssMib)
    if (scenario.server === 'floor') process.kill(servers.list[0]!.pid, 'SIGUSR1')
    await warmUp(servers, pool, scenario, options)
    const measurement = await measure(servers, pool, scenario, options)
    return toRow(scenario, pool.connected, { before, half, halfConnected, idle, after: sum(servers, rssMib) }, measurement)
  } finally {
    await pool?.close()
    await servers.stop()
  }
}
