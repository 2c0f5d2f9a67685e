/**
 * The store's expected failures. Each carries the HTTP status and public
 * `PB_ERR_*` code a client is answered with (http/error-handler.ts answers
 * every error by those two fields); they stay plain classes so log/ needs no
 * Fastify. Start-up prints the message of a StoreOpenError as one line.
 */

/** One line, whatever the cause: SQLite and fs messages are short, but be sure. */
function describe (cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause)
  return message.replace(/\s*\n\s*/g, ' ')
}

/** The database could not be opened: a directory that cannot be created or written, or a file that is not a database. */
export class StoreOpenError extends Error {
  readonly statusCode = 503
  readonly code = 'PB_ERR_STORE_UNAVAILABLE'
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
  readonly statusCode = 503
  readonly code = 'PB_ERR_STORE_UNAVAILABLE'
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

/** The store (Redis, the cluster primary, the reader threads) did not answer; nothing of the request is acknowledged. */
export class StoreUnavailableError extends Error {
  readonly statusCode = 503
  readonly code = 'PB_ERR_STORE_UNAVAILABLE'

  /** @param store what did not answer, as a reader of the message knows it: "Redis", "the cluster primary" */
  constructor (store: string, cause: unknown) {
    super(`${store} is unavailable: ${describe(cause)}`, { cause })
    this.name = 'StoreUnavailableError'
  }
}

/** An append would take the catalog past `maxMetrics`; nothing of it was stored. */
export class MetricLimitError extends Error {
  readonly statusCode = 409
  readonly code = 'PB_ERR_METRIC_LIMIT'

  constructor (maxMetrics: number) {
    super(`the server already tracks its limit of ${maxMetrics} distinct metrics`)
    this.name = 'MetricLimitError'
  }
}

/** A history read found `maxQueuedReads` reads already waiting for a reader thread; the client may retry. */
export class ReadQueueFullError extends Error {
  readonly statusCode = 503
  readonly code = 'PB_ERR_OVERLOADED'

  constructor (maxQueuedReads: number) {
    super(`${maxQueuedReads} history reads are already waiting`)
    this.name = 'ReadQueueFullError'
  }
}

/** Redis lost points it had acknowledged; ids go on from `continuesFromId`, above every id delivered before. */
export class RedisDataLossError extends Error {
  readonly statusCode = 503
  readonly code = 'PB_ERR_STORE_UNAVAILABLE'
  /** First id the stream can continue with; resuming from below `continuesFromId - 1` earns `event: reset`. */
  readonly continuesFromId: number

  constructor (continuesFromId: number) {
    super(`Redis lost acknowledged data; the stream continues from id ${continuesFromId}`)
    this.name = 'RedisDataLossError'
    this.continuesFromId = continuesFromId
  }
}

/** A store error raised in another process (the cluster primary), with its status and code kept so it gets the same answer. */
export class RemoteStoreError extends Error {
  readonly statusCode: number | undefined
  readonly code: string | undefined

  constructor (statusCode: number | undefined, code: string | undefined, message: string) {
    super(message)
    this.name = 'RemoteStoreError'
    this.statusCode = statusCode
    this.code = code
  }
}
