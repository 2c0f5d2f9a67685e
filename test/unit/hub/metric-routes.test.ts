import t from 'tap'
import { DEFAULT_MAX_ROUTED_METRICS, MetricRoutes } from '../../../server/hub/metric-routes.js'
import { spyFilter } from '../../helpers/hub-fakes.js'

/** A group as the routes see it, named for the assertions. */
interface Named {
  readonly name: string
  readonly filter: ReturnType<typeof spyFilter>
}
const group = (name: string, globs: string[]): Named => ({ name, filter: spyFilter(globs) })
const names = (groups: readonly Named[]): string[] => groups.map((g) => g.name).sort()

t.test('a name is matched against each group once, however many points follow', async (t) => {
  const routes = new MetricRoutes<Named>()
  const cpu = group('cpu', ['cpu.*'])
  const all = group('all', ['*a*', '*o*'])
  routes.add(cpu)
  routes.add(all)
  for (let i = 0; i < 100; i++) {
    t.same(names(routes.groupsFor('cpu.load')), ['all', 'cpu'])
    t.same(names(routes.groupsFor('mem.rss')), [])
  }
  t.same(cpu.filter.calls, ['cpu.load', 'mem.rss'])
  t.same(all.filter.calls, ['cpu.load', 'mem.rss'])
  t.equal(routes.size, 2)
})

t.test('a group added later is matched against a known name once; the others are not asked again', async (t) => {
  const routes = new MetricRoutes<Named>()
  const first = group('first', ['cpu.*'])
  routes.add(first)
  t.same(names(routes.groupsFor('cpu.load')), ['first'])
  const second = group('second', ['*.load'])
  const third = group('third', ['mem.*'])
  routes.add(second)
  routes.add(third)
  t.same(names(routes.groupsFor('cpu.load')), ['first', 'second'])
  t.same(names(routes.groupsFor('cpu.load')), ['first', 'second'])
  t.same(first.filter.calls, ['cpu.load'])
  t.same(second.filter.calls, ['cpu.load'])
  t.same(third.filter.calls, ['cpu.load'])
})

t.test('a removed group gets no more points, and removing it twice is harmless', async (t) => {
  const routes = new MetricRoutes<Named>()
  const a = group('a', ['cpu.*'])
  const b = group('b', ['cpu.load'])
  routes.add(a)
  routes.add(b)
  t.same(names(routes.groupsFor('cpu.load')), ['a', 'b'])
  routes.remove(a)
  routes.remove(a)
  t.same(names(routes.groupsFor('cpu.load')), ['b'])
  t.same(names(routes.groupsFor('cpu.idle')), [], 'a name first seen after the removal')
  const again = group('a', ['cpu.*'])
  routes.add(again)
  t.same(names(routes.groupsFor('cpu.load')), ['a', 'b'], 'a group of the same filter, added anew, is matched anew')
  t.same(again.filter.calls, ['cpu.load'])
})

t.test('past maxMetrics names the oldest route is forgotten, and worked out again when its name returns', async (t) => {
  t.equal(DEFAULT_MAX_ROUTED_METRICS, 10_000)
  const routes = new MetricRoutes<Named>(2)
  const all = group('all', ['*.*'])
  routes.add(all)
  for (const name of ['a.1', 'a.2', 'a.3']) routes.groupsFor(name)
  t.equal(routes.size, 2, 'bounded')
  routes.groupsFor('a.3')
  t.same(all.filter.calls, ['a.1', 'a.2', 'a.3'], 'a.3 is still known')
  t.same(names(routes.groupsFor('a.1')), ['all'])
  t.same(all.filter.calls, ['a.1', 'a.2', 'a.3', 'a.1'], 'a.1 was forgotten')
  t.equal(routes.size, 2)
})
