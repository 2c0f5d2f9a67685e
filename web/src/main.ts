import { setupCandles } from './candle-chart.js'
import { setupCharts } from './chart-setup.js'
import { Dashboard } from './dashboard.js'
import { LayoutStore } from './layout-store.js'
import { parseMetricsParam } from './metrics-param.js'
import { Page } from './page.js'
import { applyTheme, onSystemThemeChange, toggleTheme } from './theme.js'

/**
 * Boot: wires the page's controls, the clock and the browser's events to the one
 * {@link Dashboard}, which opens the stream, backfills the cards and saves the layout.
 */

/** How often every card is redrawn without new points, so windows slide and "2s ago" counts, in ms. */
const CLOCK_TICK_MS = 1000

setupCharts()
setupCandles()
applyTheme()
const page = new Page(location.origin)
const dashboard = new Dashboard({ page, store: new LayoutStore(), metrics: parseMetricsParam(location.search) })

page.filter.addEventListener('input', () => { dashboard.setFilter(page.filter.value) })
page.window.addEventListener('change', () => { dashboard.setWindow(page.window.value) })
page.group.addEventListener('click', () => { dashboard.toggleGrouped() })
page.showHidden.addEventListener('click', () => { dashboard.toggleShowHidden() })
page.pause.addEventListener('click', () => { dashboard.togglePause() })
page.theme.addEventListener('click', () => {
  toggleTheme()
  dashboard.restyle()
})
onSystemThemeChange(() => {
  applyTheme()
  dashboard.restyle()
})
// A pasted link with another layout: take it whole.
addEventListener('hashchange', () => { dashboard.openLayout() })
setInterval(() => { dashboard.tick() }, CLOCK_TICK_MS)
dashboard.start()
