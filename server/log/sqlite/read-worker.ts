import { setPriority } from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import type { HistoryBucket, Json, StoredEvent } from '../../core/event.js'
import { prepareReads, type ReadRequest } from './read-queries.js'

/** Scheduling niceness of reader threads (0 normal, 19 lowest). */
const READER_NICE = 19

/** What the pool sends: a request and the number to answer it under. */
export interface ReadMessage {
  readonly seq: number
  readonly request: ReadRequest
}

/**
 * What each read answers once it crosses to the main thread. Replays come
 * back as objects (the caller filters and encodes them per client); history
 * and buckets come back as UTF-8 JSON made here and transferred, so the main
 * thread neither clones nor serialises thousands of objects for them.
 */
export interface PoolResults {
  readAfter: StoredEvent[]
  history: Json<StoredEvent[]>
  buckets: Json<HistoryBucket[]>
}

/** What the worker answers: the result, or the error message. */
export type ReadReply = { readonly seq: number, readonly result: unknown } | { readonly seq: number, readonly error: string }

// On Linux, priority 0 means this thread alone: readers yield the core to the
// event loop whenever both want it, so heavy history reads cannot stall streams.
setPriority(0, READER_NICE)

// A read-only connection of its own: WAL lets it read while the main thread commits.
const db = new Database((workerData as { path: string }).path, { readonly: true, fileMustExist: true })
const run = prepareReads(db)

/* c8 ignore start: runs on a worker thread, whose coverage is not collected; read-pool tests exercise it */
parentPort!.on('message', ({ seq, request }: ReadMessage) => {
  let reply: ReadReply
  let transfer: ArrayBuffer[] = []
  try {
    const result = run(request)
    if (request.op === 'readAfter') {
      reply = { seq, result }
    } else {
      const json = new TextEncoder().encode(JSON.stringify(result))
      transfer = [json.buffer]
      reply = { seq, result: json }
    }
  } catch (err) {
    reply = { seq, error: err instanceof Error ? err.message : String(err) }
  }
  parentPort!.postMessage(reply, transfer)
})
/* c8 ignore stop */
