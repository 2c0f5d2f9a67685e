import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { once } from 'node:events'
import { tempDir } from './app.js'
import { freePort } from './free-port.js'

/** The Debian redis-server that `.ci/run` installs. */
export const REDIS_SERVER_PATH = '/usr/bin/redis-server'

/** Time redis-server has to say it is ready, in ms. */
const READY_TIMEOUT_MS = 10_000

interface RedisTest {
  teardown: (fn: () => unknown) => void
  plan: (n: number, comment?: string) => void
}

/** A redis-server of the test's own, persisting every write (AOF, fsync always) to a temp dir. */
export interface RedisServer {
  readonly port: number
  readonly url: string
  /** SIGKILL, as a crash would; resolves once the process is gone. */
  kill: () => Promise<void>
  /** Starts it again on the same port and dir, so it reloads what it had acknowledged. */
  restart: () => Promise<void>
}

/** Spawns redis-server and resolves once it accepts connections. */
async function spawnRedis (port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(REDIS_SERVER_PATH, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes',
    '--appendfsync', 'always', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within ${READY_TIMEOUT_MS} ms:\n${output}`)), READY_TIMEOUT_MS)
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('Ready to accept connections')) { clearTimeout(timer); resolve() }
    })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`redis-server exited with ${code}:\n${output}`)) })
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
 * Starts redis-server on a free port, killed when the test ends. Without
 * redis-server: fails when `CI=true` (Redis tests must run there), otherwise
 * plans zero assertions, which marks the test skipped, and returns undefined.
 */
export async function startRedis (t: RedisTest): Promise<RedisServer | undefined> {
  if (!existsSync(REDIS_SERVER_PATH)) {
    const reason = `no redis-server at ${REDIS_SERVER_PATH}`
    if (process.env['CI'] === 'true') throw new Error(`${reason}: Redis tests must run in CI; install redis-server`)
    t.plan(0, `skipped: ${reason}`)
    return undefined
  }
  const dir = tempDir(t)
  const port = await freePort()
  let child = await spawnRedis(port, dir)
  t.teardown(async () => await killChild(child))
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: async () => await killChild(child),
    restart: async () => { child = await spawnRedis(port, dir) }
  }
}
