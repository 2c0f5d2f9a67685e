import t, { type Test } from 'tap'
import { OTHER_ADDRESSES, RefusalLog, refusalKind, type RefusalLine } from '../../../server/http/refusal-log.js'
import { waitFor } from '../../helpers/wait-for.js'

/** A log writing into an array, with a long interval unless given, closed when the test ends. */
function capture (t: Test, options: { intervalMs?: number, maxKeys?: number } = {}): { log: RefusalLog, lines: RefusalLine[] } {
  const lines: RefusalLine[] = []
  const log = new RefusalLog({ write: (line) => lines.push(line), intervalMs: 60_000, ...options })
  t.teardown(() => log.close())
  return { log, lines }
}

t.test('sorts answers into refusal kinds; other 5xx are faults, not refusals', async (t) => {
  t.equal(refusalKind(503, 'PB_ERR_OVERLOADED'), 'overloaded')
  t.equal(refusalKind(429, 'PB_ERR_RATE_LIMITED'), 'rate_limited')
  t.equal(refusalKind(413, 'PB_ERR_BODY_TOO_LARGE'), 'client_error')
  t.equal(refusalKind(503, 'PB_ERR_STORE_UNAVAILABLE'), undefined)
  t.equal(refusalKind(500, 'PB_ERR_INTERNAL'), undefined)
})

t.test('the first refusal of a kind to an address is written at once; the next ones wait for the interval', async (t) => {
  const { log, lines } = capture(t)
  for (let i = 0; i < 300; i++) log.note('overloaded', '10.0.0.1', 'PB_ERR_OVERLOADED', `full ${i}`)
  log.note('rate_limited', '10.0.0.1', 'PB_ERR_RATE_LIMITED', 'slow down')
  log.note('overloaded', '10.0.0.2', 'PB_ERR_OVERLOADED', 'full')
  t.same(lines.map((line) => [line.kind, line.address, line.refused]), [
    ['overloaded', '10.0.0.1', 1], ['rate_limited', '10.0.0.1', 1], ['overloaded', '10.0.0.2', 1]
  ])
  t.same(log.counts, { overloaded: 301, rate_limited: 1, client_error: 0 }, 'every refusal is counted')
  log.close()
  t.match(lines.at(-1), { kind: 'overloaded', address: '10.0.0.1', refused: 299, code: 'PB_ERR_OVERLOADED', detail: 'full 299' }, 'closing writes what was folded')
})

t.test('folded refusals are written once the interval has passed, and a quiet pair is forgotten', async (t) => {
  const { log, lines } = capture(t, { intervalMs: 50 })
  const of = (address: string): RefusalLine[] => lines.filter((line) => line.address === address)
  const started = performance.now()
  log.note('client_error', '10.0.0.1', 'PB_ERR_PAYLOAD_INVALID', 'bad')
  log.note('client_error', '10.0.0.1', 'PB_ERR_MALFORMED_BODY', 'worse')
  // Written between two passes of the timer: its interval has not passed at the next one.
  await new Promise((resolve) => setTimeout(resolve, 20))
  const second = performance.now()
  log.note('client_error', '10.0.0.2', 'PB_ERR_PAYLOAD_INVALID', 'bad')
  log.note('client_error', '10.0.0.2', 'PB_ERR_PAYLOAD_INVALID', 'bad')
  await waitFor(() => of('10.0.0.1').length === 2 && of('10.0.0.2').length === 2, 5000, 'the folded lines')
  t.ok(performance.now() - started >= 50 && performance.now() - second >= 50, 'not before the interval')
  t.match(of('10.0.0.1')[1], { refused: 1, code: 'PB_ERR_MALFORMED_BODY', detail: 'worse' }, 'the line names the latest refusal')
  // Quiet for a few intervals: the next refusal is written at once again.
  await new Promise((resolve) => setTimeout(resolve, 200))
  log.note('client_error', '10.0.0.1', 'PB_ERR_PAYLOAD_INVALID', 'again')
  t.equal(of('10.0.0.1').length, 3)
  t.equal(of('10.0.0.1')[2]?.refused, 1)
})

t.test('past maxKeys addresses, new addresses share one line per kind', async (t) => {
  const { log, lines } = capture(t, { maxKeys: 2 })
  for (const address of ['a', 'b', 'c', 'd']) log.note('overloaded', address, 'PB_ERR_OVERLOADED', 'full')
  log.note('overloaded', 'a', 'PB_ERR_OVERLOADED', 'full')
  t.same(lines.map((line) => line.address), ['a', 'b', OTHER_ADDRESSES])
  log.close()
  t.same(lines.slice(3).map((line) => [line.address, line.refused]), [['a', 1], [OTHER_ADDRESSES, 1]])
})
