import { byId, setText } from './dom.js'
import type { StreamStatus } from './event-stream.js'
import { DEFAULT_LOCALE, formatValue } from './format.js'

/** What the status bar shows. */
export interface StreamFigures {
  readonly status: StreamStatus
  readonly lastEventId: number | undefined
  /** Points per second arriving. */
  readonly rate: number
  /** Median latency from a point's `ts` to its arrival, in ms. */
  readonly latencyMs: number | undefined
  /** Points held while paused, or undefined when live. */
  readonly buffered: number | undefined
}

const stateText: Record<StreamStatus, string> = { live: 'live', reconnecting: 'reconnecting', offline: 'offline' }

/** The footer line: connection state, points/s, last event id and latency p50. */
export class StatusBar {
  #state = byId('sb-state', HTMLElement)
  #rate = byId('sb-rate', HTMLElement)
  #last = byId('sb-last', HTMLElement)
  #latency = byId('sb-latency', HTMLElement)

  show (figures: StreamFigures): void {
    const paused = figures.buffered === undefined ? '' : ` · paused, ${formatValue(figures.buffered)} buffered`
    setText(this.#state, `${stateText[figures.status]}${paused}`)
    this.#state.dataset['state'] = figures.buffered === undefined ? figures.status : 'paused'
    setText(this.#rate, formatValue(figures.rate))
    setText(this.#last, figures.lastEventId === undefined ? '—' : `#${figures.lastEventId.toLocaleString(DEFAULT_LOCALE)}`)
    setText(this.#latency, figures.latencyMs === undefined ? '—' : `${formatValue(Math.max(0, figures.latencyMs))} ms`)
  }
}
