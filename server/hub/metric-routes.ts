import type { MetricFilter } from '../core/metric-filter.js'

/** Default number of metric names whose routes are kept; the hub is given MAX_METRICS. */
export const DEFAULT_MAX_ROUTED_METRICS = 10_000

/** What the routes need of a filter group. */
export interface Routable {
  readonly filter: MetricFilter
}

/** The groups that want one metric name, as far as the groups added up to `seenSeq` go. */
interface Route<G> {
  groups: G[]
  /** Sequence number of the newest group this name has been matched against. */
  seenSeq: number
  /** The routes' removal count when removed groups were last dropped from `groups`. */
  removals: number
}

/**
 * Which filter groups want each metric name. A name is matched against a group's
 * globs once, on its first point after the group was added; from then on a point
 * costs one lookup, whatever the number of groups and globs: a filter list a
 * client chose is never run per point. Removed groups leave the routes lazily,
 * on the next point of each name; past `maxMetrics` names the oldest route is
 * forgotten and worked out again if its name comes back.
 */
export class MetricRoutes<G extends Routable> {
  readonly #maxMetrics: number
  readonly #routes = new Map<string, Route<G>>()
  /** Groups in the order they were added; their sequence numbers ascend with it. */
  readonly #groups: G[] = []
  readonly #seqOf = new Map<G, number>()
  #nextSeq = 0
  #removals = 0

  /** @param maxMetrics names whose routes are kept (default {@link DEFAULT_MAX_ROUTED_METRICS}). */
  constructor (maxMetrics = DEFAULT_MAX_ROUTED_METRICS) {
    this.#maxMetrics = maxMetrics
  }

  /** Names whose routes are kept now. */
  get size (): number {
    return this.#routes.size
  }

  /** Starts routing to `group`; names are matched against its filter as their points come. */
  add (group: G): void {
    this.#seqOf.set(group, this.#nextSeq++)
    this.#groups.push(group)
  }

  /** Stops routing to `group`; removing it twice is harmless. */
  remove (group: G): void {
    if (!this.#seqOf.delete(group)) return
    this.#groups.splice(this.#groups.indexOf(group), 1)
    this.#removals++
  }

  /** The groups whose filter matches `metric`, in no particular order. Do not keep the array. */
  groupsFor (metric: string): readonly G[] {
    let route = this.#routes.get(metric)
    if (route === undefined) {
      // Map keys iterate oldest first.
      if (this.#routes.size >= this.#maxMetrics) this.#routes.delete(this.#routes.keys().next().value!)
      route = { groups: [], seenSeq: -1, removals: this.#removals }
      this.#routes.set(metric, route)
    }
    if (route.removals !== this.#removals) {
      route.groups = route.groups.filter((group) => this.#seqOf.has(group))
      route.removals = this.#removals
    }
    if (route.seenSeq < this.#nextSeq - 1) this.#matchNewGroups(route, metric)
    return route.groups
  }

  /** Matches `metric` against the groups added since the route last looked. */
  #matchNewGroups (route: Route<G>, metric: string): void {
    const groups = this.#groups
    let first = groups.length
    while (first > 0 && this.#seqOf.get(groups[first - 1]!)! > route.seenSeq) first--
    for (let i = first; i < groups.length; i++) {
      if (groups[i]!.filter.matches(metric)) route.groups.push(groups[i]!)
    }
    route.seenSeq = this.#nextSeq - 1
  }
}
