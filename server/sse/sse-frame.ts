import { StreamEvent, type StoredEvent } from '../core/event.js'

/**
 * The WHATWG Server-Sent Events wire format. Every frame ends with a blank
 * line; line breaks inside a value are split so they cannot end a field early
 * or inject a field of their own.
 */

const LINE_BREAK = /\r\n|\r|\n/

function field (name: string, value: string): string {
  return value.split(LINE_BREAK).map((line) => `${name}: ${line}\n`).join('')
}

/** One event frame: `id:`, `event:` and `data:` lines and the closing blank line. */
export function encodeEvent (event: string, data: string, id?: number): string {
  const idLine = id === undefined ? '' : `id: ${id}\n`
  return `${idLine}${field('event', event)}${field('data', data)}\n`
}

/** The frame of one stored point, as every subscriber receives it. */
export function encodeMetric (stored: StoredEvent): string {
  // JSON.stringify never emits a raw line break, so the data needs no splitting.
  return `id: ${stored.id}\nevent: ${StreamEvent.metric}\ndata: ${JSON.stringify(stored)}\n\n`
}

/** A comment frame (`: text`), ignored by EventSource; used for heartbeats. */
export function encodeComment (text: string): string {
  return `${field('', text)}\n`
}

/** Tells EventSource how long to wait before reconnecting, in ms. */
export function encodeRetry (retryMs: number): string {
  return `retry: ${Math.max(0, Math.floor(retryMs))}\n\n`
}
