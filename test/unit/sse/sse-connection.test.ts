import { once } from 'node:events'
import { PassThrough } from 'node:stream'
import t, { type Test } from 'tap'
import { DEFAULT_MAX_QUEUED_BYTES, SseConnection, type CloseReason } from '../../../server/sse/sse-connection.js'
import { within } from '../../helpers/wait-for.js'

const TEN = '0123456789'

interface Harness {
  readonly out: PassThrough
  readonly connection: SseConnection
  readonly reasons: CloseReason[]
  /** Settles on the stream's 'close' event (events.once would reject on 'error'). */
  readonly closeEvent: Promise<void>
}

/**
 * A connection over a PassThrough that nobody reads until the test says so.
 * With highWaterMark 16, a first write of 10 bytes passes to the unread
 * readable side; from then on, every byte written stays in the writable queue
 * (`queuedBytes`).
 */
function harness (t: Test, maxQueuedBytes: number | undefined, highWaterMark = 16): Harness {
  const out = new PassThrough({ highWaterMark })
  const reasons: CloseReason[] = []
  const onClose = (_connection: SseConnection, reason: CloseReason): void => { reasons.push(reason) }
  const connection = new SseConnection(out, maxQueuedBytes === undefined ? { onClose } : { maxQueuedBytes, onClose })
  const closeEvent = new Promise<void>((resolve) => out.once('close', () => resolve()))
  t.teardown(() => { out.destroy() })
  return { out, connection, reasons, closeEvent }
}

/** Everything the PassThrough emits until it ends. */
async function readAll (out: PassThrough): Promise<string> {
  const chunks: Buffer[] = []
  out.on('data', (chunk: Buffer) => chunks.push(chunk))
  await within(once(out, 'end'), 'end of stream')
  return Buffer.concat(chunks).toString()
}

/** Lets pending I/O callbacks and microtasks run (no timer involved). */
async function settle (): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

t.test('the default bound is 1 MiB', async (t) => {
  t.equal(DEFAULT_MAX_QUEUED_BYTES, 1024 * 1024)
  const { connection, reasons } = harness(t, undefined)
  connection.send(TEN) // passes to the unread side
  connection.send(Buffer.alloc(DEFAULT_MAX_QUEUED_BYTES))
  t.equal(connection.queuedBytes, DEFAULT_MAX_QUEUED_BYTES)
  connection.send('x')
  t.same(reasons, [], 'a queue exactly at the default bound still takes a send')
  connection.send('y')
  t.same(reasons, ['slow-consumer'])
})

t.test('sent strings and buffers reach the reader in order', async (t) => {
  const { out, connection } = harness(t, 1000)
  connection.send('retry: 1000\n\n')
  connection.send(Buffer.from(': ping\n\n'))
  connection.close('shutdown')
  t.equal(await readAll(out), 'retry: 1000\n\n: ping\n\n')
})

t.test('a new connection is open with a cursor of 0', async (t) => {
  const { connection } = harness(t, 100)
  t.equal(connection.closed, false)
  t.equal(connection.lastId, 0)
  t.equal(connection.queuedBytes, 0)
})

t.test('unread bytes beyond the stream buffer count as queued', async (t) => {
  const { connection } = harness(t, 1000)
  connection.send(TEN)
  t.equal(connection.queuedBytes, 0, 'the first bytes fit in the unread buffer')
  connection.send(TEN)
  connection.send(TEN)
  t.equal(connection.queuedBytes, 20)
})

t.test('a send while the queue is over maxQueuedBytes destroys the stream and closes as slow-consumer', async (t) => {
  const { out, connection, reasons, closeEvent } = harness(t, 25)
  connection.send(TEN) // unread buffer
  connection.send(TEN) // queued 10
  connection.send(TEN) // queued 20
  connection.send(TEN) // queued 30: this chunk is taken, the queue was under the bound
  t.equal(connection.queuedBytes, 30)
  t.same(reasons, [])
  connection.send(TEN)
  t.equal(out.destroyed, true)
  t.equal(connection.closed, true)
  t.same(reasons, ['slow-consumer'])
  await within(closeEvent, 'close event')
  t.same(reasons, ['slow-consumer'], 'the close event that follows the destroy does not report again')
})

