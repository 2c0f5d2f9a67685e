import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { tempDir } from './app.js'
import { freePort } from './free-port.js'
import { waitFor } from './wait-for.js'

/** The Debian nginx (`nginx-light`) that `.ci/run` installs. */
export const NGINX_PATH = '/usr/sbin/nginx'

/** Time nginx has to accept connections, in ms. */
const READY_TIMEOUT_MS = 10_000

interface NginxTest {
  teardown: (fn: () => unknown) => void
  plan: (n: number, comment?: string) => void
}

/** An nginx of the test's own in front of one Pulseboard. */
export interface Nginx {
  /** Where clients reach Pulseboard through the proxy, e.g. http://127.0.0.1:41234. */
  readonly url: string
  /** nginx's error log so far, for a failing test's message. */
  readonly errors: () => string
}

/**
 * The README's "Behind nginx" settings, in one process (`master_process off`,
 * so teardown has one pid to stop) with every file in `dir`.
 */
function nginxConfig (dir: string, port: number, upstream: URL): string {
  return `daemon off;
master_process off;
${process.getuid?.() === 0 ? 'user root;' : ''}
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
worker_rlimit_nofile 16384;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'client_body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  upstream pulseboard { server ${upstream.host}; keepalive 16; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://pulseboard;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_buffering off;
      proxy_read_timeout 1h;
    }
  }
}
`
}

/** Resolves true once something accepts a TCP connection on `port`. */
async function accepts (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

async function stop (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGKILL')
  await exited
}

/**
 * Starts nginx on a free port as a reverse proxy to `upstream` (a Pulseboard
 * URL), with a config written to a temp dir; killed when the test ends.
 * Without nginx: fails when `CI=true` (proxy tests must run there), otherwise
 * plans zero assertions, which marks the test skipped, and returns undefined.
 */
export async function startNginx (t: NginxTest, upstream: string): Promise<Nginx | undefined> {
  if (!existsSync(NGINX_PATH)) {
    const reason = `no nginx at ${NGINX_PATH}`
    if (process.env['CI'] === 'true') throw new Error(`${reason}: proxy tests must run in CI; install nginx-light`)
    t.plan(0, `skipped: ${reason}`)
    return undefined
  }
  const dir = tempDir(t)
  const port = await freePort()
  const config = join(dir, 'nginx.conf')
  const errorLog = join(dir, 'error.log')
  writeFileSync(config, nginxConfig(dir, port, new URL(upstream)))
  const child = spawn(NGINX_PATH, ['-p', dir, '-c', config, '-e', errorLog], { stdio: ['ignore', 'ignore', 'pipe'] })
  t.teardown(async () => await stop(child))
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const errors = (): string => stderr + (existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '')
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}:\n${errors()}`)
    return await accepts(port)
  }, READY_TIMEOUT_MS, `nginx to listen on ${port}`)
  return { url: `http://127.0.0.1:${port}`, errors }
}
