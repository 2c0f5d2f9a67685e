import type { StoredEvent, Tags } from '../../server/core/event.js'
import { Board } from './board.js'
import { BoardView } from './board-view.js'
import { DEFAULT_CANDLE_MS } from './candles.js'
import { applyCardAction, rebuildsCard, type CardAction } from './card-action.js'
import { guessKind, type CardKind } from './card-kind.js'
import { createCard, type BoardCard } from './cards/create-card.js'
import { readTheme, type ChartTheme } from './chart-setup.js'
import { EventStream } from './event-stream.js'
import { HistoryLoader } from './history-loader.js'
import { compareMetrics, WINDOWS, type Layout } from './layout.js'
import type { LayoutStore } from './layout-store.js'
import type { MetricsParam } from './metrics-param.js'
import { OnScreen } from './on-screen.js'
import type { Page } from './page.js'
import { PauseBuffer } from './pause-buffer.js'
import { RenderLoop } from './render-loop.js'
import { signInIfSignedOut } from './session.js'
import { StreamStats } from './stream-stats.js'
import { currentTheme } from './theme.js'

/** Least time between two redraws of a card, in ms: four a second look live and leave frames free. */
const CARD_REDRAW_MS = 250
/**
 * Points held per card: about two per pixel of its chart. Older points are thinned past
 * it (see Series), so memory stays flat however long the page stays open.
 */
const MAX_POINTS_PER_CARD = 600
/** History buckets per card when no card has been laid out yet: about a card's width in pixels. */
const DEFAULT_CHART_PX = 300

/** Options of a {@link Dashboard}. */
export interface DashboardOptions {
  /** The page shell the dashboard shows itself in. */
  readonly page: Page
  /** Where the layout is read from and saved to. */
  readonly store: LayoutStore
  /** The page's `?metrics=` globs: what the stream, the catalog and the board are limited to. */
  readonly metrics: MetricsParam
}

/**
 * The controller of the page (Smashing's dashboard): one stream, routed by metric through
 * the {@link Board} to the cards, and the state around it: the layout (saved on every
 * change), pause, the theme, which cards are on screen and the history loads. The page's
 * controls call its methods; it owns no listener on them.
 */
export class Dashboard {
  #page: Page
  #view: BoardView
  #store: LayoutStore
  #layout: Layout
  #compare: (a: string, b: string) => number
  #theme: ChartTheme
  #showHidden = false
  /** The guessed kind of each metric seen, from its name and tags. */
  #guessedKinds = new Map<string, CardKind>()
  #stats = new StreamStats()
  #paused = new PauseBuffer<StoredEvent>()
  #loop = new RenderLoop<BoardCard>({ requestFrame: (callback) => requestAnimationFrame(callback), minIntervalMs: CARD_REDRAW_MS })
  #onScreen = new OnScreen<BoardCard>((card, visible) => { this.#loop.setVisible(card, visible) })
  #board: Board<BoardCard>
  #stream: EventStream
  #history: HistoryLoader
  #arrangeQueued = false

