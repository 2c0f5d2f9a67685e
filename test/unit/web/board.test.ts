import t from 'tap'
import type { MetricBuckets, StoredEvent } from '../../../server/core/event.js'
import { Board, compileFilter, type BoardCounts } from '../../../web/src/board.js'
import type { Card } from '../../../web/src/cards/card.js'

class FakeCard implements Card {
  readonly metric: string
  readonly pushed: StoredEvent[] = []
  readonly backfilled: StoredEvent[][] = []
  readonly histories: MetricBuckets[] = []
  hidden = false
  destroyed = false

  constructor (metric: string) {
    this.metric = metric
  }

  push (event: StoredEvent): void { this.pushed.push(event) }
  backfill (events: readonly StoredEvent[]): void { this.backfilled.push([...events]) }
  setHistory (history: MetricBuckets): void { this.histories.push(history) }
  setHidden (hidden: boolean): void { this.hidden = hidden }
  render (): void {}
  destroy (): void { this.destroyed = true }
}

function setup (accepts?: (metric: string) => boolean) {
  const counts: BoardCounts[] = []
  const removed: string[] = []
  const board = new Board<FakeCard>({
    createCard: (metric) => new FakeCard(metric),
    onChange: (s) => { counts.push(s) },
    onRemove: (card) => { removed.push(card.metric) },
    ...(accepts === undefined ? {} : { accepts })
  })
  return { board, counts, removed }
}

const event = (metric: string, id: number): StoredEvent => ({ id, metric, value: id, ts: id })
const history = (metric: string, last: number): MetricBuckets =>
  ({ metric, fromMs: 0, toMs: 10, bucketMs: 1, buckets: [{ t: 1, min: last, max: last, avg: last, first: last, last, count: 1 }] })

t.test('creates a card when a metric first appears and routes later points to it', async (t) => {
  const { board, counts } = setup()
  board.push(event('btc.usd', 1))
  board.push(event('btc.usd', 2))
  board.push(event('eth.usd', 3))
  t.equal(board.metrics.length, 2)
  t.same(board.get('btc.usd')?.pushed.map((e) => e.id), [1, 2])
  t.same(board.get('eth.usd')?.pushed.map((e) => e.id), [3])
  t.same(counts.at(-1), { total: 2, visible: 2 })
  t.equal(counts.length, 2, 'reports only when a card is added')
})

t.test('keeps cards sorted by name, whatever the arrival order', async (t) => {
  const { board } = setup()
  for (const [i, metric] of ['web.signups', 'btc.usd', 'cpu.load', 'a', 'eth.usd', 'zz'].entries()) {
    board.push(event(metric, i))
  }
  const sorted = ['a', 'btc.usd', 'cpu.load', 'eth.usd', 'web.signups', 'zz']
  t.same(board.metrics, sorted)
})

t.test('backfill creates the card and hands it the points', async (t) => {
  const { board } = setup()
  board.backfill('cpu.load', [event('cpu.load', 1), event('cpu.load', 2)])
  t.same(board.get('cpu.load')?.backfilled, [[event('cpu.load', 1), event('cpu.load', 2)]])
})

t.test('history goes to the card the catalog created, and never creates one', async (t) => {
  const { board, counts } = setup()
  board.setHistory('cpu.load', history('cpu.load', 1))
  t.equal(board.metrics.length, 0)
  t.same(counts, [])
  board.backfill('cpu.load', [event('cpu.load', 5)])
  board.setHistory('cpu.load', history('cpu.load', 2))
  t.same(board.get('cpu.load')?.histories, [history('cpu.load', 2)])
})

t.test('ignores metrics outside the subscribed globs', async (t) => {
  const { board } = setup((metric) => metric.startsWith('btc.'))
  board.push(event('eth.usd', 1))
  board.backfill('eth.usd', [event('eth.usd', 1)])
  board.setHistory('eth.usd', history('eth.usd', 1))
  board.push(event('btc.usd', 2))
  t.same(board.metrics, ['btc.usd'])
})

