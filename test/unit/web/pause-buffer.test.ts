import t from 'tap'
import { DEFAULT_MAX_BUFFERED, PauseBuffer } from '../../../web/src/pause-buffer.js'

t.test('live items pass through; paused ones are held until resume, in order', async (t) => {
  const buffer = new PauseBuffer<number>()
  t.equal(buffer.maxItems, DEFAULT_MAX_BUFFERED)
  t.notOk(buffer.offer(1), 'live: the caller delivers')
  buffer.pause()
  t.ok(buffer.paused)
  t.ok(buffer.offer(2))
  t.ok(buffer.offer(3))
  t.equal(buffer.size, 2)
  t.same(buffer.resume(), { items: [2, 3], overflowed: false })
  t.notOk(buffer.paused)
  t.notOk(buffer.offer(4))
})

t.test('more than maxItems while paused drops them all and reports the overflow', async (t) => {
  const buffer = new PauseBuffer<number>(2)
  buffer.pause()
  for (let i = 0; i < 5; i++) t.ok(buffer.offer(i))
  t.equal(buffer.size, 0)
  t.same(buffer.resume(), { items: [], overflowed: true })
  buffer.pause()
  buffer.offer(9)
  t.same(buffer.resume(), { items: [9], overflowed: false }, 'the next pause starts afresh')
  t.equal(new PauseBuffer(-1).maxItems, 0)
})