t.test('a queue exactly at the bound still takes one more send', async (t) => {
  const { connection, reasons } = harness(t, 20)
  connection.send(TEN)
  connection.send(Buffer.alloc(20))
  t.equal(connection.queuedBytes, 20)
  connection.send('x')
  t.same(reasons, [])
  t.equal(connection.queuedBytes, 21)
})

t.test('one chunk larger than the bound is taken when the queue was under it', async (t) => {
  const { connection, reasons } = harness(t, 20)
  connection.send(TEN)
  connection.send(Buffer.alloc(100))
  t.same(reasons, [])
  t.equal(connection.queuedBytes, 100)
  connection.send('x')
  t.same(reasons, ['slow-consumer'])
})

t.test('sends after a slow-consumer cut-off are ignored', async (t) => {
  const { out, connection, reasons } = harness(t, 5)
  connection.send(TEN)
  connection.send(Buffer.alloc(10))
  connection.send('x')
  t.same(reasons, ['slow-consumer'])
  const writes: unknown[] = []
  out.write = (chunk: unknown): boolean => { writes.push(chunk); return true }
  connection.send('late')
  connection.send(Buffer.from('later'))
  t.same(writes, [])
  t.same(reasons, ['slow-consumer'])
})

t.test('the client going away closes the connection with reason client, once', async (t) => {
  const { out, connection, reasons, closeEvent } = harness(t, 100)
  out.destroy()
  await within(closeEvent, 'close event')
  t.same(reasons, ['client'])
  t.equal(connection.closed, true)
  connection.send('ignored')
  connection.close('shutdown')
  t.same(reasons, ['client'], 'a close after the client left reports nothing more')
})

t.test('an error on the stream is swallowed and the close that follows reports client', async (t) => {
  const { out, reasons, closeEvent } = harness(t, 100)
  out.destroy(new Error('ECONNRESET'))
  await within(closeEvent, 'close event')
  t.same(reasons, ['client'])
})

t.test('close with a farewell writes it after what was queued, then ends the stream', async (t) => {
  const { out, connection, reasons, closeEvent } = harness(t, 1000)
  connection.send('data: a\n\n')
  connection.close('shutdown', 'retry: 2500\n\n')
  t.equal(connection.closed, true)
  t.same(reasons, ['shutdown'])
  t.equal(await readAll(out), 'data: a\n\nretry: 2500\n\n')
  await within(closeEvent, 'close event')
  t.same(reasons, ['shutdown'], 'the close event after end does not report again')
})

t.test('close without a farewell ends the stream with nothing more', async (t) => {
  const { out, connection, reasons } = harness(t, 1000)
  connection.send('x')
  connection.close('error')
  t.equal(await readAll(out), 'x')
  t.same(reasons, ['error'])
})

t.test('closing twice reports only the first reason', async (t) => {
  const { connection, reasons } = harness(t, 1000)
  connection.close('shutdown', 'bye')
  connection.close('error', 'again')
  t.same(reasons, ['shutdown'])
})

t.test('close on a stream destroyed but not yet closed does not write to it', async (t) => {
  const { out, connection, reasons } = harness(t, 1000)
  out.destroy()
  let ended = false
  out.end = (): PassThrough => { ended = true; return out }
  connection.close('error', 'bye')
  t.equal(ended, false)
  t.same(reasons, ['error'])
})

t.test('onClose is told which connection closed', async (t) => {
  const out = new PassThrough()
  t.teardown(() => { out.destroy() })
  const closed: SseConnection[] = []
  const connection = new SseConnection(out, { onClose: (which) => closed.push(which) })
  connection.close('client')
  t.same(closed, [connection])
})

t.test('a kept subscription ends when the connection closes, once', async (t) => {
  const { connection } = harness(t, 100)
  let unsubscribed = 0
  connection.keepSubscription({ unsubscribe: () => { unsubscribed++ } })
  t.equal(unsubscribed, 0, 'still subscribed while open')
  connection.close('client')
  connection.close('error')
  t.equal(unsubscribed, 1)
})

t.test('a subscription kept after the close ends at once', async (t) => {
  const { connection } = harness(t, 100)
  connection.close('client')
  let unsubscribed = 0
  connection.keepSubscription({ unsubscribe: () => { unsubscribed++ } })
  t.equal(unsubscribed, 1)
})

