import type { Config } from './config/config.js'
import type { EventId } from './core/event.js'
import { DurableEventLog } from './log/durable-event-log.js'
import type { EventLog } from './log/event-log.js'
import { RedisEventLog } from './log/redis-event-log.js'

/** What the log tells its owner about, besides the events it delivers. */
export interface LogHooks {
  /** The failures the log recovers from by itself. */
  readonly warn: (err: unknown, message: string) => void
  /** Metrics that SQLite retention removed from the catalog. */
  readonly onForget?: (metrics: readonly string[]) => void
  /** Redis lost acknowledged data; the log goes on from `continuesFromId`. */
  readonly onDataLoss?: (continuesFromId: EventId) => void
}

/** The log `config.store` names: SQLite under `config.dataDir`, or Redis at `config.redisUrl`. */
export async function openLog (config: Config, { warn, onForget, onDataLoss }: LogHooks): Promise<EventLog> {
  if (config.store === 'redis') {
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
  return DurableEventLog.open({
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
