import type { EventId, StoredEvent } from '../core/event.js'
import type { TopicFilter } from '../core/topic-filter.js'

/** Default delay between a publish and the write that carries it, in ms. */
export const DEFAULT_FLUSH_MS = 25
/** Default number of writes a flush makes before it lets the event loop run (publishes, new clients). */
export const DEFAULT_SENDS_PER_SLICE = 1000

/**
 * What the hub needs of a client. `SseConnection` matches it by shape, so the
 * hub knows nothing of sockets.
 */
export interface Subscriber {
  /** Id of the newest event the client already has; the hub never sends it anything at or below. */
  lastId: EventId
  /** Queues encoded SSE bytes. Must not throw: cutting off a slow client is the subscriber's business. */
  send: (chunk: Buffer) => void
}

/** Handle returned by `subscribe`; unsubscribing twice is harmless. */
export interface Subscription {
  unsubscribe: () => void
}

/** Cumulative counters, read by self-metrics. */
export interface HubStats {
  readonly subscribers: number
  /** Points handed to `publish`. */
  readonly published: number
  /** Points written to subscribers, counted once per subscriber. */
  readonly delivered: number
}

export interface HubOptions {
  /** Encodes one event as SSE text; called once per event, whatever the number of subscribers. */
  readonly encode: (event: StoredEvent) => string
  /** Coalescing delay in ms (default 25): every subscriber gets all points of a tick in one write. */
  readonly flushMs?: number
  /** Newest id already stored before this hub started (default 0), so resumes replay up to it. */
  readonly lastPublishedId?: EventId
  /** Writes per slice of a flush pass (default 1,000); between slices the event loop runs. */
  readonly sendsPerSlice?: number
}

/** One tick's frames for a group, joined once and shared by every member's write. */
interface Batch {
  readonly ids: readonly EventId[]
  readonly frames: readonly string[]
  readonly chunk: Buffer
  offsets?: number[]
}

/** Subscribers that share one filter, and the frames they have not been sent yet. */
interface Group {
  readonly filter: TopicFilter
  readonly members: Set<Subscriber>
  ids: EventId[]
  frames: string[]
}

/** One subscriber's place in its filter group. */
class GroupSubscription implements Subscription {
  readonly #leave: (group: Group, subscriber: Subscriber) => void
  readonly #group: Group
  readonly #subscriber: Subscriber

  constructor (leave: (group: Group, subscriber: Subscriber) => void, group: Group, subscriber: Subscriber) {
    this.#leave = leave
    this.#group = group
    this.#subscriber = subscriber
  }

  unsubscribe (): void {
    this.#leave(this.#group, this.#subscriber)
  }
}

/**
 * Fans stored events out to subscribers. Subscribers are grouped by filter so a
 * point is matched once per distinct filter and encoded once in all; each group
 * gets one buffer per tick, written to each member in a single call.
 */
export class Hub {
  readonly #encode: (event: StoredEvent) => string
  readonly #flushMs: number
  readonly #sendsPerSlice: number
  readonly #groups = new Map<string, Group>()
  #flushTimer: NodeJS.Timeout | undefined
  /** The flush pass under way, resumed slice by slice. */
  #pass: Generator<void> | undefined
  #lastPublishedId: EventId = 0
  #subscribers = 0
  #published = 0
  #delivered = 0

  constructor (options: HubOptions) {
    this.#encode = options.encode
    this.#flushMs = options.flushMs ?? DEFAULT_FLUSH_MS
    this.#lastPublishedId = options.lastPublishedId ?? 0
    this.#sendsPerSlice = options.sendsPerSlice ?? DEFAULT_SENDS_PER_SLICE
  }

  /** Id of the newest event handed to `publish`. */
  get lastPublishedId (): EventId {
    return this.#lastPublishedId
  }

