/** Cards this close to the viewport count as on screen, so scrolling shows charts already drawn. */
const MARGIN = '300px 0px'

/** A card as watched: its root element. */
interface Watched {
  readonly element: Element
}

/** Reports which cards are on screen or near it (an IntersectionObserver on their elements). */
export class OnScreen<C extends Watched> {
  #cards = new WeakMap<Element, C>()
  #observer: IntersectionObserver

  /** `onChange` hears of every card that came on screen or left it. */
  constructor (onChange: (card: C, visible: boolean) => void) {
    this.#observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const card = this.#cards.get(entry.target)
        if (card !== undefined) onChange(card, entry.isIntersecting)
      }
    }, { rootMargin: MARGIN })
  }

  /** Starts watching `card`; the first report on it comes shortly. */
  watch (card: C): void {
    this.#cards.set(card.element, card)
    this.#observer.observe(card.element)
  }

  /** Stops watching `card`. */
  unwatch (card: C): void {
    this.#observer.unobserve(card.element)
  }
}