t.test('whenWritable resolves at once while the queue is at most half the bound', async (t) => {
  const { connection } = harness(t, 40)
  connection.send(TEN)
  connection.send(TEN)
  connection.send(TEN) // queued 20 = half
  t.equal(connection.queuedBytes, 20)
  await within(connection.whenWritable(), 'whenWritable')
  t.pass('resolved without any reader')
})

t.test('whenWritable waits while the queue is over half the bound and resolves once the reader drains it', async (t) => {
  const { out, connection } = harness(t, 30)
  for (let i = 0; i < 3; i++) connection.send(TEN) // queued 20 > 15; the stream asked for a drain
  let done = false
  const writable = connection.whenWritable().then(() => { done = true })
  await settle()
  t.equal(done, false, 'still waiting while nobody reads')
  out.resume()
  await within(writable, 'whenWritable after drain')
  t.equal(connection.queuedBytes, 0)
  t.equal(connection.closed, false)
})

t.test('whenWritable checks the queue again after each drain', async (t) => {
  const { out, connection } = harness(t, 30)
  for (let i = 0; i < 3; i++) connection.send(TEN)
  let refills = 0
  // Registered before whenWritable's own listener, so the queue is full again when it wakes.
  out.on('drain', () => {
    if (refills++ > 0) return
    out.pause()
    for (let i = 0; i < 4; i++) connection.send(TEN)
  })
  let done = false
  const writable = connection.whenWritable().then(() => { done = true })
  out.resume()
  await within(once(out, 'drain'), 'first drain')
  await settle()
  t.equal(done, false, 'the refilled queue keeps it waiting')
  t.ok(connection.queuedBytes > 15)
  out.resume()
  await within(writable, 'whenWritable after the second drain')
  t.equal(refills, 2)
})

t.test('whenWritable resolves when the client goes away', async (t) => {
  const { out, connection, reasons } = harness(t, 30)
  for (let i = 0; i < 3; i++) connection.send(TEN)
  const writable = connection.whenWritable()
  out.destroy()
  await within(writable, 'whenWritable after close')
  t.same(reasons, ['client'])
})

t.test('whenWritable resolves when a send cuts the slow client off', async (t) => {
  const { connection, reasons } = harness(t, 30)
  for (let i = 0; i < 4; i++) connection.send(TEN) // queued 30
  const writable = connection.whenWritable()
  connection.send(TEN) // 30 is not over 30: taken
  connection.send(TEN) // 40 > 30: cut off
  await within(writable, 'whenWritable after cut-off')
  t.same(reasons, ['slow-consumer'])
})

t.test('whenWritable resolves at once on a closed connection, even with a full queue', async (t) => {
  const { connection } = harness(t, 30)
  for (let i = 0; i < 4; i++) connection.send(TEN)
  connection.close('shutdown')
  // Closed before the call: the loop condition is false straight away.
  await within(connection.whenWritable(), 'whenWritable on a closed connection')
  t.equal(connection.closed, true)
})

t.test('whenWritable resolves when the stream errors and closes (a reset peer)', async (t) => {
  const { out, connection, reasons } = harness(t, 30)
  for (let i = 0; i < 3; i++) connection.send(TEN)
  const writable = connection.whenWritable()
  out.destroy(new Error('ECONNRESET'))
  await t.resolves(within(writable, 'whenWritable after a reset'))
  t.same(reasons, ['client'])
})

t.test('whenWritable resolves when the connection is closed while it waits and the client still does not read', async (t) => {
  const { connection, reasons } = harness(t, 30)
  for (let i = 0; i < 3; i++) connection.send(TEN)
  const writable = connection.whenWritable()
  connection.close('shutdown', 'retry: 1000\n\n')
  t.same(reasons, ['shutdown'])
  await t.resolves(within(writable, 'whenWritable after close(shutdown)'))
})

t.test('whenWritable does not wait for a drain that cannot come (queue below the stream highWaterMark)', async (t) => {
  const out = new PassThrough({ readableHighWaterMark: 16, writableHighWaterMark: 1024 })
  t.teardown(() => { out.destroy() })
  const connection = new SseConnection(out, { maxQueuedBytes: 100, onClose: () => {} })
  connection.send(TEN)
  connection.send(Buffer.alloc(60)) // queued 60 > 50, but under the stream's 1024: write returned true
  t.equal(connection.queuedBytes, 60)
  await t.resolves(within(connection.whenWritable(), 'whenWritable with no drain pending'))
  t.equal(connection.queuedBytes, 60, 'nobody has read anything')
})
