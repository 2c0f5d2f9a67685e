import { Worker } from 'node:worker_threads'

/** Subscribers opened per ramp step; the next step starts once all have their response headers. */
export const DEFAULT_RAMP_BATCH = 500

/** Longest wait for one worker to answer a request, in ms. */
const REQUEST_TIMEOUT_MS = 60_000

/** Counters summed over every worker since the last `reset`. */
export interface PoolStats {
  /** Frames seen (occurrences of the pool's `mark`). */
  readonly received: number
  /** `: ping` heartbeat comments seen. */
  readonly pings: number
  /** Wall-clock time of the newest frame, ms since the epoch (0 if none). */
  readonly lastArrivalMs: number
  /** Streams that had started and were later closed (by the server, e.g. as slow consumers). */
  readonly closed: number
  /** Streams open now. */
  readonly open: number
}

export interface PoolOptions {
  /** Port of the server; with several (instances sharing one store), subscriber i connects to `port[i % length]`. */
  readonly port: number | readonly number[]
  readonly subscribers: number
  /** Request path of subscriber `i`, e.g. `/api/stream?metrics=bench.*`. */
  readonly path: (i: number) => string
  /** Marker counted once per frame: `event: metric` for Pulseboard, `data: ` for the naive server. */
  readonly mark: string
  /** Worker threads sharing the sockets (default 2). */
  readonly workers?: number
  /** Every n-th subscriber parses `"ts":` for latency (default 50, i.e. 2%). */
  readonly sampleEvery?: number
  /** Subscribers per ramp step (default 500). */
  readonly rampBatch?: number
  /** Time allowed for one subscriber to get its response headers, in ms (default 10000). */
  readonly connectTimeoutMs?: number
  /** Called after each ramp step with the number connected so far. */
  readonly onStep?: (connected: number) => void
}

interface Reply { id: number, result: unknown }

/** One worker thread and its pending requests. */
class PoolWorker {
  readonly #worker: Worker
  readonly #pending = new Map<number, (result: unknown) => void>()
  #nextId = 0

  constructor (mark: string) {
    this.#worker = new Worker(new URL('./subscriber-worker.mjs', import.meta.url), { workerData: { mark } })
    this.#worker.on('message', ({ id, result }: Reply) => {
      this.#pending.get(id)?.(result)
      this.#pending.delete(id)
    })
    this.#worker.on('error', (err) => { throw new Error('subscriber worker failed', { cause: err }) })
  }

  async request<T> (op: string, args?: unknown): Promise<T> {
    const id = this.#nextId++
    return await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`subscriber worker did not answer ${op} within ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS)
      this.#pending.set(id, (result) => { clearTimeout(timer); resolve(result as T) })
      this.#worker.postMessage({ id, op, args })
    })
  }

  async terminate (): Promise<void> {
    await this.#worker.terminate()
  }
}

/**
 * SSE subscribers over raw sockets, held by worker threads so that reading
 * them is not what limits the benchmark. The workers count frames with
 * `Buffer.indexOf` and parse timestamps on a sample of clients only.
 */
export class SubscriberPool {
  readonly #workers: PoolWorker[]
  #connected = 0

  private constructor (workers: PoolWorker[]) {
    this.#workers = workers
  }

  /** Opens every subscriber, ramped, and resolves once each has its headers or has failed. */
  static async open (options: PoolOptions): Promise<SubscriberPool> {
    const pool = new SubscriberPool(Array.from({ length: options.workers ?? 2 }, () => new PoolWorker(options.mark)))
    const rampBatch = options.rampBatch ?? DEFAULT_RAMP_BATCH
    const sampleEvery = options.sampleEvery ?? 50
    const ports = typeof options.port === 'number' ? [options.port] : options.port
    for (let start = 0; start < options.subscribers; start += rampBatch) {
      const end = Math.min(options.subscribers, start + rampBatch)
      const shares = pool.#workers.map((worker, w) => {
        const clients = []
        for (let i = start + w; i < end; i += pool.#workers.length) clients.push({ port: ports[i % ports.length], path: options.path(i), sampled: i % sampleEvery === 0 })
        return worker.request<{ connected: number }>('open', { clients, timeoutMs: options.connectTimeoutMs ?? 10_000 })
      })
      const connected = (await Promise.all(shares)).reduce((sum, share) => sum + share.connected, 0)
      // A step where nobody got in means the server refuses streams: stop rather than time out step after step.
      if (connected === 0) break
      pool.#connected += connected
      options.onStep?.(pool.#connected)
    }
    return pool
  }

  /** Subscribers that received response headers with status 200. */
  get connected (): number {
    return this.#connected
  }

  async stats (): Promise<PoolStats> {
    const all = await Promise.all(this.#workers.map(async (w) => await w.request<PoolStats>('stats')))
    const sum = (key: keyof PoolStats): number => all.reduce((total, s) => total + s[key], 0)
    return { received: sum('received'), pings: sum('pings'), lastArrivalMs: Math.max(0, ...all.map((s) => s.lastArrivalMs)), closed: sum('closed'), open: sum('open') }
  }

  /** Zeroes the frame and ping counters and drops latency samples (between warm-up and measurement). */
  async reset (): Promise<void> {
    await Promise.all(this.#workers.map(async (w) => await w.request('reset')))
  }

  /** Latency samples in ms since the last reset: arrival time minus the point's `ts`. */
  async latencies (): Promise<number[]> {
    const parts = await Promise.all(this.#workers.map(async (w) => await w.request<Float64Array>('latencies')))
    return parts.flatMap((part) => [...part])
  }

  /**
   * Polls until `received` reaches `expected` or `timeoutMs` passes; returns the last stats.
   * Polled every 50 ms, so the bound on iterations is timeoutMs / 50.
   */
  async waitFor (expected: number, timeoutMs: number): Promise<PoolStats> {
    const deadline = Date.now() + timeoutMs
    let stats = await this.stats()
    while (stats.received < expected && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      stats = await this.stats()
    }
    return stats
  }

  async close (): Promise<void> {
    await Promise.all(this.#workers.map(async (w) => await w.request('close')))
    await Promise.all(this.#workers.map(async (w) => await w.terminate()))
  }
}
