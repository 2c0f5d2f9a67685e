import type { Config } from './config.js'
import { DurableEventLog } from './log/durable-event-log.js'
import type { EventLog } from './log/event-log.js'
import { RedisEventLog } from './log/redis-event-log.js'

/**
 * The log `config.broker` names: SQLite under `config.dataDir`, or Redis at
 * `config.redisUrl`. `warn` gets the failures the log recovers from by itself;
 * `onForget` the metrics that SQLite retention removes from the catalog.
 */
export async function openLog (config: Config, warn: (err: unknown, message: string) => void, onForget?: (metrics: readonly string[]) => void): Promise<EventLog> {
  if (config.broker === 'redis') {
    return await RedisEventLog.open({
      // parseConfig refuses BROKER=redis without REDIS_URL.
      url: config.redisUrl ?? '',
      maxLen: config.redisMaxLen,
      historyPoints: config.redisHistoryPoints,
      maxMetrics: config.maxMetrics,
      maxHistoryPoints: config.maxHistoryPoints,
      retentionMs: config.retentionMs,
      recoveryMs: config.redisRecoveryMs,
      onError: (err) => warn(err, 'Redis connection or read failed; retrying'),
      onDataLoss: (err) => warn(err, 'Redis lost acknowledged data; ids go on above every id delivered before')
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
