import cluster, { type Worker } from 'node:cluster'
import { once } from 'node:events'
import { LimitsHost } from './limits-host.js'
import type { LimitsMessage } from './limits-protocol.js'
import type { Config } from '../config/config.js'
import { IpcLogHost } from '../log/cluster/ipc-log-host.js'
import type { IpcChannel, LogMessage } from '../log/cluster/ipc-protocol.js'
import { openLog } from '../log/open-log.js'

/**
 * The variable that tells a worker its slot, 1 to N. A worker that replaces a dead one
 * takes its slot, so names derived from it (self-metrics) stay the same across restarts,
 * where `cluster.worker.id` would give each replacement a new one.
 */
export const WORKER_SLOT_ENV = 'PULSEBOARD_WORKER_SLOT'

export interface PrimaryOptions {
  /** Gets the failures the primary recovers from (a worker that died is replaced). */
  readonly warn: (err: unknown, message: string) => void
  /** Called once when the cluster cannot run: a worker died before it ever listened. */
  readonly onFatal: (err: Error) => void
}

/** The primary's end of a worker's IPC channel. */
function channelTo (worker: Worker): IpcChannel<LogMessage | LimitsMessage> {
  return {
    send: (message) => { worker.send(message) },
    onMessage: (listener) => { worker.on('message', listener) },
    onDisconnect: (listener) => { worker.once('disconnect', listener) },
    connected: () => worker.isConnected()
  }
}

/**
 * The primary of `--workers N`: forks N workers that share the port. With
 * SQLite it also owns the log (the only process that opens DATA_DIR) and
 * serves it to the workers over IPC; with Redis each worker talks to Redis
 * itself (log/open-log.ts chooses). Either way it keeps the per-address stream and rate
 * limits of the whole port (cluster/limits-host.ts). A worker that dies after it listened is replaced, in its slot.
 * Resolves with a function that stops the workers (SIGTERM, so each closes
 * its streams gracefully), then the log.
 */
export async function startPrimary (config: Config, options: PrimaryOptions): Promise<() => Promise<void>> {
  // Structured clone over IPC: history and replays cross as bytes, not as JSON arrays of numbers.
  cluster.setupPrimary({ serialization: 'advanced' })
  // Workers keep their own copy of the catalog: tell them what retention removes from it
  // (the first retention pass runs a timer's interval after `host` below is set).
  const log = await openLog(config, { kind: 'primary' }, { warn: options.warn, onForget: (metrics) => host?.forget(metrics, log?.latestId() ?? 0) })
  const host = log === undefined ? undefined : new IpcLogHost(log)
  const limits = new LimitsHost()
  let stopping = false

  const fork = (slot: number): void => {
    const worker = cluster.fork({ [WORKER_SLOT_ENV]: String(slot) })
    const channel = channelTo(worker)
    host?.attach(channel)
    limits.attach(channel)
    let listening = false
    worker.once('listening', () => { listening = true })
    worker.once('exit', (code, signal) => {
      if (stopping) return
      const err = new Error(`worker ${worker.process.pid ?? '?'} exited (${signal ?? String(code)})`)
      if (!listening) {
        options.onFatal(err)
        return
      }
      options.warn(err, 'replacing a worker')
      fork(slot)
    })
  }
  for (let slot = 1; slot <= config.workers; slot++) fork(slot)

  return async () => {
    stopping = true
    const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined && !worker.isDead())
    await Promise.all(workers.map(async (worker) => {
      const exited = once(worker, 'exit')
      worker.process.kill('SIGTERM')
      await exited
    }))
    await log?.close()
  }
}
