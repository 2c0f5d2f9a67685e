import t from 'tap'
import { AuthFailures } from '../../../server/guards/auth-failures.js'

/** A counter on a clock the test moves by hand. */
function counter (limitPerMinute: number, maxAddresses?: number): { failures: AuthFailures, advance: (ms: number) => void } {
  let nowMs = 1000
  const failures = new AuthFailures({ limitPerMinute, now: () => nowMs, ...(maxAddresses === undefined ? {} : { maxAddresses }) })
  return { failures, advance: (ms) => { nowMs += ms } }
}

t.test('an address is refused once it reaches the limit, until its minute is over', async (t) => {
  const { failures, advance } = counter(3)
  failures.record('10.0.0.1')
  failures.record('10.0.0.1')
  t.equal(failures.retryAfterMs('10.0.0.1'), 0, 'under the limit')
  advance(10_000)
  failures.record('10.0.0.1')
  t.equal(failures.retryAfterMs('10.0.0.1'), 50_000, 'refused for the rest of the minute that began with its first failure')
  t.equal(failures.retryAfterMs('10.0.0.2'), 0, 'another address is not affected')
  advance(49_999)
  t.equal(failures.retryAfterMs('10.0.0.1'), 1)
  advance(1)
  t.equal(failures.retryAfterMs('10.0.0.1'), 0, 'free again when the minute ends')
  failures.record('10.0.0.1')
  t.equal(failures.retryAfterMs('10.0.0.1'), 0, 'a new minute counts from zero')
  t.equal(failures.size, 1, 'the expired window was dropped')
})

t.test('memory is bounded: expired windows are dropped, and past the cap the oldest address is forgotten', async (t) => {
  const { failures, advance } = counter(1, 3)
  for (const address of ['a', 'b', 'c']) failures.record(address)
  t.equal(failures.size, 3)
  failures.record('d')
  t.equal(failures.size, 3, 'never more than the cap')
  t.equal(failures.retryAfterMs('a'), 0, 'the oldest was forgotten')
  t.ok(failures.retryAfterMs('d') > 0)
  advance(60_000)
  failures.record('e')
  t.equal(failures.size, 1, 'every expired window went at once')
})

t.test('an IPv6 client is counted per /64, as the other per-address limits count it', async (t) => {
  const { failures } = counter(2)
  failures.record('2001:db8:1:2::1')
  failures.record('2001:db8:1:2:ffff::9')
  t.ok(failures.retryAfterMs('2001:db8:1:2::77') > 0, 'a third address of the same /64 is refused too')
  t.equal(failures.retryAfterMs('2001:db8:1:3::1'), 0, 'the next /64 is not')
})
