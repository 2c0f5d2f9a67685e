import type { StoredEvent } from '../../server/core/event.js'
import { Board } from './board.js'
import { BoardView } from './board-view.js'
import { setupCandles } from './candle-chart.js'
import { DEFAULT_CANDLE_MS } from './candles.js'
import { guessKind, type CardKind } from './card-kind.js'
import type { CardAction } from './cards/card-frame.js'
import { createCard, type BoardCard } from './cards/create-card.js'
import { readTheme, setupCharts } from './chart-setup.js'
import { EventStream } from './event-stream.js'
import { backfill } from './history.js'
import { compareMetrics, moveMetric, toggleIn, WINDOWS, withEntry, type Layout } from './layout.js'
import { LayoutStore } from './layout-store.js'
import { parseMetricsParam } from './metrics-param.js'
import { Page } from './page.js'
import { PauseBuffer } from './pause-buffer.js'
import { RenderLoop } from './render-loop.js'
import { signInIfSignedOut } from './session.js'
import { StreamStats } from './stream-stats.js'
import { applyTheme, currentTheme, onSystemThemeChange, toggleTheme } from './theme.js'

/**
 * Boot: read the layout (URL, else localStorage) and the `?metrics=` globs, open the one
 * stream, backfill every card from the history API, and redraw through the render loop.
 * All state lives in this closure; the layout is saved on every change.
 */

/** How often every card is redrawn without new points, so windows slide and "2s ago" counts, in ms. */
const CLOCK_TICK_MS = 1000
/** Cards this close to the viewport count as visible, so scrolling shows charts already drawn. */
const VISIBILITY_MARGIN = '300px 0px'
/** Least time between two redraws of a card, in ms: four a second look live and leave frames free. */
const CARD_REDRAW_MS = 250
/**
 * Points held per card: about two per pixel of its chart. Older points are thinned past
 * it (see Series), so memory stays flat however long the page stays open.
 */
const MAX_POINTS_PER_CARD = 600
/** History buckets per card when no card has been laid out yet: about a card's width in pixels. */
const DEFAULT_CHART_PX = 300

