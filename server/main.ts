import cluster from 'node:cluster'
import { existsSync } from 'node:fs'
import { hostname } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { LimitsClient } from './cluster/limits-client.js'
import type { LimitsMessage } from './cluster/limits-protocol.js'
import { startPrimary, WORKER_SLOT_ENV } from './cluster/primary.js'
import { ConfigError, configHelp, parseConfig, publishTokens, type Config } from './config/config.js'
import type { IpcChannel, LogMessage } from './log/cluster/ipc-protocol.js'
import { StoreOpenError } from './log/errors.js'
import { startDemoFeed } from './sources/demo-feed.js'

/** Time allowed for a graceful shutdown before the process exits anyway, in ms. */
const SHUTDOWN_GRACE_MS = 5000

/** The package root, found from this file whether it runs from source or from the bundle. */
function packageRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir)
  return dir
}

/** A worker's end of the IPC channel to the primary. */
const primaryChannel: IpcChannel<LogMessage | LimitsMessage> = {
  send: (message) => { process.send?.(message) },
  onMessage: (listener) => { process.on('message', listener) },
  onDisconnect: (listener) => { process.once('disconnect', listener) },
  connected: () => process.connected
}

/** This worker's slot, 1 to N, as the primary set it; undefined outside a cluster. */
const workerSlot = cluster.isWorker ? Number(process.env[WORKER_SLOT_ENV]) : undefined

/**
 * This process's name in its self-metrics when it shares the stream with others
 * (Redis, or a cluster): host:port, plus /w<slot> in a worker. Stable across restarts,
 * and across a worker's replacements, so the catalog does not gain names each time.
 */
function instanceIdOf (config: Config): string | undefined {
  if (config.instanceId !== undefined || (config.store === 'sqlite' && !cluster.isWorker)) return config.instanceId
  const worker = workerSlot === undefined ? '' : `/w${workerSlot}`
  return `${hostname()}:${config.port}${worker}`.replace(/[^A-Za-z0-9_.:/-]/g, '-')
}

async function runPrimary (config: Config): Promise<void> {
  const warn = (err: unknown, message: string): void => { process.stderr.write(`pulseboard: ${message}: ${String(err)}\n`) }
  const stop = await startPrimary(config, {
    warn,
    onFatal: (err) => {
      warn(err, 'a worker could not start')
      // Exit here: once the workers are gone, close-with-grace would end the process with 0.
      const exit = (): never => process.exit(1)
      stop().then(exit, (stopErr: unknown) => { warn(stopErr, 'stopping the cluster failed'); exit() })
    }
  })
  closeWithGrace({ delay: SHUTDOWN_GRACE_MS }, async ({ err }) => {
    if (err !== undefined) warn(err, 'shutting down after an error')
    await stop()
  })
}

async function main (): Promise<void> {
  const config = parseConfig(process.argv.slice(2), process.env)
  if (config.help) {
    process.stdout.write(configHelp())
    return
  }
  if (config.workers > 1 && cluster.isPrimary) {
    await runPrimary(config)
    return
  }
  const app = await buildApp({ ...config, ...withInstanceId(config) }, {
    webRoot: join(packageRoot(), 'web', 'dist'),
    ...(cluster.isWorker ? { primary: primaryChannel } : {}),
    // A worker's per-address limits are counted by the primary, so they hold for the whole port.
    sharedLimits: cluster.isWorker ? new LimitsClient(primaryChannel) : undefined
  })
  const stops: Array<() => void> = []
  // In a worker, Ctrl-C reaches the whole process group; the primary relays it as SIGTERM, one signal per worker.
  if (cluster.isWorker) process.on('SIGINT', () => {})
  const { close } = closeWithGrace({ delay: SHUTDOWN_GRACE_MS, skip: cluster.isWorker ? ['SIGINT'] : [] }, async ({ err, signal }) => {
    if (err !== undefined) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down')
    for (const stop of stops) stop()
    await app.close()
  })
  // A worker whose primary is gone can no longer store anything.
  if (cluster.isWorker) process.once('disconnect', close)
  const address = await app.listen({ port: config.port, host: config.host })
  // Slot 1, not worker id 1: the feed comes back with a replacement of the worker that ran it.
  if (config.demo && (workerSlot ?? 1) === 1) {
    // The feed publishes over loopback even when the server listens on every interface.
    const baseUrl = address.replace(/\/\/(0\.0\.0\.0|\[::\])/, '//127.0.0.1')
    stops.push(startDemoFeed({ baseUrl, token: publishTokens(config)[0], onError: (err) => app.log.warn({ err }, 'demo feed publish failed') }))
  }
}

function withInstanceId (config: Config): Pick<Config, 'instanceId'> {
  const instanceId = instanceIdOf(config)
  return instanceId === undefined ? {} : { instanceId }
}

main().catch((err: unknown) => {
  // One line for a bad setting or an unusable data directory; the whole error for anything unexpected.
  const expected = err instanceof ConfigError || err instanceof StoreOpenError
  process.stderr.write(expected ? `pulseboard: ${err.message}\n` : `pulseboard: failed to start: ${String(err instanceof Error ? err.stack : err)}\n`)
  process.exit(1)
})
