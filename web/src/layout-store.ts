import { decodeLayout, encodeLayout, type Layout } from './layout.js'
import { storage } from './storage.js'

/** localStorage key of the last layout. */
export const LAYOUT_KEY = 'pulseboard.layout'

/**
 * Where the layout lives: the URL's hash (a shared link) wins when present, otherwise the
 * last layout saved in localStorage. Saving writes both, replacing the history entry so
 * every click does not add a Back step.
 */
export class LayoutStore {
  /** The layout of this page load. */
  read (): Layout {
    if (location.hash.length > 1) return decodeLayout(location.hash)
    return decodeLayout(storage()?.getItem(LAYOUT_KEY) ?? '')
  }

  save (layout: Layout): void {
    const encoded = encodeLayout(layout)
    history.replaceState(null, '', `${location.pathname}${location.search}${encoded === '' ? '' : `#${encoded}`}`)
    try {
      storage()?.setItem(LAYOUT_KEY, encoded)
    } catch {
      // A full or blocked storage only loses the local copy; the URL still holds the layout.
    }
  }
}
