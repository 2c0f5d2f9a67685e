import type { EventId, StoredEvent } from '../core/event.js'
import type { MetricFilter } from '../core/metric-filter.js'
import type { Subscription } from '../core/subscription.js'
import { MetricRoutes } from './metric-routes.js'
import { PendingFrames } from './pending-frames.js'

/** Default delay between a publish and the write that carries it, in ms. */
export const DEFAULT_FLUSH_MS = 25
/**
 * Default number of writes a flush makes before it lets the event loop run (publishes, new clients).
 * A publish needs a few turns of the loop before its points reach the hub, and each turn waits
 * for a slice: slices are kept short so that a large audience does not delay publishing.
 */
export const DEFAULT_SENDS_PER_SLICE = 250
/**
 * Default number of distinct stream filters served at once. Every distinct filter is a
 * group a point may be queued in; dashboards share a handful, so the bound is far above
 * what they need and far below MAX_CLIENTS.
 */
export const DEFAULT_MAX_FILTER_GROUPS = 1000

/**
 * What the hub needs of a client. `SseConnection` matches it by shape, so the
 * hub knows nothing of sockets.
 */
export interface Subscriber {
  /** Id of the newest event the client already has; the hub never sends it anything at or below. */
  lastId: EventId
  /** Set by the hub when it writes points, cleared by each heartbeat: a client that got points needs no ping. */
  sentSinceHeartbeat: boolean
  /** Queues encoded SSE bytes. Must not throw: cutting off a slow client is the subscriber's business. */
  send: (chunk: Buffer) => void
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
  /** Writes per slice of a flush pass (default 250); between slices the event loop runs. */
  readonly sendsPerSlice?: number
  /** Distinct filters served at once (default 1,000); see {@link Hub.admits}. */
  readonly maxFilterGroups?: number
  /** Metric names whose matching groups are remembered (default 10,000: MAX_METRICS's default). */
  readonly maxMetrics?: number
}

/** Subscribers that share one filter, and the frames not all of them have yet. */
interface Group {
  readonly filter: MetricFilter
  readonly members: Set<Subscriber>
  readonly pending: PendingFrames
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
 * Fans stored events out to subscribers. Subscribers are grouped by filter, and
 * each metric name is matched once per group (see MetricRoutes), so a point
 * costs a lookup, not a match per filter, and is encoded once in all; a flush
 * pass writes each member everything it lacks in a single call, from bytes its
 * group joined once.
 */
export class Hub {
  readonly #encode: (event: StoredEvent) => string
  readonly #flushMs: number
  readonly #sendsPerSlice: number
  readonly #groups = new Map<string, Group>()
  readonly #routes: MetricRoutes<Group>
  readonly #maxFilterGroups: number
  /** Groups whose filter tests globs: the ones `maxFilterGroups` bounds. */
  #filteredGroups = 0
  #flushTimer: NodeJS.Timeout | undefined
  /** The flush pass under way, resumed slice by slice. */
  #pass: Generator<void> | undefined
  /** Heartbeat bytes for the next pass to send to quiet subscribers, if one is due. */
  #ping: Buffer | undefined
  #lastPublishedId: EventId = 0
  #subscribers = 0
  #published = 0
  #delivered = 0

  constructor (options: HubOptions) {
    this.#encode = options.encode
    this.#flushMs = options.flushMs ?? DEFAULT_FLUSH_MS
    this.#lastPublishedId = options.lastPublishedId ?? 0
    this.#sendsPerSlice = options.sendsPerSlice ?? DEFAULT_SENDS_PER_SLICE
    this.#maxFilterGroups = options.maxFilterGroups ?? DEFAULT_MAX_FILTER_GROUPS
    this.#routes = new MetricRoutes(options.maxMetrics)
  }

  /** Id of the newest event handed to `publish`. */
  get lastPublishedId (): EventId {
    return this.#lastPublishedId
  }

