import { PassThrough } from 'node:stream'
import t, { type Test } from 'tap'
import { LocalAddressSlots } from '../../../server/sse/address-slots.js'
import { ConnectionRegistry } from '../../../server/sse/connection-registry.js'
import type { CloseReason } from '../../../server/sse/sse-connection.js'

function stream (t: Test, highWaterMark = 16): PassThrough {
  const out = new PassThrough({ highWaterMark })
  t.teardown(() => { out.destroy() })
  return out
}

/** Settles on the stream's 'close' event, with a timeout so a hang fails. */
async function closeOf (out: PassThrough): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      new Promise<void>((resolve) => out.once('close', () => resolve())),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error('no close event within 1000 ms')), 1000)
      })
    ])
  } finally {
    clearTimeout(timer)
  }
}

async function readAll (out: PassThrough): Promise<string> {
  const chunks: Buffer[] = []
  out.on('data', (chunk: Buffer) => chunks.push(chunk))
  await closeOf(out)
  return Buffer.concat(chunks).toString()
}

t.test('a new registry is empty with every close count at 0', async (t) => {
  const registry = new ConnectionRegistry({ maxQueuedBytes: 100 })
  t.equal(registry.size, 0)
  t.same(registry.closeCounts, { client: 0, 'slow-consumer': 0, shutdown: 0, error: 0 })
})

t.test('open tracks the connection until it closes, then calls onClose with the reason', async (t) => {
  const reasons: Array<[CloseReason, string, number]> = []
  const registry: ConnectionRegistry = new ConnectionRegistry({ maxQueuedBytes: 100, onClose: (reason, address) => reasons.push([reason, address, registry.size]) })
  const connection = registry.open(stream(t), '127.0.0.1')
  registry.open(stream(t), '127.0.0.2')
  t.equal(registry.size, 2)
  t.equal(connection.closed, false)
  connection.close('error')
  t.same(reasons, [['error', '127.0.0.1', 1]], 'onClose runs, with the address, after the connection has left the registry')
  t.equal(registry.size, 1)
  t.same(registry.closeCounts, { client: 0, 'slow-consumer': 0, shutdown: 0, error: 1 })
})

t.test('connections get the registry bound on queued bytes', async (t) => {
  const reasons: CloseReason[] = []
  const registry = new ConnectionRegistry({ maxQueuedBytes: 20, onClose: (reason) => reasons.push(reason) })
  const connection = registry.open(stream(t), '127.0.0.1')
  connection.send('0123456789') // passes to the unread side
  connection.send(Buffer.alloc(20)) // queued 20: at the bound
  connection.send('x') // queued 21
  t.same(reasons, [])
  connection.send('y')
  t.same(reasons, ['slow-consumer'])
  t.equal(registry.size, 0)
  t.equal(registry.closeCounts['slow-consumer'], 1)
})

t.test('a client going away is counted as client', async (t) => {
  const reasons: CloseReason[] = []
  const registry = new ConnectionRegistry({ maxQueuedBytes: 100, onClose: (reason) => reasons.push(reason) })
  const out = stream(t)
  registry.open(out, '127.0.0.1')
  out.destroy()
  await closeOf(out)
  t.same(reasons, ['client'])
  t.equal(registry.size, 0)
  t.same(registry.closeCounts, { client: 1, 'slow-consumer': 0, shutdown: 0, error: 0 })
})

t.test('closeAll ends every open stream with its own farewell and counts shutdowns', async (t) => {
  const reasons: CloseReason[] = []
  const registry = new ConnectionRegistry({ maxQueuedBytes: 1000, onClose: (reason) => reasons.push(reason) })
  const outs = [stream(t), stream(t), stream(t)]
  const connections = outs.map((out) => registry.open(out, '127.0.0.1'))
  connections.forEach((connection, i) => { connection.lastId = i + 10 })
  connections[0]?.send('data: a\n\n')
  const farewells = outs.map(readAll)
  registry.closeAll((connection) => `retry: ${connection.lastId}\n\n`)
  t.equal(registry.size, 0, 'every connection left, even though closing edits the set being walked')
  t.same(reasons, ['shutdown', 'shutdown', 'shutdown'])
  t.same(await Promise.all(farewells), ['data: a\n\nretry: 10\n\n', 'retry: 11\n\n', 'retry: 12\n\n'])
  t.same(registry.closeCounts, { client: 0, 'slow-consumer': 0, shutdown: 3, error: 0 })
})

t.test('closeAll skips connections that already closed and asks no farewell for them', async (t) => {
  const registry = new ConnectionRegistry({ maxQueuedBytes: 1000 })
  const gone = registry.open(stream(t), '127.0.0.1')
  registry.open(stream(t), '127.0.0.1')
  gone.close('error')
  const asked: unknown[] = []
  registry.closeAll((connection) => {
    asked.push(connection)
    return ''
  })
  t.equal(asked.length, 1)
  t.not(asked[0], gone)
  t.same(registry.closeCounts, { client: 0, 'slow-consumer': 0, shutdown: 1, error: 1 })
})

t.test('a stream closing after a shutdown is not counted twice', async (t) => {
  const registry = new ConnectionRegistry({ maxQueuedBytes: 1000 })
  const out = stream(t)
  registry.open(out, '127.0.0.1')
  const read = readAll(out)
  registry.closeAll(() => 'retry: 1\n\n')
  await read
  t.same(registry.closeCounts, { client: 0, 'slow-consumer': 0, shutdown: 1, error: 0 })
})

t.test('closeAll on an empty registry does nothing', async (t) => {
  const registry = new ConnectionRegistry({ maxQueuedBytes: 1000 })
  registry.closeAll(() => { throw new Error('no farewell expected') })
  t.equal(registry.size, 0)
})

t.test('a closing stream gives back its per-address slot, once; an exempt stream holds none', async (t) => {
  const slots = new LocalAddressSlots()
  const registry = new ConnectionRegistry({ maxQueuedBytes: 1024, slots })
  for (const key of ['10.0.0.1', '10.0.0.1', '10.0.0.2']) t.ok(await slots.take(key, 2))
  const a1 = registry.open(stream(t), '10.0.0.1', '10.0.0.1')
  registry.open(stream(t), '10.0.0.1', '10.0.0.1')
  const b = registry.open(stream(t), '10.0.0.2', '10.0.0.2')
  const local = registry.open(stream(t), '127.0.0.1')
  t.notOk(await slots.take('10.0.0.1', 2), 'the key is full')
  a1.close('client')
  a1.close('error')
  b.close('client')
  local.close('client')
  t.equal(slots.held('10.0.0.1'), 1)
  t.equal(slots.held('10.0.0.2'), 0)
  t.ok(await slots.take('10.0.0.1', 2), 'the slot is free again')
})

t.test('a socket that closed before it was registered ends its connection at once', async (t) => {
  const slots = new LocalAddressSlots()
  const reasons: CloseReason[] = []
  const registry = new ConnectionRegistry({ maxQueuedBytes: 1024, slots, onClose: (reason) => reasons.push(reason) })
  t.ok(await slots.take('10.0.0.1', 1))
  const out = stream(t)
  out.destroy()
  const connection = registry.open(out, '10.0.0.1', '10.0.0.1')
  t.ok(connection.closed)
  t.equal(registry.size, 0)
  t.same(reasons, ['client'])
  t.equal(slots.held('10.0.0.1'), 0, 'its slot is given back')
})
