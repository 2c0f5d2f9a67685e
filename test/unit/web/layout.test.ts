import t from 'tap'
import {
  compareMetrics,
  decodeLayout,
  DEFAULT_LAYOUT,
  encodeLayout,
  groupOf,
  MAX_LIST,
  moveMetric,
  sectionOf,
  toggleIn,
  withEntry,
  type Layout
} from '../../../web/src/layout.js'

const custom: Layout = {
  windowMs: 60 * 60_000,
  grouped: false,
  pinned: ['btc.usd', 'web.signups'],
  hidden: ['pulseboard.rss_mib'],
  order: ['cpu.load', 'api/v1:latency-ms'],
  kinds: new Map([['cpu.load', 'counter']]),
  intervals: new Map([['btc.usd', 60_000]]),
  filter: 'usd & eur #1'
}

t.test('the default layout encodes to nothing and decodes from nothing', async (t) => {
  t.equal(encodeLayout(DEFAULT_LAYOUT), '')
  t.equal(encodeLayout({ ...DEFAULT_LAYOUT, windowMs: 7 }), '', 'a window not offered is not written')
  t.same(decodeLayout(''), DEFAULT_LAYOUT)
  t.same(decodeLayout('#'), DEFAULT_LAYOUT)
})

t.test('a layout survives the round trip through a URL hash', async (t) => {
  const hash = encodeLayout(custom)
  t.equal(hash, 'w=1h&g=0&pin=btc.usd,web.signups&hide=pulseboard.rss_mib&order=cpu.load,api/v1:latency-ms' +
    '&kind=cpu.load~counter&iv=btc.usd~60s&q=usd%20%26%20eur%20%231', 'short and readable')
  t.same(decodeLayout(`#${hash}`), custom)
  t.same(decodeLayout(new URL(`http://h/#${hash}`).hash), custom, 'as the browser hands it back')
})

t.test('garbage in the URL leaves fields at their defaults and never throws', async (t) => {
  for (const text of ['#%E0%A4%A', '#w=7m&g=maybe', '#kind=a~b,~price,c,d~gauge~x&iv=a~7s,b~xs,c~1s', '#pin=,,,&hide', '#\u0000\uffff', `#q=${'x'.repeat(500)}`]) {
    const layout = decodeLayout(text)
    t.equal(layout.windowMs, DEFAULT_LAYOUT.windowMs, text)
  }
  const mixed = decodeLayout('#kind=a~b,~price,c,d~gauge~x,e~price&iv=a~7s,b~xs,c~1s&pin=,a,,a,b~c')
  t.same(mixed.kinds, new Map([['e', 'price']]))
  t.same(mixed.intervals, new Map([['c', 1000]]))
  t.same(mixed.pinned, ['a'], 'duplicates and names with ~ are dropped')
  t.equal(decodeLayout(`#q=${'x'.repeat(500)}`).filter.length, 200)
  const many = Array.from({ length: MAX_LIST + 10 }, (_, i) => `m${i}`).join(',')
  t.equal(decodeLayout(`#hide=${many}`).hidden.length, MAX_LIST)
  t.same(decodeLayout(`#pin=${'a'.repeat(201)},b`).pinned, ['b'], 'a name longer than the server allows is dropped')
})

t.test('metric names that are Object.prototype members are only keys', async (t) => {
  const empty = decodeLayout('')
  t.equal(empty.kinds.get('constructor'), undefined, 'no kind chosen for constructor')
  t.equal(empty.intervals.get('toString'), undefined)
  const layout = decodeLayout('#kind=constructor~price,__proto__~counter,hasOwnProperty~rate&iv=toString~60s,__proto__~1s')
  t.same([...layout.kinds], [['constructor', 'price'], ['__proto__', 'counter'], ['hasOwnProperty', 'rate']])
  t.same([...layout.intervals], [['toString', 60_000], ['__proto__', 1000]])
  t.equal(decodeLayout(`#${encodeLayout(layout)}`).kinds.get('__proto__'), 'counter', 'and they survive the round trip')
})

t.test('withEntry sets or removes one metric in a copy', async (t) => {
  const kinds = new Map([['a', 'price']])
  const set = withEntry(kinds, 'constructor', 'rate')
  t.same([...set], [['a', 'price'], ['constructor', 'rate']])
  t.same([...kinds], [['a', 'price']], 'the original is unchanged')
  t.same([...withEntry(set, 'constructor', undefined)], [['a', 'price']])
})

t.test('cards sort pinned first, then by group, then moved, then by name', async (t) => {
  const metrics = ['web.visits', 'btc.usd', 'eth.usd', 'btc.eur', 'cpu', 'web.errors']
  const grouped: Layout = { ...DEFAULT_LAYOUT, pinned: ['web.visits', 'eth.usd'], order: ['btc.usd'] }
  t.same([...metrics].sort(compareMetrics(grouped)), ['web.visits', 'eth.usd', 'btc.usd', 'btc.eur', 'cpu', 'web.errors'])
  t.same([...metrics].sort(compareMetrics({ ...DEFAULT_LAYOUT, grouped: false, order: ['web.errors'] })),
    ['web.errors', 'btc.eur', 'btc.usd', 'cpu', 'eth.usd', 'web.visits'])
  t.equal(compareMetrics(DEFAULT_LAYOUT)('a', 'a'), 0)
  t.equal(groupOf('btc.usd'), 'btc')
  t.equal(groupOf('cpu'), 'cpu')
  t.equal(groupOf('.hidden'), '.hidden')
  t.equal(sectionOf(grouped, 'eth.usd'), 'Pinned')
  t.equal(sectionOf(grouped, 'btc.usd'), 'btc')
  t.equal(sectionOf({ ...DEFAULT_LAYOUT, grouped: false }, 'btc.usd'), undefined)
})

t.test('moving a card swaps it with its neighbour in its section', async (t) => {
  const shown = ['btc.eur', 'btc.usd', 'btc.zar', 'eth.usd']
  const down = moveMetric(DEFAULT_LAYOUT, shown, 'btc.eur', 1)
  t.same(down.order, ['btc.usd', 'btc.eur', 'btc.zar'])
  t.same([...shown].sort(compareMetrics(down)), ['btc.usd', 'btc.eur', 'btc.zar', 'eth.usd'])
  t.equal(moveMetric(DEFAULT_LAYOUT, shown, 'btc.zar', 1), DEFAULT_LAYOUT, 'the last of a group stays')
  t.equal(moveMetric(DEFAULT_LAYOUT, shown, 'btc.eur', -1), DEFAULT_LAYOUT, 'the first stays')
  t.equal(moveMetric(DEFAULT_LAYOUT, shown, 'gone', 1), DEFAULT_LAYOUT)
  const again = moveMetric({ ...down, order: ['eth.usd', ...down.order] }, shown, 'btc.zar', -1)
  t.same(again.order, ['eth.usd', 'btc.eur', 'btc.zar', 'btc.usd'], 'other groups keep their order')
  const pinned = { ...DEFAULT_LAYOUT, pinned: ['eth.usd', 'btc.usd'] }
  t.same(moveMetric(pinned, ['eth.usd', 'btc.usd', 'btc.eur'], 'btc.usd', -1).pinned, ['btc.usd', 'eth.usd'])
})

t.test('toggleIn adds and removes', async (t) => {
  const pinned = toggleIn(DEFAULT_LAYOUT, 'pinned', 'a')
  t.same(pinned.pinned, ['a'])
  t.same(toggleIn(pinned, 'pinned', 'a').pinned, [])
  t.same(toggleIn(DEFAULT_LAYOUT, 'hidden', 'b').hidden, ['b'])
})