  get stats (): HubStats {
    return { subscribers: this.#subscribers, published: this.#published, delivered: this.#delivered }
  }

  /**
   * Adds a subscriber. It receives every matching event with an id above its
   * `lastId` that is published from now on, including ones still waiting for
   * the next flush, so a client that has replayed up to `lastPublishedId` joins
   * with no gap and no duplicate.
   */
  subscribe (filter: TopicFilter, subscriber: Subscriber): Subscription {
    let group = this.#groups.get(filter.key)
    if (group === undefined) {
      group = { filter, members: new Set(), ids: [], frames: [] }
      this.#groups.set(filter.key, group)
    }
    group.members.add(subscriber)
    this.#subscribers++
    return new GroupSubscription(this.#leave, group, subscriber)
  }

  /** Shared by every subscription, so an idle client costs no closure of its own. */
  readonly #leave = (group: Group, subscriber: Subscriber): void => {
    if (!group.members.delete(subscriber)) return
    this.#subscribers--
    if (group.members.size === 0 && this.#groups.get(group.filter.key) === group) this.#groups.delete(group.filter.key)
  }

  /** Queues events (ascending ids) for every matching subscriber. Never waits on a subscriber. */
  publish (events: readonly StoredEvent[]): void {
    if (events.length === 0) return
    for (const event of events) {
      let frame: string | undefined
      for (const group of this.#groups.values()) {
        if (!group.filter.matches(event.metric)) continue
        frame ??= this.#encode(event)
        group.ids.push(event.id)
        group.frames.push(frame)
      }
    }
    this.#published += events.length
    this.#lastPublishedId = events[events.length - 1]!.id
    this.#flushTimer ??= setTimeout(() => this.flush(), this.#flushMs)
  }

  /** Sends the same bytes to every subscriber, whatever its filter (heartbeats, shutdown notices). */
  broadcast (chunk: Buffer): void {
    for (const group of this.#groups.values()) {
      for (const member of group.members) member.send(chunk)
    }
  }

  /**
   * Writes everything queued, one write per subscriber. The first slice goes
   * out at once; a pass over many subscribers continues in later turns of the
   * event loop, so publishes and new clients are not held up behind it.
   */
  flush (): void {
    clearTimeout(this.#flushTimer)
    this.#flushTimer = undefined
    if (this.#pass !== undefined) return // the pass under way schedules the next one when it ends
    this.#pass = this.#sendPending()
    this.#step()
  }

  /** Writes everything queued before returning (shutdown). */
  flushNow (): void {
    while (this.#pass !== undefined) this.#step() // finish the pass under way, then write what came since
    this.flush()
    while (this.#pass !== undefined) this.#step()
  }

  /** Stops the flush timer; subscribers are closed by their owners. */
  close (): void {
    clearTimeout(this.#flushTimer)
    this.#flushTimer = undefined
  }

  readonly #step = (): void => {
    const pass = this.#pass
    if (pass === undefined) return
    if (pass.next().done !== true) {
      setImmediate(this.#step)
      return
    }
    this.#pass = undefined
    for (const group of this.#groups.values()) {
      if (group.ids.length > 0) this.#flushTimer ??= setTimeout(() => this.flush(), this.#flushMs)
    }
  }

  /** A flush pass; yields after every `sendsPerSlice` writes. */
  * #sendPending (): Generator<void> {
    let sends = 0
    for (const group of [...this.#groups.values()]) {
      if (group.ids.length === 0) continue
      const batch: Batch = { ids: group.ids, frames: group.frames, chunk: Buffer.from(group.frames.join('')) }
      group.ids = []
      group.frames = []
      for (const member of group.members) {
        if (!this.#sendBatch(member, batch)) continue
        if (++sends < this.#sendsPerSlice) continue
        sends = 0
        yield
      }
    }
  }

  /** Sends a member what it has not had of the batch; false when it had it all. */
  #sendBatch (member: Subscriber, batch: Batch): boolean {
    const { ids, chunk } = batch
    const lastId = ids[ids.length - 1]!
    if (member.lastId >= lastId) return false
    if (member.lastId < ids[0]!) {
      member.send(chunk)
      this.#delivered += ids.length
    } else {
      // Rare: a client that joined after replaying part of this tick gets only the rest.
      batch.offsets ??= byteOffsets(batch.frames)
      const from = firstIndexAbove(ids, member.lastId)
      member.send(chunk.subarray(batch.offsets[from]))
      this.#delivered += ids.length - from
    }
    member.lastId = lastId
    return true
  }
}

/** Start offset in bytes of each frame within the joined chunk. */
function byteOffsets (frames: readonly string[]): number[] {
  const offsets: number[] = []
  let at = 0
  for (const frame of frames) {
    offsets.push(at)
    at += Buffer.byteLength(frame)
  }
  return offsets
}

/** Index of the first id greater than `id` in an ascending list (binary search). */
function firstIndexAbove (ids: readonly EventId[], id: EventId): number {
  let low = 0
  let high = ids.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (ids[mid]! <= id) low = mid + 1
    else high = mid
  }
  return low
}
