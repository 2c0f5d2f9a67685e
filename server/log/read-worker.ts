import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { prepareReads, type ReadRequest } from './read-queries.js'

/** What the pool sends: a request and the number to answer it under. */
export interface ReadMessage {
  readonly seq: number
  readonly request: ReadRequest
}

/** What the worker answers: the result, or the error message. */
export type ReadReply = { readonly seq: number, readonly result: unknown } | { readonly seq: number, readonly error: string }

// A read-only connection of its own: WAL lets it read while the main thread commits.
const db = new Database((workerData as { path: string }).path, { readonly: true, fileMustExist: true })
const run = prepareReads(db)

parentPort!.on('message', ({ seq, request }: ReadMessage) => {
  let reply: ReadReply
  try {
    reply = { seq, result: run(request) }
  } catch (err) {
    reply = { seq, error: err instanceof Error ? err.message : String(err) }
  }
  parentPort!.postMessage(reply)
})