t.test('the filter hides cards whose name lacks the text, case-insensitively', async (t) => {
  const { board, counts } = setup()
  for (const metric of ['btc.usd', 'eth.usd', 'cpu.load']) board.push(event(metric, 1))
  board.setFilter('  USD ')
  t.equal(board.get('btc.usd')?.hidden, false)
  t.equal(board.get('eth.usd')?.hidden, false)
  t.equal(board.get('cpu.load')?.hidden, true)
  t.same(counts.at(-1), { total: 3, visible: 2 })
  board.push(event('mem.rss', 2))
  t.equal(board.get('mem.rss')?.hidden, true, 'a new card respects the current filter')
  board.push(event('sol.usd', 3))
  t.equal(board.get('sol.usd')?.hidden, false)
  t.same(counts.at(-1), { total: 5, visible: 3 })
  board.setFilter('')
  t.same(counts.at(-1), { total: 5, visible: 5 })
})

t.test('remove destroys one card and reports it', async (t) => {
  const { board, removed, counts } = setup()
  board.push(event('a', 1))
  board.push(event('b', 2))
  const card = board.get('a')
  board.remove('a')
  t.same(removed, ['a'])
  t.ok(card?.destroyed)
  t.same(board.metrics, ['b'])
  t.same(counts.at(-1), { total: 1, visible: 1 })
})

t.test('clear removes and destroys every card', async (t) => {
  const { board, counts, removed } = setup()
  board.push(event('b', 1))
  board.push(event('a', 2))
  const cards = board.metrics.map((metric) => board.get(metric))
  board.clear()
  t.equal(board.metrics.length, 0)
  t.same(board.metrics, [])
  t.same(removed, ['b', 'a'])
  t.ok(cards.every((card) => card?.destroyed))
  t.same(counts.at(-1), { total: 0, visible: 0 })
  board.push(event('a', 3))
  t.same(board.get('a')?.pushed.map((e) => e.id), [3], 'a new card starts afresh')
})

t.test('works without the optional callbacks', async (t) => {
  const board = new Board<FakeCard>({ createCard: (metric) => new FakeCard(metric) })
  board.push(event('x', 1))
  board.setFilter('x')
  board.clear()
  t.equal(board.metrics.length, 0)
})

t.test('the filter takes several words, all required, and globs', async (t) => {
  const { board } = setup()
  for (const metric of ['btc.usd', 'btc.eur', 'eth.usd', 'web.btc_usd']) board.push(event(metric, 1))
  const shown = (): string[] => board.metrics.filter((m) => board.get(m)?.hidden === false)
  board.setFilter('btc usd')
  t.same(shown(), ['btc.usd', 'web.btc_usd'])
  board.setFilter('BTC.*')
  t.same(shown(), ['btc.eur', 'btc.usd'], 'a glob matches the whole name')
  t.equal(compileFilter('')('anything'), true)
})

t.test('a custom order, isShown, resort and remove', async (t) => {
  let hidden = new Set<string>(['b'])
  let reversed = true
  const board = new Board<FakeCard>({
    createCard: (metric) => new FakeCard(metric),
    compare: (a, b) => (reversed ? b.localeCompare(a) : a.localeCompare(b)),
    isShown: (metric) => !hidden.has(metric)
  })
  for (const metric of ['a', 'c', 'b']) board.push(event(metric, 1))
  t.same(board.metrics, ['c', 'b', 'a'])
  t.equal(board.get('b')?.hidden, true)
  hidden = new Set()
  board.refresh()
  t.equal(board.get('b')?.hidden, false)
  reversed = false
  board.resort()
  t.same(board.metrics, ['a', 'b', 'c'])
  const card = board.get('b')
  board.remove('b')
  board.remove('nothing')
  t.same(board.metrics, ['a', 'c'])
  t.ok(card?.destroyed)
  board.push(event('b', 2))
  t.same(board.metrics, ['a', 'b', 'c'], 'a removed metric comes back as a new card')
})
