import t from 'tap'
import { CatalogCache } from '../../../server/log/catalog-cache.js'

const event = (id: number, metric: string): { id: number, metric: string, value: number, ts: number } => ({ id, metric, value: id, ts: 1000 })

t.test('forget drops a metric unless a point newer than the given id brought it back', async (t) => {
  const cache = new CatalogCache()
  cache.track([event(1, 'a'), event(2, 'b'), event(3, 'a')])
  cache.forget('a', 2)
  t.same(cache.list().map((m) => m.metric), ['a', 'b'], 'a has a point (3) newer than the pass that found it gone')
  cache.forget('a', 3)
  cache.forget('missing', 3)
  t.same(cache.list().map((m) => [m.metric, m.count]), [['b', 1]])
  cache.track([event(4, 'a')])
  t.same(cache.list().map((m) => [m.metric, m.count]), [['a', 1], ['b', 1]], 'a metric that comes back is counted afresh')
})
