import { el, setText } from './dom.js'
import { sectionOf, type Layout } from './layout.js'

/** A card as the view places it. */
interface Placed {
  readonly element: HTMLElement
}

/**
 * Places the cards in `container` in display order, under a heading per section (Pinned,
 * then one per group when grouped). Moves only the nodes out of place, so a card's canvas
 * stays put when nothing around it changed. A heading whose cards are all hidden is hidden.
 */
export class BoardView {
  #container: HTMLElement
  #headings = new Map<string, HTMLElement>()

  constructor (container: HTMLElement) {
    this.#container = container
  }

  /** Re-places `cards` (in display order) under `layout`'s sections. */
  arrange (cards: readonly Placed[], metrics: readonly string[], layout: Layout): void {
    const nodes: HTMLElement[] = []
    let section: string | undefined
    let heading: HTMLElement | undefined
    metrics.forEach((metric, i) => {
      const card = cards[i] as Placed
      const next = sectionOf(layout, metric)
      if (next !== undefined && next !== section) {
        heading = this.#heading(next)
        heading.hidden = true
        nodes.push(heading)
      }
      section = next
      if (heading !== undefined && !card.element.hidden) heading.hidden = false
      nodes.push(card.element)
    })
    for (const [name, element] of this.#headings) {
      if (!nodes.includes(element)) {
        element.remove()
        this.#headings.delete(name)
      }
    }
    nodes.forEach((node, i) => {
      const current = this.#container.children[i]
      if (current !== node) this.#container.insertBefore(node, current ?? null)
    })
  }

  #heading (section: string): HTMLElement {
    let heading = this.#headings.get(section)
    if (heading === undefined) {
      heading = el('h2', { class: 'group-heading', 'data-group': section })
      setText(heading, section === 'Pinned' ? 'Pinned' : `${section}.*`)
      this.#headings.set(section, heading)
    }
    return heading
  }
}
