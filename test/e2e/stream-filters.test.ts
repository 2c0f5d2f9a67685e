import t from 'tap'
import { compileMetricFilter } from '../../server/core/metric-filter.js'
import { post, startTestServer } from '../helpers/app.js'
import { openReader } from '../helpers/sse-reader.js'
import { waitFor } from '../helpers/wait-for.js'

/** `count` distinct exact names of two characters: 400 of them fit in the 2,000-character query. */
const shortNames = (count: number): string[] => Array.from({ length: count }, (_, i) => i.toString(36).padStart(2, '0'))

t.test('a ?metrics= list past MAX_FILTER_GLOBS distinct globs is a 400; at the limit it streams', async (t) => {
  const { url } = await startTestServer(t)
  const over = await openReader(t, `${url}/api/stream?metrics=${shortNames(401).join(',')}`)
  t.equal(over.status, 400)
  t.same(JSON.parse(await over.text()), {
    statusCode: 400,
    code: 'PB_ERR_TOO_MANY_GLOBS',
    error: 'Bad Request',
    message: 'Too many globs: ?metrics= holds 401 distinct globs; at most 400 are allowed'
  })
  const repeated = await openReader(t, `${url}/api/stream?metrics=${[...shortNames(400), '00', ' 01'].join(',')}`)
  t.equal(repeated.status, 200, 'repeated globs count once')
  t.equal((await post(url, [{ metric: 'zz', value: 1 }, { metric: '0a', value: 2 }])).status, 202)
  t.same((await repeated.metrics(1, 10_000)).map((event) => event.metric), ['0a'], 'only what the list matches')
})

t.test('past MAX_FILTER_GROUPS a stream with a new filter gets 503 with Retry-After; served filters and the unfiltered stream get in', async (t) => {
  const { url, app } = await startTestServer(t, { maxFilterGroups: 2 })
  const cpu = await openReader(t, `${url}/api/stream?metrics=cpu.*`)
  const mem = await openReader(t, `${url}/api/stream?metrics=mem.*`)
  await post(url, [{ metric: 'cpu.load', value: 1 }, { metric: 'mem.rss', value: 2 }])
  await Promise.all([cpu.metrics(1, 10_000), mem.metrics(1, 10_000)]) // both are subscribed now

  const disk = await openReader(t, `${url}/api/stream?metrics=disk.*`)
  t.equal(disk.status, 503)
  t.equal(disk.headers['retry-after'], '3')
  t.same(JSON.parse(await disk.text()), {
    statusCode: 503,
    code: 'PB_ERR_TOO_MANY_FILTERS',
    error: 'Service Unavailable',
    message: 'Too many filters: the server already serves its limit of distinct ?metrics= filters; use one already in use, or none'
  })
  t.equal((await openReader(t, `${url}/api/stream?metrics=mem.*`)).status, 200, 'a filter already served')
  const all = await openReader(t, `${url}/api/stream`)
  t.equal(all.status, 200, 'no filter')

  cpu.close()
  await waitFor(() => app.pulseboard.hub.admits(compileMetricFilter(['disk.*'])), 10_000, 'the cpu.* group to go')
  // Resuming from the newest id, so the point published next reaches the stream whether it lands during replay or live.
  const again = await openReader(t, `${url}/api/stream?metrics=disk.*&lastEventId=${app.pulseboard.log.latestId()}`)
  t.equal(again.status, 200, 'a place frees when the last stream of a filter closes')
  await post(url, { metric: 'disk.used', value: 3 })
  t.equal((await again.metrics(1))[0]?.metric, 'disk.used')
  t.pass('the new filter streams')
})
