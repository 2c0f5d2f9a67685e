import type { EventId } from '../core/event.js'
import { IpcEventLog } from './cluster/ipc-event-log.js'
import type { IpcChannel } from './cluster/ipc-protocol.js'
import type { EventLog } from './event-log.js'
import { RedisEventLog } from './redis/redis-event-log.js'
import { SqliteEventLog } from './sqlite/sqlite-event-log.js'

/** The settings that choose and size the log; a Config has them all. */
export interface LogSettings {
  readonly store: 'sqlite' | 'redis'
  readonly dataDir: string
  readonly redisUrl?: string | undefined
  readonly redisMaxLen: number
  readonly redisHistoryPoints: number
  readonly redisRecoveryMs: number
  readonly windowSize: number
  readonly windowBytes: number
  readonly maxMetrics: number
  readonly maxPoints: number
  readonly maxHistoryPoints: number
  readonly maxQueuedReads: number
  readonly retentionMs: number
}

/** What the log tells its owner about, besides the events it delivers. */
export interface LogHooks {
  /** The failures the log recovers from by itself. */
  readonly warn: (err: unknown, message: string) => void
  /** Metrics that SQLite retention removed from the catalog. */
  readonly onForget?: (metrics: readonly string[]) => void
  /** Redis lost acknowledged data; the log goes on from `continuesFromId`. */
  readonly onDataLoss?: (continuesFromId: EventId) => void
}

/** Where this process stands: on its own, or as the primary or a worker (with its channel to the primary) of a cluster. */
export type LogRole =
  | { readonly kind: 'single' }
  | { readonly kind: 'primary' }
  | { readonly kind: 'worker', readonly primary: IpcChannel }

/** A process that serves requests, and so needs a log. */
type ServingRole = Exclude<LogRole, { kind: 'primary' }>

/**
 * The log this process uses, chosen here and nowhere else. With `store` sqlite
 * the file under `dataDir` belongs to one process: a process on its own or a
 * cluster's primary opens it, and a worker uses the primary's over IPC. With
 * `store` redis, every process that serves requests connects to `redisUrl`
 * itself, and a primary, which serves none, opens no log (undefined).
 */
export async function openLog (config: LogSettings, role: ServingRole, hooks: LogHooks): Promise<EventLog>
export async function openLog (config: LogSettings, role: LogRole, hooks: LogHooks): Promise<EventLog | undefined>
export async function openLog (config: LogSettings, role: LogRole, hooks: LogHooks): Promise<EventLog | undefined> {
  if (config.store === 'redis') return role.kind === 'primary' ? undefined : await openRedis(config, hooks)
  if (role.kind === 'worker') return await IpcEventLog.connect(role.primary)
  return openSqlite(config, hooks)
}

async function openRedis (config: LogSettings, { warn, onDataLoss }: LogHooks): Promise<RedisEventLog> {
  return await RedisEventLog.open({
    // parseConfig refuses STORE=redis without REDIS_URL.
    url: config.redisUrl ?? '',
    maxLen: config.redisMaxLen,
    historyPoints: config.redisHistoryPoints,
    maxMetrics: config.maxMetrics,
    maxHistoryPoints: config.maxHistoryPoints,
    retentionMs: config.retentionMs,
    recoveryMs: config.redisRecoveryMs,
    onError: (err) => warn(err, 'Redis connection or read failed; retrying'),
    onDataLoss: (err) => {
      warn(err, 'Redis lost acknowledged data; ids go on above every id delivered before')
      onDataLoss?.(err.continuesFromId)
    }
  })
}

function openSqlite (config: LogSettings, { warn, onForget }: LogHooks): SqliteEventLog {
  return SqliteEventLog.open({
    dataDir: config.dataDir,
    windowSize: config.windowSize,
    windowBytes: config.windowBytes,
    maxMetrics: config.maxMetrics,
    maxPoints: config.maxPoints,
    maxHistoryPoints: config.maxHistoryPoints,
    maxQueuedReads: config.maxQueuedReads,
    retentionMs: config.retentionMs,
    onPruneError: (err) => warn(err, 'retention pass failed'),
    onForget
  })
}