  constructor (options: DashboardOptions) {
    this.#page = options.page
    this.#view = new BoardView(options.page.board)
    this.#store = options.store
    this.#layout = options.store.read()
    this.#compare = compareMetrics(this.#layout)
    this.#theme = readTheme(document.documentElement)
    this.#board = new Board<BoardCard>({
      accepts: options.metrics.matches,
      compare: (a, b) => this.#compare(a, b),
      isShown: (metric) => this.#showHidden || !this.#layout.hidden.includes(metric),
      createCard: (metric) => this.#createCard(metric),
      onChange: (counts) => {
        this.#page.setCounts(counts)
        this.#arrange()
      },
      onRemove: (card) => {
        this.#onScreen.unwatch(card)
        this.#loop.untrack(card)
      }
    })
    this.#history = new HistoryLoader({
      fetch: (url) => fetch(url, { headers: { accept: 'application/json' } }),
      accepts: options.metrics.matches,
      points: (metric) => this.#bucketsFor(metric),
      loadLatest: (summary) => {
        this.#guess(summary.metric, summary)
        this.#board.backfill(summary.metric, [summary])
      },
      loadHistory: (metric, history) => { this.#board.setHistory(metric, history) },
      onLoaded: (outcome) => { this.#page.setLoaded(outcome) }
    })
    this.#stream = this.#createStream(options.metrics.globs)
  }

  /** Opens the stream and shows the layout; the stream's first connection loads the history. */
  start (): void {
    this.#stream.open()
    this.#showLayout()
  }

  /** Shows only the cards matching the filter box's `text`, and saves it. */
  setFilter (text: string): void {
    this.#save({ ...this.#layout, filter: text })
    this.#board.setFilter(text)
  }

  /** Switches every card to the window named `name` (`5m`), reloading the history. */
  setWindow (name: string): void {
    this.#save({ ...this.#layout, windowMs: WINDOWS.find((w) => w.name === name)?.ms ?? this.#layout.windowMs })
    this.#page.setWindow(this.#layout.windowMs)
    this.#reload()
  }

  /** Groups cards by name prefix, or stops grouping them. */
  toggleGrouped (): void {
    this.#save({ ...this.#layout, grouped: !this.#layout.grouped })
    this.#relayout()
  }

  /** Lists the hidden metrics' cards, or stops listing them. */
  toggleShowHidden (): void {
    this.#showHidden = !this.#showHidden
    this.#relayout()
  }

  /** Holds live points back, or lets the held ones through. */
  togglePause (): void {
    if (!this.#paused.paused) {
      this.#paused.pause()
    } else {
      const resumed = this.#paused.resume()
      // Past the buffer's bound the points in between are gone from memory, not from the server.
      if (resumed.overflowed) this.#reload()
      else for (const event of resumed.items) this.#board.push(event)
      this.#loop.markAllDirty()
    }
    this.#showControls()
    this.#showFigures()
  }

  /** Redraws every card in the colours of the theme the page shows now. */
  restyle (): void {
    this.#theme = readTheme(document.documentElement)
    for (const metric of this.#board.metrics) this.#board.get(metric)?.setTheme(this.#theme)
    this.#showControls()
  }

  /** Takes the stored layout whole (a pasted link changed the URL's), reloading the history. */
  openLayout (): void {
    this.#save(this.#store.read())
    this.#reload()
    this.#showLayout()
  }

  /** Lets the clock move on: windows slide and "2s ago" counts, except on a paused board, which holds still. */
  tick (): void {
    if (!this.#paused.paused) this.#loop.markAllDirty()
    this.#showFigures()
  }

  /** Carries out what a card's controls asked for. */
  act (metric: string, action: CardAction): void {
    const shown = this.#board.metrics.filter((name) => this.#board.get(name)?.element.hidden === false)
    this.#save(applyCardAction(this.#layout, metric, action, { guessedKind: this.#guessedKinds.get(metric), shown }))
    if (rebuildsCard(action)) {
      // A new kind or candle interval is a new card: built afresh from the history and live points.
      this.#board.remove(metric)
      this.#history.load(this.#layout.windowMs, metric)
      return
    }
    this.#relayout()
    if (action.type !== 'move') return
    // Moving re-inserts the card (in the microtask arrange queued); keep the keyboard on the button that moved it.
    const button = this.#board.get(metric)?.element.querySelector<HTMLElement>(`[data-action="${action.delta < 0 ? 'up' : 'down'}"]`)
    queueMicrotask(() => { button?.focus() })
  }

  #createStream (globs: readonly string[]): EventStream {
    return new EventStream({
      url: '/api/stream',
      metrics: globs,
      createSource: (url) => new EventSource(url),
      onMetric: (event) => { this.#receive(event) },
      onReset: () => { this.#reload() },
      // A connection that did not resume starts from "now", with nothing telling us what was
      // missed or whether the server restarted (its ids would count from 1 again), so start
      // over. History is read after the server subscribed this page (it does so before
      // answering), so a point published in between is in the history or the stream.
      onOpen: (resumed) => { if (!resumed) this.#reload() },
      onStatus: (status) => {
        this.#page.setStatus(status, this.#stream.lastEventId)
        this.#showFigures()
        if (status !== 'offline') return
        // It answers false on a network error rather than rejecting; the catch only keeps the promise handled.
        signInIfSignedOut(async (url, init) => await fetch(url, init), (path) => { location.assign(path) }).catch(() => {})
      },
      onInvalid: (error) => { this.#page.setNotice(`Skipped a malformed frame: ${error.message}`) }
    })
  }

  #receive (event: StoredEvent): void {
    this.#stats.record(event.ts, Date.now())
    this.#guess(event.metric, event)
    if (!this.#paused.offer(event)) this.#board.push(event)
  }

  #guess (metric: string, point: { readonly tags?: Tags }): void {
    if (!this.#guessedKinds.has(metric)) this.#guessedKinds.set(metric, guessKind(metric, point.tags))
  }

  #kindOf (metric: string): CardKind {
    return this.#layout.kinds.get(metric) ?? this.#guessedKinds.get(metric) ?? 'gauge'
  }

  #createCard (metric: string): BoardCard {
    const layout = this.#layout
    const card = createCard(this.#kindOf(metric), {
      metric,
      windowMs: layout.windowMs,
      maxPoints: MAX_POINTS_PER_CARD,
      theme: this.#theme,
      pinned: layout.pinned.includes(metric),
      hiddenMetric: layout.hidden.includes(metric),
      markDirty: (dirty) => { this.#loop.markDirty(dirty as BoardCard) },
      onAction: (name, action) => { this.act(name, action) }
    }, layout.intervals.get(metric) ?? DEFAULT_CANDLE_MS)
    // Drawn once the first report says it is on screen.
    this.#loop.track(card, false)
    this.#onScreen.watch(card)
    return card
  }

  // A chart's width in pixels is about as many buckets as it can show; candles want enough to fill each interval.
  #bucketsFor (metric: string): number {
    const width = this.#page.board.querySelector('.card-chart')?.clientWidth || DEFAULT_CHART_PX
    if (this.#kindOf(metric) !== 'price') return width
    return Math.max(width, Math.ceil((2 * this.#layout.windowMs) / (this.#layout.intervals.get(metric) ?? DEFAULT_CANDLE_MS)))
  }

  #reload (): void {
    this.#board.clear()
    this.#history.load(this.#layout.windowMs)
  }

  #save (layout: Layout): void {
    this.#layout = layout
    this.#compare = compareMetrics(layout)
    this.#store.save(layout)
  }

  // Placing cards waits for the microtask, so a burst of new cards re-places them once.
  #arrange (): void {
    if (this.#arrangeQueued) return
    this.#arrangeQueued = true
    queueMicrotask(() => {
      this.#arrangeQueued = false
      const board = this.#board
      this.#view.arrange(board.metrics.map((metric) => board.get(metric) as BoardCard), board.metrics, this.#layout)
    })
  }

  #relayout (): void {
    this.#board.resort()
    this.#board.refresh()
    for (const metric of this.#board.metrics) {
      this.#board.get(metric)?.setFlags(this.#layout.pinned.includes(metric), this.#layout.hidden.includes(metric))
    }
    this.#arrange()
    this.#showControls()
  }

  #showLayout (): void {
    this.#page.setWindow(this.#layout.windowMs)
    this.#page.filter.value = this.#layout.filter
    this.#board.setFilter(this.#layout.filter)
    this.#showControls()
  }

  #showControls (): void {
    this.#page.setControls(this.#layout, { showHidden: this.#showHidden, paused: this.#paused.paused, theme: currentTheme() })
  }

  #showFigures (): void {
    const now = Date.now()
    this.#page.setFigures({
      status: this.#stream.status,
      lastEventId: this.#stream.lastEventId,
      rate: this.#stats.rate(now),
      latencyMs: this.#stats.latencyP50(now),
      buffered: this.#paused.paused ? this.#paused.size : undefined
    })
  }
}
