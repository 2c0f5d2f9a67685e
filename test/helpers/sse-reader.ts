import { request, type IncomingHttpHeaders } from 'node:http'
import type { ClientHttp2Session } from 'node:http2'
import { request as httpsRequest } from 'node:https'
import type { Readable } from 'node:stream'
import type { StoredEvent } from '../../server/core/event.js'
import type { Teardown } from './app.js'

/** One parsed block of an event stream. */
export type SseFrame =
  | { kind: 'event', id: string | undefined, event: string, data: string }
  | { kind: 'comment', text: string }
  | { kind: 'retry', ms: number }

const DEFAULT_WAIT_MS = 5000

/** Options of {@link SseReader.open}. */
export interface SseReaderOptions {
  /** Certificate to trust for an `https:` URL (a test's self-signed one). */
  readonly ca?: string | Buffer
}

/**
 * A client for text/event-stream over a real socket, parsing frames as the
 * WHATWG spec says (fields per line, blank line dispatches). Every wait has a
 * timeout, so a hang fails the test instead of freezing it.
 */
export class SseReader {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly #body: Readable
  readonly #frames: SseFrame[] = []
  readonly #waiters: Array<() => void> = []
  #buffer = ''
  #ended = false

  /** Reads `body`, the response to an HTTP/1.1 request or an HTTP/2 stream. */
  private constructor (body: Readable, status: number, headers: IncomingHttpHeaders) {
    this.#body = body
    this.status = status
    this.headers = headers
    body.setEncoding('utf8')
    body.on('data', (text: string) => this.#receive(text))
    body.on('close', () => { this.#ended = true; this.#wake() })
    body.on('error', () => { this.#ended = true; this.#wake() })
  }

  /** Opens a stream over HTTP/1.1 (`https:` URLs over TLS) and resolves once the response headers have arrived. */
  static async open (url: string, headers: Record<string, string> = {}, timeoutMs = DEFAULT_WAIT_MS, options: SseReaderOptions = {}): Promise<SseReader> {
    return await new Promise((resolve, reject) => {
      const send = url.startsWith('https:') ? httpsRequest : request
      const req = send(url, { headers: { accept: 'text/event-stream', ...headers }, ca: options.ca }, (response) => {
        req.setTimeout(0) // the wait was for the head; an open stream may be idle for long
        resolve(new SseReader(response, response.statusCode ?? 0, response.headers))
      })
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no response from ${url} within ${timeoutMs} ms`)))
      req.on('error', reject)
      req.end()
    })
  }

  /** Opens a stream as one more HTTP/2 stream on `session` and resolves once the response headers have arrived. */
  static async openHttp2 (session: ClientHttp2Session, path: string, headers: Record<string, string> = {}, timeoutMs = DEFAULT_WAIT_MS): Promise<SseReader> {
    return await new Promise((resolve, reject) => {
      const stream = session.request({ ':path': path, accept: 'text/event-stream', ...headers })
      const timer = setTimeout(() => stream.destroy(new Error(`no response to ${path} within ${timeoutMs} ms`)), timeoutMs)
      stream.once('response', (head) => {
        clearTimeout(timer)
        resolve(new SseReader(stream, Number(head[':status']), head))
      })
      stream.once('error', (err) => { clearTimeout(timer); reject(err) })
    })
  }

  /** True once the server has ended the stream. */
  get ended (): boolean {
    return this.#ended
  }

  /** The body so far when the server answered with an error instead of a stream. */
  async text (timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
    await this.#until(() => this.#ended, timeoutMs, 'the response to end')
    return this.#buffer
  }

  /** The next frame of any kind. */
  async next (timeoutMs = DEFAULT_WAIT_MS): Promise<SseFrame> {
    await this.#until(() => this.#frames.length > 0, timeoutMs, 'the next frame')
    return this.#frames.shift()!
  }

  /** The next frame that is an event (skipping comments and retry). */
  async nextEvent (timeoutMs = DEFAULT_WAIT_MS): Promise<Extract<SseFrame, { kind: 'event' }>> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const frame = await this.next(Math.max(1, deadline - Date.now()))
      if (frame.kind === 'event') return frame
    }
  }

  /** Reads `count` metric events and returns their parsed data, failing on any other event. */
  async metrics (count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<StoredEvent[]> {
    const deadline = Date.now() + timeoutMs
    const events: StoredEvent[] = []
    while (events.length < count) {
      const frame = await this.nextEvent(Math.max(1, deadline - Date.now()))
      if (frame.event !== 'metric') throw new Error(`expected a metric event, got "${frame.event}": ${frame.data}`)
      const data = JSON.parse(frame.data) as StoredEvent
      if (String(data.id) !== frame.id) throw new Error(`frame id ${frame.id} differs from data id ${data.id}`)
      events.push(data)
    }
    return events
  }

  /**
   * The metric events that arrive before the one with id `markerId`, a point the test
   * published afterwards that this reader's filter matches: [] shows that nothing else
   * arrived, with no guess at how long to wait for something that should not come.
   */
  async metricsBefore (markerId: number, timeoutMs = DEFAULT_WAIT_MS): Promise<StoredEvent[]> {
    const before: StoredEvent[] = []
    for (;;) {
      const event = (await this.metrics(1, timeoutMs))[0]!
      if (event.id === markerId) return before
      if (event.id > markerId) throw new Error(`the marker ${markerId} never arrived: event ${event.id} came after it`)
      before.push(event)
    }
  }

  close (): void {
    this.#body.destroy()
  }

  #receive (text: string): void {
    if (this.status !== 200) {
      this.#buffer += text
      return
    }
    this.#buffer += text
    const blocks = this.#buffer.split(/\r\n\r\n|\n\n|\r\r/)
    this.#buffer = blocks.pop()!
    for (const block of blocks) this.#parse(block)
    this.#wake()
  }

  #parse (block: string): void {
    let id: string | undefined
    let event = 'message'
    const data: string[] = []
    let sawData = false
    for (const line of block.split(/\r\n|\r|\n/)) {
      const colon = line.indexOf(':')
      const name = colon === -1 ? line : line.slice(0, colon)
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
      if (name === '') this.#frames.push({ kind: 'comment', text: value })
      else if (name === 'retry') this.#frames.push({ kind: 'retry', ms: Number(value) })
      else if (name === 'id') id = value
      else if (name === 'event') event = value
      else if (name === 'data') { data.push(value); sawData = true }
    }
    if (sawData) this.#frames.push({ kind: 'event', id, event, data: data.join('\n') })
  }

  #wake (): void {
    for (const waiter of this.#waiters.splice(0)) waiter()
  }

  async #until (ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!ready()) {
      if (this.#ended && !ready()) throw new Error(`stream ended while waiting for ${what}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#waiters.push(() => { clearTimeout(timer); resolve() })
      })
    }
  }
}

/** {@link SseReader.open}, with the stream closed when the test ends. */
export async function openReader (t: Teardown, url: string, headers: Record<string, string> = {}, timeoutMs = DEFAULT_WAIT_MS): Promise<SseReader> {
  const reader = await SseReader.open(url, headers, timeoutMs)
  t.teardown(() => reader.close())
  return reader
}
