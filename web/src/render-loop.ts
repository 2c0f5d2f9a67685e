/** Anything the loop can draw. */
export interface Renderable {
  render (nowMs: number): void
}

/** Options of a {@link RenderLoop}. */
export interface RenderLoopOptions {
  /** Schedules a callback before the next repaint; `requestAnimationFrame` in a browser. */
  readonly requestFrame: (callback: () => void) => unknown
  /** Wall clock in ms since the epoch, passed to `render`; default `Date.now`. */
  readonly now?: () => number
  /**
   * Least time between two renders of one item, in ms; default 0 (every frame it is dirty).
   * A card fed 10 points a second need not redraw its chart 10 times a second: a few are
   * enough to look live, and the frames in between stay free for scrolling.
   */
  readonly minIntervalMs?: number
}

/**
 * Batches redraws: points mark a card dirty, and each animation frame renders every dirty
 * card that is on screen once, however many points arrived (one `chart.update` per card per
 * frame, never one per event), and not again within `minIntervalMs`. Off-screen cards stay
 * dirty and are drawn when they return.
 */
export class RenderLoop<R extends Renderable> {
  #requestFrame: (callback: () => void) => unknown
  #now: () => number
  #minIntervalMs: number
  /** When each item was last rendered, in ms. */
  #renderedAt = new Map<R, number>()
  #dirty = new Set<R>()
  #hidden = new Set<R>()
  #tracked = new Set<R>()
  #scheduled = false

  constructor (options: RenderLoopOptions) {
    this.#requestFrame = options.requestFrame
    this.#now = options.now ?? Date.now
    this.#minIntervalMs = options.minIntervalMs ?? 0
  }

  /**
   * Starts managing `item`; it is dirty, as it was never drawn. Pass `visible: false` when
   * an observer will report visibility shortly, so a long board does not draw every card
   * (and create every chart) on its first frame. Default visible.
   */
  track (item: R, visible = true): void {
    this.#tracked.add(item)
    if (!visible) this.#hidden.add(item)
    this.markDirty(item)
  }

  /** Stops managing `item`. */
  untrack (item: R): void {
    this.#tracked.delete(item)
    this.#dirty.delete(item)
    this.#hidden.delete(item)
    this.#renderedAt.delete(item)
  }

  /** Asks for `item` to be drawn on the next frame (or when it comes back on screen). */
  markDirty (item: R): void {
    if (!this.#tracked.has(item)) return
    this.#dirty.add(item)
    if (!this.#hidden.has(item)) this.#schedule()
  }

  /** Marks every tracked item dirty: the clock moved (the window slides, "2s ago" changes) or the theme did. */
  markAllDirty (): void {
    for (const item of this.#tracked) this.markDirty(item)
  }

  /** Records whether `item` is on screen (from an IntersectionObserver); a dirty item coming back is drawn. */
  setVisible (item: R, visible: boolean): void {
    if (!this.#tracked.has(item)) return
    if (visible) {
      this.#hidden.delete(item)
      if (this.#dirty.has(item)) this.#schedule()
    } else {
      this.#hidden.add(item)
    }
  }

  #schedule (): void {
    if (this.#scheduled) return
    this.#scheduled = true
    this.#requestFrame(() => { this.#frame() })
  }

  #frame (): void {
    // Cleared first, so one item that throws cannot stop later frames from being scheduled.
    this.#scheduled = false
    const now = this.#now()
    let waiting = false
    // A copy: an item that marks itself dirty while it renders waits for a later frame instead of rendering twice in this one.
    for (const item of [...this.#dirty]) {
      if (this.#hidden.has(item)) continue
      if (now - (this.#renderedAt.get(item) ?? Number.NEGATIVE_INFINITY) < this.#minIntervalMs) {
        waiting = true
        continue
      }
      this.#dirty.delete(item)
      this.#renderedAt.set(item, now)
      item.render(now)
    }
    // Items drawn too recently wait for a later frame.
    if (waiting) this.#schedule()
  }
}
