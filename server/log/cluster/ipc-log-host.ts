import type { EventId, StoredEvent } from '../../core/event.js'
import type { EventLog } from '../event-log.js'
import { isLogMessage, type IpcChannel, type LogMessage, type LogPosition } from './ipc-protocol.js'

/**
 * The primary's side of the cluster log: answers workers' calls on the one
 * SQLite log the primary owns, and sends every batch it commits to every
 * worker, in id order, so each can feed its own hub.
 */
export class IpcLogHost {
  readonly #log: EventLog
  readonly #channels = new Set<IpcChannel>()

  constructor (log: EventLog) {
    this.#log = log
    // The log is the primary's and closes with it, which ends this subscription too.
    log.onAppended((events) => this.#broadcast(events))
  }

  /** Serves one worker until its channel closes. */
  attach (channel: IpcChannel): void {
    this.#channels.add(channel)
    channel.onDisconnect(() => this.#channels.delete(channel))
    channel.onMessage((message) => {
      if (!isLogMessage(message) || message.pb !== 'call') return
      this.#run(message.op, message.args).then(
        (value) => this.#send(channel, { pb: 'reply', id: message.id, value }),
        (err: unknown) => this.#send(channel, { pb: 'fail', id: message.id, ...describe(err) })
      )
    })
  }

  async #run (op: string, args: readonly unknown[]): Promise<unknown> {
    const log = this.#log
    switch (op) {
      case 'append': return await log.append(args[0] as StoredEvent[])
      case 'readAfter': return await log.readAfter(args[0] as number, args[1] as number)
      case 'history': return await log.history(args[0] as string, args[1] as Parameters<EventLog['history']>[1])
      case 'buckets': return await log.buckets(args[0] as string, args[1] as Parameters<EventLog['buckets']>[1])
      default: {
        const state: LogPosition = { latestId: log.latestId(), oldestId: log.oldestId(), ...(args[0] === true ? { catalog: log.catalog() } : {}) }
        return state
      }
    }
  }

  /** Tells every worker that retention removed these metrics, none of which had a point above `upToId`. */
  forget (metrics: readonly string[], upToId: EventId): void {
    const message: LogMessage = { pb: 'forget', metrics, upToId }
    for (const channel of this.#channels) this.#send(channel, message)
  }

  /** Sends a committed batch to every worker, ahead of the replies to the appends in it. */
  #broadcast (events: StoredEvent[]): void {
    const message: LogMessage = { pb: 'events', events, oldestId: this.#log.oldestId() }
    for (const channel of this.#channels) this.#send(channel, message)
  }

  #send (channel: IpcChannel, message: LogMessage): void {
    // A worker that has gone away misses nothing it could still use.
    if (channel.connected()) channel.send(message)
  }
}

/** What a worker needs to give a client the same answer as the primary would. */
function describe (err: unknown): { statusCode: number | undefined, code: string | undefined, message: string } {
  const fields: { statusCode?: unknown, code?: unknown } = typeof err === 'object' && err !== null ? err : {}
  return {
    statusCode: typeof fields.statusCode === 'number' ? fields.statusCode : undefined,
    code: typeof fields.code === 'string' ? fields.code : undefined,
    message: err instanceof Error ? err.message : String(err)
  }
}
