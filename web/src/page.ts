import type { BoardCounts } from './board.js'
import { byId, setText } from './dom.js'
import type { StreamStatus } from './event-stream.js'
import { DEFAULT_LOCALE, formatCount, formatDuration, formatValue } from './format.js'
import type { BackfillResult } from './history.js'
import { WINDOWS, type Layout } from './layout.js'
import type { ThemeName } from './theme.js'

function pressed (button: HTMLButtonElement, on: boolean, text: string): void {
  button.setAttribute('aria-pressed', String(on))
  setText(button, text)
}

const STATUS_TEXT: Record<StreamStatus, string> = {
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline'
}

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

/**
 * The page shell around the cards (index.html): status badge, metric count, filter box,
 * notice line, empty state and the status bar at the foot. Everything data-derived goes in as text.
 */
export class Page {
  /** Where cards go. */
  readonly board: HTMLElement
  /** The filter box. */
  readonly filter: HTMLInputElement
  /** The time window selector; option values are the layout's window names (`5m`). */
  readonly window: HTMLSelectElement
  /** Toggles grouping by name prefix. */
  readonly group: HTMLButtonElement
  /** Lists hidden metrics, or stops listing them. */
  readonly showHidden: HTMLButtonElement
  readonly pause: HTMLButtonElement
  readonly theme: HTMLButtonElement
  #windowLabel: HTMLElement
  #status: HTMLElement
  #statusText: HTMLElement
  #count: HTMLElement
  #notice: HTMLElement
  #empty: HTMLElement
  #noMatch: HTMLElement
  #barState = byId('sb-state', HTMLElement)
  #barRate = byId('sb-rate', HTMLElement)
  #barLast = byId('sb-last', HTMLElement)
  #barLatency = byId('sb-latency', HTMLElement)
  #everLive = false
  #loaded = false
  #counts: BoardCounts = { total: 0, visible: 0 }

  /** Finds the shell's elements and fills in the curl commands for this page's origin. */
  constructor (origin: string) {
    this.board = byId('board', HTMLElement)
    this.filter = byId('filter', HTMLInputElement)
    this.window = byId('window', HTMLSelectElement)
    this.group = byId('group', HTMLButtonElement)
    this.showHidden = byId('show-hidden', HTMLButtonElement)
    this.pause = byId('pause', HTMLButtonElement)
    this.theme = byId('theme', HTMLButtonElement)
    this.#windowLabel = byId('window-label', HTMLElement)
    this.#status = byId('status', HTMLElement)
    this.#statusText = byId('status-text', HTMLElement)
    this.#count = byId('metric-count', HTMLElement)
    this.#notice = byId('notice', HTMLElement)
    this.#empty = byId('empty-state', HTMLElement)
    this.#noMatch = byId('no-match', HTMLElement)
    setText(byId('curl-publish', HTMLElement),
      `curl -d '{"metric":"btc.usd","value":64250.5}' -H 'content-type: application/json' ${origin}/api/events`)
    setText(byId('curl-stream', HTMLElement), `curl -N ${origin}/api/stream`)
  }

  /** Labels the window, in ms. */
  setWindow (windowMs: number): void {
    setText(this.#windowLabel, `last ${formatDuration(windowMs)}`)
  }

  /** Shows the header controls' state: the layout's window and grouping, and the board's other switches. */
  setControls (layout: Layout, state: { readonly showHidden: boolean, readonly paused: boolean, readonly theme: ThemeName }): void {
    this.window.value = WINDOWS.find((w) => w.ms === layout.windowMs)?.name ?? '5m'
    pressed(this.group, layout.grouped, 'Group')
    this.showHidden.hidden = layout.hidden.length === 0
    pressed(this.showHidden, state.showHidden, `Hidden (${layout.hidden.length})`)
    pressed(this.pause, state.paused, state.paused ? 'Resume' : 'Pause')
    this.theme.setAttribute('aria-label', `Switch to ${state.theme === 'light' ? 'dark' : 'light'} theme`)
  }

  /** Shows the connection state in the badge (`data-state` drives its colour). */
  setStatus (status: StreamStatus, lastEventId: number | undefined): void {
    if (status === 'live') this.#everLive = true
    this.#status.dataset['state'] = status
    const text = this.#textOf(status)
    setText(this.#statusText, text)
    this.#status.title = lastEventId === undefined ? text : `${text} · last event #${lastEventId}`
  }

  /** Shows the status bar's line: connection state, points/s, last event id and latency p50. */
  setFigures (figures: StreamFigures): void {
    const paused = figures.buffered === undefined ? '' : ` · paused, ${formatValue(figures.buffered)} buffered`
    setText(this.#barState, `${this.#textOf(figures.status).toLowerCase()}${paused}`)
    this.#barState.dataset['state'] = figures.buffered === undefined ? figures.status : 'paused'
    setText(this.#barRate, formatValue(figures.rate))
    setText(this.#barLast, figures.lastEventId === undefined ? '—' : `#${figures.lastEventId.toLocaleString(DEFAULT_LOCALE)}`)
    setText(this.#barLatency, figures.latencyMs === undefined ? '—' : `${formatValue(Math.max(0, figures.latencyMs))} ms`)
  }

  /** Updates the count and the empty / no-match states after the board changed. */
  setCounts (counts: BoardCounts): void {
    this.#counts = counts
    setText(this.#count, formatCount(counts.total, 'metric'))
    document.title = counts.total === 0 ? 'Pulseboard' : `Pulseboard · ${formatCount(counts.total, 'metric')}`
    this.#refreshEmpty()
  }

  /**
   * Reports how a load of every metric's history ended, as a notice when some or all of it
   * failed; from the first on, an empty board shows the empty state.
   */
  setLoaded (outcome: BackfillResult | Error): void {
    if (outcome instanceof Error) {
      // The live stream still fills the board; say why the past is missing.
      this.setNotice(`Could not load history: ${outcome.message}`)
    } else {
      const failed = outcome.failed.map((f) => f.metric)
      this.setNotice(failed.length === 0 ? '' : `History unavailable for ${failed.join(', ')}; showing live points only.`)
    }
    this.#loaded = true
    this.#refreshEmpty()
  }

  /** Shows a one-line problem report under the header; an empty string hides it. */
  setNotice (text: string): void {
    setText(this.#notice, text)
    this.#notice.hidden = text === ''
  }

  #textOf (status: StreamStatus): string {
    return status === 'reconnecting' && !this.#everLive ? 'Connecting…' : STATUS_TEXT[status]
  }

  // The empty state waits for the first backfill so it does not flash before cards arrive.
  #refreshEmpty (): void {
    this.#empty.hidden = !this.#loaded || this.#counts.total > 0
    this.#noMatch.hidden = this.#counts.total === 0 || this.#counts.visible > 0
  }
}
