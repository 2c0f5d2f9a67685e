import { extname } from 'node:path'
import { Worker } from 'node:worker_threads'
import { StoreUnavailableError } from '../errors.js'
import type { ReadRequest } from './read-queries.js'
import type { PoolResults, ReadMessage, ReadReply } from './read-worker.js'

/** Default number of reader threads. */
export const DEFAULT_READ_THREADS = 2
/** Default wait before a dead reader is replaced, in ms; keeps a reader that cannot start from spinning. */
export const DEFAULT_RESPAWN_DELAY_MS = 250

// From source the worker is read-worker.ts (run through the same loader as
// this file); from the bundle it is read-worker.js beside main.js.
const WORKER_URL = new URL(`./read-worker${extname(new URL(import.meta.url).pathname)}`, import.meta.url)

interface Pending {
  readonly resolve: (result: unknown) => void
  readonly reject: (err: Error) => void
}

interface Reader {
  readonly worker: Worker
  readonly pending: Map<number, Pending>
}

/** An Error for what a dead worker reported, keeping SQLite's `code`. */
function asError (reported: unknown): Error {
  if (reported instanceof Error) return reported
  const code = typeof reported === 'object' && reported !== null && 'code' in reported ? String(reported.code) : undefined
  return Object.assign(new Error(`read worker failed: ${code ?? String(reported)}`), { code })
}

/**
 * Runs reads of the SQLite file on worker threads, each with its own
 * read-only connection, so a long history query or replay never blocks the
 * event loop. A request goes to the reader with the fewest in flight; a
 * reader that dies fails its requests and is replaced after a short delay.
 */
export class ReadPool {
  readonly #path: string
  readonly #respawnDelayMs: number
  readonly #readers: Reader[] = []
  #seq = 0
  #closed = false

  /**
   * @param path the database file
   * @param threads reader threads (default 2)
   * @param respawnDelayMs wait before a dead reader is replaced (default 250 ms)
   */
  constructor (path: string, threads = DEFAULT_READ_THREADS, respawnDelayMs = DEFAULT_RESPAWN_DELAY_MS) {
    this.#path = path
    this.#respawnDelayMs = respawnDelayMs
    for (let i = 0; i < threads; i++) this.#readers.push(this.#spawn())
  }

  /** Reads sent to a reader thread and not answered yet, in all. */
  get pending (): number {
    return this.#readers.reduce((sum, reader) => sum + reader.pending.size, 0)
  }

  /** Runs one read on a worker thread. */
  async run<R extends ReadRequest>(request: R): Promise<PoolResults[R['op']]> {
    if (this.#closed) throw new Error('the read pool is closed')
    if (this.#readers.length === 0) throw new StoreUnavailableError('the history reader', new Error('no reader thread is running; one is being restarted'))
    const reader = this.#readers.reduce((best, r) => (r.pending.size < best.pending.size ? r : best))
    const seq = ++this.#seq
    return await new Promise((resolve, reject) => {
      reader.pending.set(seq, { resolve: resolve as (result: unknown) => void, reject })
      const message: ReadMessage = { seq, request }
      reader.worker.postMessage(message)
    })
  }

  async close (): Promise<void> {
    this.#closed = true
    await Promise.all(this.#readers.map(async ({ worker }) => await worker.terminate()))
  }

  #spawn (): Reader {
    const reader: Reader = { worker: new Worker(WORKER_URL, { workerData: { path: this.#path } }), pending: new Map() }
    reader.worker.unref()
    reader.worker.on('message', (reply: ReadReply) => {
      const pending = reader.pending.get(reply.seq)
      reader.pending.delete(reply.seq)
      if ('error' in reply) pending?.reject(new Error(reply.error))
      else pending?.resolve(reply.result)
    })
    const fail = (err: Error): void => {
      for (const { reject } of reader.pending.values()) reject(err)
      reader.pending.clear()
      const index = this.#readers.indexOf(reader)
      if (this.#closed || index === -1) return
      this.#readers.splice(index, 1)
      setTimeout(() => { if (!this.#closed) this.#readers.push(this.#spawn()) }, this.#respawnDelayMs).unref()
    }
    // A worker killed by a SqliteError hands over a plain object such as { code: 'SQLITE_CANTOPEN' }.
    reader.worker.on('error', (err: unknown) => fail(asError(err)))
    reader.worker.on('exit', (code) => fail(new Error(`read worker exited with code ${code}`)))
    return reader
  }
}
