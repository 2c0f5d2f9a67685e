/**
 * Refusals a client can expect (a full server, a rate limit, a bad request)
 * are counted and logged briefly: one line a second at most per kind and
 * client address, carrying how many refusals it stands for. A client that
 * retries hundreds of times a second then costs a line a second, not a line
 * (and a stack trace) per attempt.
 */

/** Why a request was refused: the server or its per-address cap was full (503), a rate limit (429), or anything else a client sent wrong (4xx). */
export type RefusalKind = 'overloaded' | 'rate_limited' | 'client_error'

/** Refusals so far, by kind. */
export type RefusalCounts = Record<RefusalKind, number>

/** One log line: a refusal of `kind` to `address`, standing for `refused` refusals since the previous line. */
export interface RefusalLine {
  readonly kind: RefusalKind
  readonly address: string
  /** The error code of the latest of them, e.g. `PB_ERR_OVERLOADED`. */
  readonly code: string
  /** Its message. */
  readonly detail: string
  readonly refused: number
}

/** Default interval between two lines for one kind and address, in ms. */
export const DEFAULT_REFUSAL_LOG_INTERVAL_MS = 1000
/** Default most kind-address pairs followed at once; refusals to further addresses share one line per kind. */
export const DEFAULT_REFUSAL_LOG_MAX_KEYS = 1000
/** The address of the shared line once `maxKeys` pairs are followed. */
export const OTHER_ADDRESSES = 'other addresses'

export interface RefusalLogOptions {
  /** Writes one line (at info level or below, without a stack). */
  readonly write: (line: RefusalLine) => void
  /** Least time between two lines for one kind and address, in ms (default 1,000). */
  readonly intervalMs?: number
  /** Most kind-address pairs followed at once (default 1,000). */
  readonly maxKeys?: number
}

/** The kind of an error answer, or undefined when it is not a refusal but a fault (5xx other than overload). */
export function refusalKind (statusCode: number, code: string): RefusalKind | undefined {
  if (code === 'PB_ERR_OVERLOADED') return 'overloaded'
  if (statusCode === 429) return 'rate_limited'
  if (statusCode >= 400 && statusCode < 500) return 'client_error'
  return undefined
}

/** Refusals of one kind to one address since its last line. */
interface Window {
  readonly kind: RefusalKind
  readonly address: string
  code: string
  detail: string
  /** Refusals not yet in a line. */
  pending: number
  /** When the last line for this pair was written, in ms. */
  loggedAt: number
}

/** Counts refusals and writes at most one line per interval for each kind and address. */
export class RefusalLog {
  readonly #counts: RefusalCounts = { overloaded: 0, rate_limited: 0, client_error: 0 }
  /** Keys come from client addresses: a Map, bounded by `maxKeys`. */
  readonly #windows = new Map<string, Window>()
  readonly #write: (line: RefusalLine) => void
  readonly #intervalMs: number
  readonly #maxKeys: number
  readonly #timer: NodeJS.Timeout

  constructor (options: RefusalLogOptions) {
    this.#write = options.write
    this.#intervalMs = options.intervalMs ?? DEFAULT_REFUSAL_LOG_INTERVAL_MS
    this.#maxKeys = options.maxKeys ?? DEFAULT_REFUSAL_LOG_MAX_KEYS
    this.#timer = setInterval(() => this.#flush(), this.#intervalMs).unref()
  }

  /** Refusals so far, by kind (for self-metrics). */
  get counts (): Readonly<RefusalCounts> {
    return this.#counts
  }

  /** Counts one refusal; the first for a kind and address is written at once, the next ones folded into a line a second. */
  note (kind: RefusalKind, address: string, code: string, detail: string): void {
    this.#counts[kind]++
    const followed = this.#windows.has(`${kind} ${address}`) || this.#windows.size < this.#maxKeys
    const key = followed ? `${kind} ${address}` : `${kind} ${OTHER_ADDRESSES}`
    const window = this.#windows.get(key)
    if (window !== undefined) {
      window.pending++
      window.code = code
      window.detail = detail
      return
    }
    const opened: Window = { kind, address: followed ? address : OTHER_ADDRESSES, code, detail, pending: 1, loggedAt: 0 }
    this.#windows.set(key, opened)
    this.#writeLine(opened, performance.now())
  }

  /** Writes what is still pending and stops the timer. */
  close (): void {
    clearInterval(this.#timer)
    for (const window of this.#windows.values()) {
      if (window.pending > 0) this.#writeLine(window, performance.now())
    }
    this.#windows.clear()
  }

  /** Writes the pending refusals of every pair whose interval has passed; forgets pairs that went quiet. */
  #flush (): void {
    const now = performance.now()
    for (const [key, window] of this.#windows) {
      if (now - window.loggedAt < this.#intervalMs) continue
      if (window.pending === 0) this.#windows.delete(key)
      else this.#writeLine(window, now)
    }
  }

  #writeLine (window: Window, now: number): void {
    this.#write({ kind: window.kind, address: window.address, code: window.code, detail: window.detail, refused: window.pending })
    window.pending = 0
    window.loggedAt = now
  }
}