  get stats (): HubStats {
    return { subscribers: this.#subscribers, published: this.#published, delivered: this.#delivered }
  }

  /**
   * Whether a subscriber with `filter` would be taken: its filter is already served, or
   * fewer than `maxFilterGroups` are, or it matches everything (it costs nothing to
   * match, and the plain dashboard keeps working when others have taken every place).
   * Ask before a replay; `subscribe` itself never refuses, so streams admitted while
   * others replay may pass the bound by their number, never past one group per subscriber.
   */
  admits (filter: MetricFilter): boolean {
    return filter.globCount === 0 || this.#groups.has(filter.key) || this.#filteredGroups < this.#maxFilterGroups
  }

  /**
   * Adds a subscriber. It receives every matching event with an id above its
   * `lastId` that is published from now on, including ones still waiting for
   * the next flush, so a client that has replayed up to `lastPublishedId` joins
   * with no gap and no duplicate.
   */
  subscribe (filter: MetricFilter, subscriber: Subscriber): Subscription {
    let group = this.#groups.get(filter.key)
    if (group === undefined) {
      group = { filter, members: new Set(), pending: new PendingFrames() }
      this.#groups.set(filter.key, group)
      this.#routes.add(group)
      if (filter.globCount > 0) this.#filteredGroups++
    }
    group.members.add(subscriber)
    this.#subscribers++
    return new GroupSubscription(this.#leave, group, subscriber)
  }

  /** Shared by every subscription, so an idle client costs no closure of its own. */
  readonly #leave = (group: Group, subscriber: Subscriber): void => {
    if (!group.members.delete(subscriber)) return
    this.#subscribers--
    if (group.members.size > 0 || this.#groups.get(group.filter.key) !== group) return
    this.#groups.delete(group.filter.key)
    this.#routes.remove(group)
    if (group.filter.globCount > 0) this.#filteredGroups--
  }

  /** Queues events (ascending ids) for every matching subscriber. Never waits on a subscriber. */
  publish (events: readonly StoredEvent[]): void {
    if (events.length === 0) return
    for (const event of events) {
      const groups = this.#routes.groupsFor(event.metric)
      if (groups.length === 0) continue
      const frame = this.#encode(event)
      for (const group of groups) group.pending.push(event.id, frame)
    }
    this.#published += events.length
    this.#lastPublishedId = events[events.length - 1]!.id
    this.#scheduleFlush()
  }

  /** Arms the hub's one flush timer, unless it is already armed. */
  #scheduleFlush (): void {
    this.#flushTimer ??= setTimeout(this.#onFlushTimer, this.#flushMs)
  }

  readonly #onFlushTimer = (): void => {
    this.flush()
  }

  /**
   * Sends `ping` to every subscriber that has been sent no points since the
   * previous heartbeat, in the next flush pass: the pings share the pass's
   * slices instead of stalling the event loop over every client at once, and
   * busy streams, which need no keep-alive, cost nothing. A quiet stream is
   * therefore never silent for two intervals.
   */
  heartbeat (ping: Buffer): void {
    this.#ping = ping
    this.flush()
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
    if (this.#ping !== undefined) {
      this.flush()
      return
    }
    for (const group of this.#groups.values()) {
      if (group.pending.size === 0) continue
      this.#scheduleFlush()
      return
    }
  }

  /**
   * A flush pass; yields after every `sendsPerSlice` writes. Each member is
   * sent everything its group has that it lacks at the moment its turn comes,
   * so points published while the pass is under way reach the members not
   * yet visited in this pass, and the rest in the next.
   */
  * #sendPending (): Generator<void> {
    const ping = this.#ping
    this.#ping = undefined
    let sends = 0
    for (const group of [...this.#groups.values()]) {
      const pending = group.pending
      // Every member visited below gets at least these; members joining meanwhile already have them.
      const settled = pending.size
      if (settled === 0 && ping === undefined) continue
      for (const member of group.members) {
        if (!this.#sendTo(member, pending, ping)) continue
        if (++sends < this.#sendsPerSlice) continue
        sends = 0
        yield
      }
      pending.dropOldest(settled)
    }
  }

  /** Sends a member the pending frames it lacks, or the heartbeat if it is quiet; false when it needed nothing. */
  #sendTo (member: Subscriber, pending: PendingFrames, ping: Buffer | undefined): boolean {
    const quiet = !member.sentSinceHeartbeat
    if (ping !== undefined) member.sentSinceHeartbeat = false
    const from = pending.indexAbove(member.lastId)
    if (from < pending.size) {
      member.send(pending.bytesFrom(from))
      this.#delivered += pending.size - from
      member.lastId = pending.lastId
      member.sentSinceHeartbeat = true
      return true
    }
    if (ping === undefined || !quiet) return false
    member.send(ping)
    return true
  }
}
