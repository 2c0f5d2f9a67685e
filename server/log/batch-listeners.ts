import type { StoredEvent } from '../core/event.js'

/** Gets each batch a log emits: new events, ascending ids, none seen before. */
export type BatchListener = (events: StoredEvent[]) => void

/** The listeners of one log's `onAppended`, each handed every batch in the order the log emits them. */
export class BatchListeners {
  readonly #listeners = new Set<BatchListener>()

  /** Adds `listener`; returns the function that removes it. */
  add (listener: BatchListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  emit (events: StoredEvent[]): void {
    for (const listener of this.#listeners) listener(events)
  }

  /** Removes every listener, as the log closes. */
  clear (): void {
    this.#listeners.clear()
  }
}
