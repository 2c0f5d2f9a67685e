/**
 * The floor that fanout.ts measures Pulseboard against: a bare `node:net`
 * server with no HTTP framework, no store and no hub, that answers any request
 * with an event-stream head. Once sent SIGUSR1 (after the benchmark's ramp,
 * which writing would slow) it writes, ten times a second or at once if a pass
 * ran over, one shared frame carrying the pass's start time to every client,
 * one `write` each. Its pass time is what the kernel and Node charge
 * for one write per subscriber on this machine, so its latency is the least
 * any server that writes each client once per tick can show.
 * Usage: node --import tsx test/bench/write-floor-server.ts; prints the port on stdout.
 */
import { createServer, type Socket } from 'node:net'

const PASS_INTERVAL_MS = 100
const HEAD = 'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n\r\n'

const streams = new Set<Socket>()

const server = createServer((socket) => {
  socket.setNoDelay(true)
  socket.on('error', () => socket.destroy())
  socket.on('close', () => streams.delete(socket))
  let request = ''
  const onData = (chunk: Buffer): void => {
    request += chunk.toString('latin1')
    if (!request.includes('\r\n\r\n')) return
    socket.off('data', onData)
    socket.on('data', () => {}) // a client has nothing more to say; keep reading so it can't fill our buffer
    socket.write(HEAD)
    streams.add(socket)
  }
  socket.on('data', onData)
})

function pass (): void {
  const started = Date.now()
  const frame = Buffer.from(`event: metric\ndata: {"ts":${started}}\n\n`)
  for (const socket of streams) socket.write(frame)
  setTimeout(pass, Math.max(0, started + PASS_INTERVAL_MS - Date.now()))
}

server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  process.stdout.write(`${address.port}\n`)
})
process.once('SIGUSR1', pass)
process.on('SIGTERM', () => process.exit(0))
