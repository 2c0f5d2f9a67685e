import type { MetricPoint, StoredEvent } from './core/event.js'
import type { Hub } from './hub/hub.js'
import type { EventLog } from './log/event-log.js'

/**
 * The one path every point takes, whether it comes from a client or from the
 * server itself: stored first, then fanned out, so a subscriber never sees a
 * point that a restart could lose.
 */
export class Publisher {
  readonly #log: EventLog
  readonly #hub: Hub
  /** False for a shared log: its `follow` feeds the hub with every process's events, these included. */
  readonly #fanOut: boolean

  constructor (log: EventLog, hub: Hub) {
    this.#log = log
    this.#hub = hub
    this.#fanOut = log.follow === undefined
  }

  async publish (points: readonly MetricPoint[]): Promise<StoredEvent[]> {
    const stored = await this.#log.append(points)
    if (this.#fanOut) this.#hub.publish(stored)
    return stored
  }
}