function boot (): void {
  setupCharts()
  setupCandles()
  applyTheme()
  const store = new LayoutStore()
  let layout = store.read()
  const page = new Page(location.origin, layout.windowMs)
  const view = new BoardView(page.board)
  const stats = new StreamStats()
  const paused = new PauseBuffer<StoredEvent>()
  const metrics = parseMetricsParam(location.search)
  const accepts = metrics.matches
  let theme = readTheme(document.documentElement)
  let showHidden = false
  /** The guessed kind of each metric seen, from its name and tags. */
  const cardKinds = new Map<string, CardKind>()
  let compare = compareMetrics(layout)
  const loop = new RenderLoop<BoardCard>({ requestFrame: (callback) => requestAnimationFrame(callback), minIntervalMs: CARD_REDRAW_MS })
  const elements = new WeakMap<Element, BoardCard>()
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const card = elements.get(entry.target)
      if (card !== undefined) loop.setVisible(card, entry.isIntersecting)
    }
  }, { rootMargin: VISIBILITY_MARGIN })

  let arrangeQueued = false
  const arrange = (): void => {
    if (arrangeQueued) return
    arrangeQueued = true
    queueMicrotask(() => {
      arrangeQueued = false
      view.arrange(board.metrics.map((metric) => board.get(metric) as BoardCard), board.metrics, layout)
    })
  }
  const kindOf = (metric: string): CardKind => layout.kinds.get(metric) ?? cardKinds.get(metric) ?? 'gauge'
  const board: Board<BoardCard> = new Board<BoardCard>({
    accepts,
    compare: (a, b) => compare(a, b),
    isShown: (metric) => showHidden || !layout.hidden.includes(metric),
    createCard: (metric) => {
      const card = createCard(kindOf(metric), {
        metric,
        windowMs: layout.windowMs,
        maxPoints: MAX_POINTS_PER_CARD,
        theme,
        pinned: layout.pinned.includes(metric),
        hiddenMetric: layout.hidden.includes(metric),
        markDirty: (dirty) => { loop.markDirty(dirty as BoardCard) },
        onAction: (name, action) => { act(name, action) }
      }, layout.intervals.get(metric) ?? DEFAULT_CANDLE_MS)
      elements.set(card.element, card)
      // Drawn once the observer's first report says it is on screen.
      loop.track(card, false)
      observer.observe(card.element)
      return card
    },
    onChange: (boardStats) => {
      page.setStats(boardStats)
      arrange()
    },
    onRemove: (card) => {
      observer.unobserve(card.element)
      loop.untrack(card)
    }
  })

  // A chart's width in pixels is about as many buckets as it can show; candles want enough to fill each interval.
  const chartPx = (): number => page.board.querySelector('.card-chart')?.clientWidth ?? DEFAULT_CHART_PX
  const bucketsFor = (metric: string): number => {
    const width = chartPx() || DEFAULT_CHART_PX
    if (kindOf(metric) !== 'price') return width
    return Math.max(width, Math.ceil((2 * layout.windowMs) / (layout.intervals.get(metric) ?? DEFAULT_CANDLE_MS)))
  }

  // A newer load makes the results of an older one ignored, so a reset during a backfill cannot mix old and new.
  let generation = 0
  const load = (only?: string): void => {
    const mine = only === undefined ? ++generation : generation
    const current = (): boolean => mine === generation
    backfill({
      fetch: (url) => fetch(url, { headers: { accept: 'application/json' } }),
      windowMs: layout.windowMs,
      accepts: only === undefined ? accepts : (metric) => metric === only,
      points: bucketsFor,
      loadLatest: (summary) => {
        if (!current()) return
        if (!cardKinds.has(summary.metric)) cardKinds.set(summary.metric, guessKind(summary.metric, summary.tags))
        board.backfill(summary.metric, [summary])
      },
      loadHistory: (metric, history) => { if (current()) board.setHistory(metric, history) }
    }).then((result) => {
      if (!current() || only !== undefined) return
      const failed = result.failed.map((f) => f.metric)
      page.setNotice(failed.length === 0 ? '' : `History unavailable for ${failed.join(', ')}; showing live points only.`)
      page.setLoaded()
    }, (err: unknown) => {
      if (!current()) return
      // The live stream still fills the board; say why the past is missing.
      page.setNotice(`Could not load history: ${err instanceof Error ? err.message : String(err)}`)
      page.setLoaded()
    })
  }
  const reload = (): void => {
    board.clear()
    load()
  }
  // A new kind or candle interval is a new card: built afresh from the history and live points.
  const rebuild = (metric: string): void => {
    board.remove(metric)
    load(metric)
  }

  const save = (next: Layout): void => {
    layout = next
    compare = compareMetrics(layout)
    store.save(layout)
  }
  const relayout = (): void => {
    board.resort()
    board.refresh()
    for (const metric of board.metrics) {
      board.get(metric)?.setFlags(layout.pinned.includes(metric), layout.hidden.includes(metric))
    }
    arrange()
    updateControls()
  }
  const act = (metric: string, action: CardAction): void => {
    switch (action.type) {
      case 'kind': {
        // The guessed kind needs no entry: the card follows the guess again.
        save({ ...layout, kinds: withEntry(layout.kinds, metric, action.kind === cardKinds.get(metric) ? undefined : action.kind) })
        rebuild(metric)
        return
      }
      case 'interval':
        save({ ...layout, intervals: withEntry(layout.intervals, metric, action.intervalMs) })
        rebuild(metric)
        return
      case 'pin':
      case 'hide':
        save(toggleIn(layout, action.type === 'pin' ? 'pinned' : 'hidden', metric))
        break
      case 'move': {
        const shown = board.metrics.filter((name) => board.get(name)?.element.hidden === false)
        save(moveMetric(layout, shown, metric, action.delta))
        break
      }
    }
    relayout()
    // Moving re-inserts the card (in the microtask arrange queued); keep the keyboard on the button that moved it.
    if (action.type !== 'move') return
    const button = board.get(metric)?.element.querySelector<HTMLElement>(`[data-action="${action.delta < 0 ? 'up' : 'down'}"]`)
    queueMicrotask(() => { button?.focus() })
  }
  const updateControls = (): void => { page.setControls(layout, { showHidden, paused: paused.paused, theme: currentTheme() }) }
  const showStatus = (): void => {
    const now = Date.now()
    page.setFigures({
      status: stream.status,
      lastEventId: stream.lastEventId,
      rate: stats.rate(now),
      latencyMs: stats.latencyP50(now),
      buffered: paused.paused ? paused.size : undefined
    })
  }

  const stream = new EventStream({
    url: '/api/stream',
    metrics: metrics.globs,
    createSource: (url) => new EventSource(url),
    onMetric: (event) => {
      stats.record(event.ts, Date.now())
      if (!cardKinds.has(event.metric)) cardKinds.set(event.metric, guessKind(event.metric, event.tags))
      if (!paused.offer(event)) board.push(event)
    },
    onReset: () => { reload() },
    // A connection that did not resume starts from "now", with nothing telling us what was
    // missed or whether the server restarted (its ids would count from 1 again), so start
    // over. History is read after the server subscribed this page (it does so before
    // answering), so a point published in between is in the history or the stream.
    onOpen: (resumed) => { if (!resumed) reload() },
    onStatus: (streamStatus) => {
      page.setStatus(streamStatus, stream.lastEventId)
      showStatus()
      if (streamStatus !== 'offline') return
      // It answers false on a network error rather than rejecting; the catch only keeps the promise handled.
      signInIfSignedOut(async (url, init) => await fetch(url, init), (path) => { location.assign(path) }).catch(() => {})
    },
    onInvalid: (error) => { page.setNotice(`Skipped a malformed frame: ${error.message}`) }
  })
  stream.open()

  page.filter.value = layout.filter
  board.setFilter(layout.filter)
  page.filter.addEventListener('input', () => {
    save({ ...layout, filter: page.filter.value })
    board.setFilter(page.filter.value)
  })
  page.window.addEventListener('change', () => {
    save({ ...layout, windowMs: WINDOWS.find((w) => w.name === page.window.value)?.ms ?? layout.windowMs })
    page.setWindow(layout.windowMs)
    reload()
  })
  page.group.addEventListener('click', () => {
    save({ ...layout, grouped: !layout.grouped })
    relayout()
  })
  page.showHidden.addEventListener('click', () => {
    showHidden = !showHidden
    relayout()
  })
  page.pause.addEventListener('click', () => {
    if (!paused.paused) {
      paused.pause()
    } else {
      const resumed = paused.resume()
      // Past the buffer's bound the points in between are gone from memory, not from the server.
      if (resumed.overflowed) reload()
      else for (const event of resumed.items) board.push(event)
      loop.markAllDirty()
    }
    updateControls()
    showStatus()
  })
  const restyle = (): void => {
    theme = readTheme(document.documentElement)
    for (const metric of board.metrics) board.get(metric)?.setTheme(theme)
    updateControls()
  }
  page.theme.addEventListener('click', () => {
    toggleTheme()
    restyle()
  })
  onSystemThemeChange(() => {
    applyTheme()
    restyle()
  })
  // A pasted link with another layout: take it whole.
  addEventListener('hashchange', () => {
    save(store.read())
    page.filter.value = layout.filter
    page.setWindow(layout.windowMs)
    board.setFilter(layout.filter)
    reload()
    updateControls()
  })
  setInterval(() => {
    // A paused board holds still: its windows do not slide.
    if (!paused.paused) loop.markAllDirty()
    showStatus()
  }, CLOCK_TICK_MS)
  updateControls()
}

boot()
