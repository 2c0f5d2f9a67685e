import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { once } from 'node:events'
import { tempDir } from './app.js'

/** The Debian redis-server that `.ci/run` installs. */
export const REDIS_SERVER_PATH = '/usr/bin/redis-server'

/** Time redis-server has to say it is ready, in ms. */
const READY_TIMEOUT_MS = 10_000

interface RedisTest {
  teardown: (fn: () => unknown) => void
  plan: (n: number, comment?: string) => void
}

/** A redis-server of the test's own, persisting every write (AOF, fsync always) to a temp dir unless asked not to. */
export interface RedisServer {
  readonly port: number
  readonly url: string
  /** SIGKILL, as a crash would; resolves once the process is gone. */
  kill: () => Promise<void>
  /** Starts it again on the same port and dir, so it reloads what it had acknowledged (or comes back empty without persistence). */
  restart: () => Promise<void>
}

/** Ports tried before giving up; each is drawn at random, so a clash is rare and two in a row rarer. */
const PORT_ATTEMPTS = 10
/** Lowest port drawn. */
const LOWEST_PORT = 10_000
/** Where Linux keeps the bounds of its ephemeral port range. */
const EPHEMERAL_RANGE = '/proc/sys/net/ipv4/ip_local_port_range'

/** redis-server could not bind its port: another process has it. */
class PortInUseError extends Error {}

/**
 * A random port below the kernel's ephemeral range. listen(0) and outgoing connections
 * take ports from that range, so between a kill and a restart none of them can take this one.
 */
function randomPort (): number {
  // Linux only; the kernel's usual default elsewhere.
  const ephemeralLow = existsSync(EPHEMERAL_RANGE) ? Number(readFileSync(EPHEMERAL_RANGE, 'utf8').split(/\s+/)[0]) : 32_768
  return LOWEST_PORT + Math.floor(Math.random() * (ephemeralLow - LOWEST_PORT))
}

/** Spawns redis-server on a random port, drawing another when the port is taken. */
async function spawnOnFreePort (dir: string, persist: boolean): Promise<{ child: ChildProcess, port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = randomPort()
    try {
      return { child: await spawnRedis(port, dir, persist), port }
    } catch (err) {
      if (!(err instanceof PortInUseError) || attempt === PORT_ATTEMPTS) throw err
    }
  }
}

/** Spawns redis-server and resolves once it accepts connections. */
async function spawnRedis (port: number, dir: string, persist: boolean): Promise<ChildProcess> {
  const durability = persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']
  const child = spawn(REDIS_SERVER_PATH, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...durability,
    '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within ${READY_TIMEOUT_MS} ms:\n${output}`)), READY_TIMEOUT_MS)
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('Ready to accept connections')) { clearTimeout(timer); resolve() }
    })
    // 'close', not 'exit': by then all of its output has been read.
    child.once('close', (code) => {
      clearTimeout(timer)
      const ErrorType = /Address already in use/.test(output) ? PortInUseError : Error
      reject(new ErrorType(`redis-server exited with ${code}:\n${output}`))
    })
  })
  return child
}

async function killChild (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGKILL')
  await exited
}

/**
 * Starts redis-server on a free port (restarts keep it), killed when the test ends. Without
 * redis-server: fails when `CI=true` (Redis tests must run there), otherwise
 * plans zero assertions, which marks the test skipped, and returns undefined.
 * With `persist: false` it keeps nothing on disk, so a restart brings it back empty.
 */
export async function startRedis (t: RedisTest, { persist = true }: { persist?: boolean } = {}): Promise<RedisServer | undefined> {
  if (!existsSync(REDIS_SERVER_PATH)) {
    const reason = `no redis-server at ${REDIS_SERVER_PATH}`
    if (process.env['CI'] === 'true') throw new Error(`${reason}: Redis tests must run in CI; install redis-server`)
    t.plan(0, `skipped: ${reason}`)
    return undefined
  }
  const dir = tempDir(t)
  const started = await spawnOnFreePort(dir, persist)
  const port = started.port
  let child = started.child
  t.teardown(async () => await killChild(child))
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: async () => await killChild(child),
    restart: async () => { child = await spawnRedis(port, dir, persist) }
  }
}
