import type { EventId, HistoryBucket, Json, MetricPoint, StoredEvent } from '../../core/event.js'
import { RemoteStoreError, StoreUnavailableError } from '../errors.js'
import type { BucketQuery, EventLog, HistoryQuery, StoreState } from '../event-log.js'
import { MirroredLog } from '../mirrored-log.js'
import { isLogMessage, type IpcChannel, type LogOp, type LogPosition } from './ipc-protocol.js'

interface Pending {
  readonly resolve: (value: unknown) => void
  readonly reject: (err: Error) => void
}

/**
 * A cluster worker's EventLog: every call goes to the primary, which owns the
 * SQLite log, over IPC. The primary sends each committed batch to every
 * worker; `onAppended` hands them on, and they keep this worker's catalog and
 * latest id current, so the sync methods answer without a round trip.
 */
export class IpcEventLog extends MirroredLog implements EventLog {
  readonly #channel: IpcChannel
  readonly #pending = new Map<number, Pending>()
  #nextCall = 1
  #deliveredId: EventId = 0
  #closed = false
  /** Batches that arrive before the initial state, replayed against it once it is in. */
  readonly #early: StoredEvent[][] = []
  #ready = false

  /** Attaches to the primary and loads its ids and catalog. */
  static async connect (channel: IpcChannel): Promise<IpcEventLog> {
    const log = new IpcEventLog(channel)
    const position = await log.#call('position', [true]) as LogPosition
    log.#deliveredId = position.latestId
    log.load(position)
    log.#ready = true
    for (const events of log.#early.splice(0)) log.#deliverFresh(events)
    return log
  }

  private constructor (channel: IpcChannel) {
    super()
    this.#channel = channel
    channel.onMessage((message) => this.#receive(message))
    channel.onDisconnect(() => this.#failAll())
  }

  async append (points: readonly MetricPoint[]): Promise<StoredEvent[]> {
    const events = await this.#call('append', [points]) as StoredEvent[]
    this.appended(events.at(-1)?.id ?? 0)
    return events
  }

  async readAfter (afterId: EventId, limit: number): Promise<StoredEvent[]> {
    return await this.#call('readAfter', [afterId, limit]) as StoredEvent[]
  }

  async history (metric: string, query: HistoryQuery): Promise<Json<StoredEvent[]> | undefined> {
    return await this.#call('history', [metric, query]) as Json<StoredEvent[]> | undefined
  }

  async buckets (metric: string, query: BucketQuery): Promise<Json<HistoryBucket[]> | undefined> {
    return await this.#call('buckets', [metric, query]) as Json<HistoryBucket[]> | undefined
  }

  async sync (): Promise<void> {
    this.load(await this.#call('position', [false]) as LogPosition)
  }

  state (): StoreState {
    return { kind: 'primary', state: !this.#closed && this.#channel.connected() ? 'up' : 'down' }
  }

  /** Stops delivering batches; calls still waiting are refused. The primary owns the log and closes it. */
  async close (): Promise<void> {
    this.#closed = true
    this.stopListeners()
    this.#failAll()
  }

  async #call (op: LogOp, args: readonly unknown[]): Promise<unknown> {
    if (this.#closed || !this.#channel.connected()) throw new StoreUnavailableError('the cluster primary', new Error('IPC channel closed'))
    const id = this.#nextCall++
    return await new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      this.#channel.send({ pb: 'call', id, op, args })
    })
  }

  #receive (message: unknown): void {
    if (!isLogMessage(message)) return
    if (message.pb === 'events') {
      this.retained(message.oldestId)
      if (this.#ready) this.#deliverFresh(message.events)
      else this.#early.push(message.events)
      return
    }
    if (message.pb === 'forget') {
      // Before the initial state this changes nothing: that state is loaded over it.
      this.forget(message.metrics, message.upToId)
      return
    }
    if (message.pb === 'call') return
    const pending = this.#pending.get(message.id)
    this.#pending.delete(message.id)
    if (message.pb === 'reply') pending?.resolve(message.value)
    else pending?.reject(new RemoteStoreError(message.statusCode, message.code, message.message))
  }

  /** Hands on the events not delivered yet; the primary sends each batch once, but a batch may predate the initial state. */
  #deliverFresh (events: readonly StoredEvent[]): void {
    const fresh = events.filter((event) => event.id > this.#deliveredId)
    if (fresh.length === 0) return
    this.#deliveredId = fresh.at(-1)!.id
    this.deliver(fresh)
  }

  #failAll (): void {
    const error = new StoreUnavailableError('the cluster primary', new Error('IPC channel closed'))
    for (const pending of this.#pending.values()) pending.reject(error)
    this.#pending.clear()
  }
}
