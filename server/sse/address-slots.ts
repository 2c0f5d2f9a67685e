/**
 * Stream slots per client address key: the per-address stream cap. One
 * process counts its own; the workers of a cluster share the primary's
 * (cluster/limits-client.ts), so the cap holds for the whole port.
 */
export interface AddressSlots {
  /** Takes a slot for `key` unless it already holds `max`; resolves false then. */
  take: (key: string, max: number) => Promise<boolean>
  /** Gives back a slot taken with `take`. */
  release: (key: string) => void
}

/** The slots of one process: a count per key, kept only while the key holds a slot. */
export class LocalAddressSlots implements AddressSlots {
  // A Map: keys come from clients' addresses (and, behind a proxy, from their headers).
  readonly #held = new Map<string, number>()

  /** Slots `key` holds now. */
  held (key: string): number {
    return this.#held.get(key) ?? 0
  }

  /** `take`, answered at once. */
  takeNow (key: string, max: number): boolean {
    const held = this.held(key)
    if (held >= max) return false
    this.#held.set(key, held + 1)
    return true
  }

  async take (key: string, max: number): Promise<boolean> {
    return this.takeNow(key, max)
  }

  release (key: string): void {
    const left = this.held(key) - 1
    if (left > 0) this.#held.set(key, left)
    else this.#held.delete(key)
  }
}
