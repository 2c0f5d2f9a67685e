import type { Redis } from 'ioredis'
import type { EventId, StoredEvent } from '../../core/event.js'
import { entriesToEvents, type StreamEntry } from './redis-scripts.js'

/** Default entries one XREAD returns at most. */
export const DEFAULT_READ_COUNT = 1000
/** Default time one XREAD waits for new entries, in ms; the loop then asks again. */
export const DEFAULT_BLOCK_MS = 5000
/** First wait after a failed read, in ms; it doubles up to {@link MAX_BACKOFF_MS}. */
export const MIN_BACKOFF_MS = 50
/** Longest wait between two failed reads, in ms. */
export const MAX_BACKOFF_MS = 2000

/** Wait before retry number `attempt` (1, 2, …), in ms: 50, 100, 200, … up to 2,000. */
export function backoffMs (attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** Math.min(attempt - 1, 16))
}

export interface ReadLoopOptions {
  /** A connection of its own: XREAD BLOCK holds it for up to `blockMs`. */
  readonly redis: Redis
  readonly streamKey: string
  /** Read what comes after this id. */
  readonly afterId: EventId
  /** Gets every new event once, in id order. */
  readonly onEvents: (events: StoredEvent[]) => void
  /** Called for each failed read; the loop waits (backoff) and reads again from the same id. */
  readonly onError: (err: unknown) => void
  /** Entries per read (default 1,000). */
  readonly count?: number
  /** Wait per read in ms (default 5,000). */
  readonly blockMs?: number
}

/**
 * One reading loop per process over the shared stream: XREAD BLOCK from the
 * last id it delivered, so after a failure or a Redis restart it resumes where
 * it stopped and delivers no id twice and none out of order.
 */
export class RedisReadLoop {
  readonly #options: ReadLoopOptions
  readonly #done: Promise<void>
  #lastId: EventId
  #failures = 0
  #stopped = false
  #wake: (() => void) | undefined

  constructor (options: ReadLoopOptions) {
    this.#options = options
    this.#lastId = options.afterId
    this.#done = this.#run()
  }

  /** True while reads succeed; false from a failed read until the next good one. */
  get healthy (): boolean {
    return this.#failures === 0
  }

  /** Stops reading and closes the connection; resolves once the loop has ended. */
  async stop (): Promise<void> {
    this.#stopped = true
    this.#wake?.()
    this.#options.redis.disconnect()
    await this.#done
  }

  async #run (): Promise<void> {
    const { redis, streamKey } = this.#options
    const count = this.#options.count ?? DEFAULT_READ_COUNT
    const blockMs = this.#options.blockMs ?? DEFAULT_BLOCK_MS
    while (!this.#stopped) {
      try {
        const reply = await redis.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', streamKey, `${this.#lastId}-0`) as Array<[string, StreamEntry[]]> | null
        this.#failures = 0
        for (const [, entries] of reply ?? []) this.#deliver(entriesToEvents<StoredEvent>(entries))
      } catch (err) {
        if (this.#stopped) return
        this.#failures++
        this.#options.onError(err)
        await this.#pause(backoffMs(this.#failures))
      }
    }
  }

  /**
   * XREAD starts after `#lastId` and a stream only grows, so each event comes once,
   * in order. A reply that is not null holds at least one entry.
   */
  #deliver (events: StoredEvent[]): void {
    this.#lastId = events.at(-1)!.id
    this.#options.onEvents(events)
  }

  async #pause (ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      this.#wake = () => { clearTimeout(timer); resolve() }
    })
    this.#wake = undefined
  }
}
