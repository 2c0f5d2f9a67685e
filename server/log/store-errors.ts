/**
 * The store's expected failures. Each carries a `code` that app.ts maps onto
 * an HTTP error; start-up prints the message of a StoreOpenError as one line.
 */

/** One line, whatever the cause: SQLite and fs messages are short, but be sure. */
function describe (cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause)
  return message.replace(/\s*\n\s*/g, ' ')
}

/** The database could not be opened: a directory that cannot be created or written, or a file that is not a database. */
export class StoreOpenError extends Error {
  readonly code = 'PB_STORE_OPEN'
  /** The database file. */
  readonly path: string

  constructor (path: string, cause: unknown) {
    super(`cannot open event store ${path}: ${describe(cause)}`, { cause })
    this.name = 'StoreOpenError'
    this.path = path
  }
}

/** A group of appends could not be committed (disk full, read-only, I/O error, log closed); none of it was stored. */
export class StoreWriteError extends Error {
  readonly code = 'PB_STORE_WRITE'
  /** The database file. */
  readonly path: string
  /** SQLite's code for the failure, e.g. `SQLITE_FULL`; undefined when the log was closed. */
  readonly sqliteCode: string | undefined

  constructor (path: string, cause: unknown) {
    super(`cannot write to event store ${path}: ${describe(cause)}`, { cause })
    this.name = 'StoreWriteError'
    this.path = path
    const code: unknown = typeof cause === 'object' && cause !== null && 'code' in cause ? cause.code : undefined
    this.sqliteCode = typeof code === 'string' ? code : undefined
  }
}

/** An append would take the catalog past `maxMetrics`; nothing of it was stored. */
export class MetricLimitError extends Error {
  readonly code = 'PB_STORE_METRIC_LIMIT'

  constructor (maxMetrics: number) {
    super(`the server already tracks its limit of ${maxMetrics} distinct metrics`)
    this.name = 'MetricLimitError'
  }
}

/** A history read found `maxQueuedReads` reads already waiting for a reader thread; the client may retry. */
export class ReadQueueFullError extends Error {
  readonly code = 'PB_STORE_BUSY'

  constructor (maxQueuedReads: number) {
    super(`${maxQueuedReads} history reads are already waiting`)
    this.name = 'ReadQueueFullError'
  }
}

/** The shared broker (Redis, or the cluster primary) did not answer; nothing of the request is acknowledged. */
export class BrokerUnavailableError extends Error {
  readonly code = 'PB_STORE_UNAVAILABLE'

  constructor (broker: string, cause: unknown) {
    super(`${broker} is unavailable: ${describe(cause)}`, { cause })
    this.name = 'BrokerUnavailableError'
  }
}

/** Redis lost points it had acknowledged; ids go on from `continuesFromId`, above every id delivered before. */
export class RedisDataLossError extends Error {
  readonly code = 'PB_STORE_DATA_LOST'
  /** First id the stream can continue with; resuming from below `continuesFromId - 1` earns `event: reset`. */
  readonly continuesFromId: number

  constructor (continuesFromId: number) {
    super(`Redis lost acknowledged data; the stream continues from id ${continuesFromId}`)
    this.name = 'RedisDataLossError'
    this.continuesFromId = continuesFromId
  }
}

/** A store error raised in another process (the cluster primary), with its code kept so it maps to the same answer. */
export class RemoteStoreError extends Error {
  readonly code: string | undefined

  constructor (code: string | undefined, message: string) {
    super(message)
    this.name = 'RemoteStoreError'
    this.code = code
  }
}
