import { Board } from './board.js'
import { LineCard } from './cards/line-card.js'
import { readTheme, setupCharts, type ChartTheme } from './chart-setup.js'
import { EventStream } from './event-stream.js'
import { backfill } from './history.js'
import { Page } from './page.js'
import { RenderLoop } from './render-loop.js'
import { DEFAULT_MAX_POINTS, DEFAULT_WINDOW_MS } from './series.js'
import { compileGlobs, parseTopics } from './topics.js'

/**
 * Boot: read the `?metrics=` globs, open the one stream, backfill every card from the
 * history API, and redraw through the render loop. All state lives in this closure.
 */

/** How often every card is redrawn without new points, so windows slide and "2s ago" counts, in ms. */
const CLOCK_TICK_MS = 1000
/** Cards this close to the viewport count as visible, so scrolling shows charts already drawn. */
const VISIBILITY_MARGIN = '300px 0px'

function createBoard (page: Page, loop: RenderLoop<LineCard>, theme: () => ChartTheme): Board<LineCard> {
  const cards = new WeakMap<Element, LineCard>()
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const card = cards.get(entry.target)
      if (card !== undefined) loop.setVisible(card, entry.isIntersecting)
    }
  }, { rootMargin: VISIBILITY_MARGIN })
  return new Board<LineCard>({
    accepts: compileGlobs(parseTopics(location.search)),
    createCard: (metric) => {
      const card = new LineCard({
        metric,
        windowMs: DEFAULT_WINDOW_MS,
        maxPoints: DEFAULT_MAX_POINTS,
        theme: theme(),
        markDirty: (dirty) => { loop.markDirty(dirty) }
      })
      cards.set(card.element, card)
      // Drawn once the observer's first report says it is on screen.
      loop.track(card, false)
      observer.observe(card.element)
      return card
    },
    place: (card, next) => { page.board.insertBefore(card.element, next?.element ?? null) },
    onChange: (stats) => { page.setStats(stats) },
    onRemove: (card) => {
      observer.unobserve(card.element)
      loop.untrack(card)
    }
  })
}

/**
 * Returns a function that (re)loads history in the background. A newer call makes the
 * results of an older one ignored, so a reset during a backfill cannot mix old and new.
 */
function createLoader (page: Page, board: Board<LineCard>): () => void {
  let generation = 0
  return () => {
    const mine = ++generation
    const current = (): boolean => mine === generation
    backfill({
      fetch: (url) => fetch(url, { headers: { accept: 'application/json' } }),
      windowMs: DEFAULT_WINDOW_MS,
      accepts: compileGlobs(parseTopics(location.search)),
      loadLatest: (summary) => { if (current()) board.backfill(summary.metric, [summary]) },
      loadHistory: (metric, points) => { if (current()) board.setHistory(metric, points) }
    }).then((result) => {
      if (!current()) return
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
}

function boot (): void {
  setupCharts()
  const page = new Page(location.origin, DEFAULT_WINDOW_MS)
  const root = document.documentElement
  let theme = readTheme(root)
  const loop = new RenderLoop<LineCard>({ requestFrame: (callback) => requestAnimationFrame(callback) })
  const board = createBoard(page, loop, () => theme)
  const load = createLoader(page, board)
  const reload = (): void => {
    board.clear()
    load()
  }
  const stream = new EventStream({
    url: '/api/stream',
    metrics: parseTopics(location.search),
    createSource: (url) => new EventSource(url),
    onMetric: (event) => { board.push(event) },
    onReset: () => { reload() },
    // A connection that did not resume starts from "now", with nothing telling us what was
    // missed or whether the server restarted (its ids would count from 1 again), so start
    // over. History is read after the server subscribed this page (it does so before
    // answering), so a point published in between is in the history or the stream.
    onOpen: (resumed) => { if (!resumed) reload() },
    onStatus: (status) => { page.setStatus(status, stream.lastEventId) },
    onInvalid: (error) => { page.setNotice(`Skipped a malformed frame: ${error.message}`) }
  })
  stream.open()

  page.filter.addEventListener('input', () => { board.setFilter(page.filter.value) })
  setInterval(() => { loop.markAllDirty() }, CLOCK_TICK_MS)
  matchMedia('(prefers-color-scheme: light)').addEventListener('change', () => {
    theme = readTheme(root)
    for (const metric of board.metrics) board.get(metric)?.setTheme(theme)
  })
}

boot()
