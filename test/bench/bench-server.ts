import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SERVER_BUNDLE, SERVER_NODE_FLAGS } from '../fixtures/child-server.js'

/** Open files the servers need for 10,000 streams and change; also the hard limit on the bench machine. */
export const FD_LIMIT = 20_000

/** Time allowed for a server to print its address, and for it to exit once asked, in ms. */
const START_TIMEOUT_MS = 15_000
const STOP_TIMEOUT_MS = 10_000

const NAIVE_SERVER = fileURLToPath(new URL('./naive-server.ts', import.meta.url))
const WRITE_FLOOR_SERVER = fileURLToPath(new URL('./write-floor-server.ts', import.meta.url))

/** A server process pinned to one CPU, with its port. */
export interface BenchServer {
  readonly pid: number
  readonly port: number
  /** Asks the process to exit (SIGTERM, so a --cpu-prof profile gets written), SIGKILL after 10 s; removes its temp dir. */
  readonly stop: () => Promise<void>
}

/**
 * Spawns `node …` pinned with taskset, its fd limit raised in a shell first
 * (Node cannot call setrlimit), and resolves once stdout matches `ready`.
 */
async function spawnPinned (cpu: number, nodeArgs: readonly string[], env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess, port: number }> {
  const quoted = nodeArgs.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ')
  const script = `ulimit -n ${FD_LIMIT} 2>/dev/null || ulimit -n hard; exec taskset -c ${cpu} '${process.execPath}' ${quoted}`
  const child = spawn('bash', ['-c', script], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`server did not start within ${START_TIMEOUT_MS} ms:\n${output}`)) }, START_TIMEOUT_MS)
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      const match = ready.exec(output)
      if (match?.[1] === undefined) return
      clearTimeout(timer)
      resolve(Number(match[1]))
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${output}`)) })
  })
  // Keep reading so a chatty server never blocks on a full pipe; the text is no longer needed.
  child.stdout?.removeAllListeners('data').resume()
  child.stderr?.removeAllListeners('data').resume()
  return { child, port }
}

async function stopChild (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
  await exited
  clearTimeout(timer)
}

/** The soft limit on open files of a running process, from /proc. */
export function fdLimit (pid: number): number {
  const match = /Max open files\s+(\d+)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))
  return Number(match?.[1] ?? Number.NaN)
}

export interface PulseboardOptions {
  readonly maxClients: number
  /** CPU to pin the server to (default 0). */
  readonly cpu?: number
  /** Extra environment, e.g. STORE and REDIS_URL. */
  readonly env?: Readonly<Record<string, string>>
  readonly heartbeatMs?: number
  /** Write a V8 CPU profile of the server into this directory (node --cpu-prof). */
  readonly cpuProfDir?: string
  /** Publish the server's own metrics, event-loop delay among them (default false: they would add to the load measured). */
  readonly selfMetrics?: boolean
}

/** The built Pulseboard bundle on CPU 0 (or `cpu`) with a fresh DATA_DIR, removed on stop. */
export async function startPulseboard (options: PulseboardOptions): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pulseboard-fanout-'))
  const nodeArgs = [...SERVER_NODE_FLAGS, ...(options.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`])]
  const args = [...nodeArgs, SERVER_BUNDLE, '--port', '0', options.selfMetrics === true ? '--self-metrics' : '--no-self-metrics', '--max-clients', String(options.maxClients), '--max-clients-per-ip', String(options.maxClients), '--log-level', 'info', '--publish-rate-limit', '0']
  if (options.heartbeatMs !== undefined) args.push('--heartbeat-ms', String(options.heartbeatMs))
  try {
    const { child, port } = await spawnPinned(options.cpu ?? 0, args, { DATA_DIR: dataDir, ...options.env }, /Server listening at http:\/\/127\.0\.0\.1:(\d+)/)
    return { pid: child.pid!, port, stop: async () => { await stopChild(child); rmSync(dataDir, { recursive: true, force: true }) } }
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true })
    throw err
  }
}

/** A baseline that prints only its port: the naive Fastify route or the bare write floor, on CPU 0. */
export async function startBaseline (kind: 'naive' | 'floor'): Promise<BenchServer> {
  const script = kind === 'naive' ? NAIVE_SERVER : WRITE_FLOOR_SERVER
  const { child, port } = await spawnPinned(0, ['--import', 'tsx', script], {}, /^(\d+)$/m)
  return { pid: child.pid!, port, stop: async () => await stopChild(child) }
}
