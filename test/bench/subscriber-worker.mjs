// One share of fanout.ts's SSE subscribers, in a worker thread. Plain .mjs
// because tsx cannot load a .ts worker on Node 20. Counts `mark` (a frame
// marker) and `: ping` in the raw bytes, including across read boundaries;
// parses `"ts":` only on sampled clients. Driven by subscriber-pool.ts.
import { connect } from 'node:net'
import { parentPort, workerData } from 'node:worker_threads'

const MARKS = [Buffer.from(workerData.mark), Buffer.from(': ping')]
const TAIL = Math.max(...MARKS.map((m) => m.length)) - 1
const EMPTY = Buffer.alloc(0)
// Every read lands here and is handled before the next (net's `onread`), which skips a Buffer
// and a stream 'data' event per read; what must outlive a read is copied.
const READ_BUFFER = Buffer.alloc(64 * 1024)
const sockets = new Set()
let counts = { received: 0, pings: 0, lastArrivalMs: 0, closed: 0 }
let latencies = []

function countMarks (client, chunk) {
  for (let m = 0; m < MARKS.length; m++) {
    const mark = MARKS[m]
    let n = 0
    if (client.tail.length > 0) {
      const joint = Buffer.concat([client.tail.subarray(Math.max(0, client.tail.length - mark.length + 1)), chunk.subarray(0, mark.length - 1)])
      if (joint.indexOf(mark) !== -1) n++
    }
    for (let at = chunk.indexOf(mark); at !== -1; at = chunk.indexOf(mark, at + mark.length)) n++
    if (m > 0) counts.pings += n
    else if (n > 0) { counts.received += n; counts.lastArrivalMs = Date.now() }
  }
  // Frames end in "\n\n", so a read rarely ends inside a marker: keep a tail only when it might.
  const recent = chunk.length >= TAIL ? chunk.subarray(chunk.length - TAIL) : Buffer.concat([client.tail, chunk]).subarray(-TAIL)
  // A copy, so the tail does not keep the whole read buffer alive.
  client.tail = MARKS.some((mark) => recent.includes(mark[0])) ? Buffer.from(recent) : EMPTY
}

function sampleLatency (client, chunk) {
  const text = client.pending + chunk.toString('latin1')
  const end = text.lastIndexOf('\n\n') + 2
  const now = Date.now()
  for (const match of text.slice(0, end).matchAll(/"ts":(\d+)/g)) latencies.push(now - Number(match[1]))
  client.pending = text.slice(end)
}

function open (port, path, sampled, timeoutMs) {
  return new Promise((resolve) => {
    const client = { tail: EMPTY, pending: '', head: '', ok: false }
    const onData = (chunk) => {
      if (!settled) {
        client.head += chunk.toString('latin1')
        const end = client.head.indexOf('\r\n\r\n')
        if (end === -1) return
        if (!client.head.startsWith('HTTP/1.1 200')) { socket.destroy(); return settle(false) }
        client.ok = true
        settle(true)
        chunk = Buffer.from(client.head.slice(end + 4), 'latin1')
      }
      countMarks(client, chunk)
      if (sampled) sampleLatency(client, chunk)
    }
    const socket = connect({ port, host: '127.0.0.1', onread: { buffer: READ_BUFFER, callback: (n, buf) => { onData(buf.subarray(0, n)) } } })
    let settled = false
    const settle = (ok) => { if (!settled) { settled = true; clearTimeout(timer); resolve(ok) } }
    const timer = setTimeout(() => { socket.destroy(); settle(false) }, timeoutMs)
    sockets.add(socket)
    socket.on('error', () => settle(false))
    socket.on('close', () => { sockets.delete(socket); if (client.ok) counts.closed++; settle(false) })
    socket.write(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`)
  })
}

const handlers = {
  async open ({ clients, timeoutMs }) {
    const results = await Promise.all(clients.map(({ port, path, sampled }) => open(port, path, sampled, timeoutMs)))
    return { connected: results.filter(Boolean).length, failed: results.filter((ok) => !ok).length }
  },
  stats: () => ({ ...counts, open: sockets.size }),
  reset () { counts = { received: 0, pings: 0, lastArrivalMs: 0, closed: counts.closed }; latencies = [] },
  latencies: () => Float64Array.from(latencies),
  close () { for (const socket of sockets) socket.destroy() }
}

parentPort.on('message', async ({ id, op, args }) => {
  parentPort.postMessage({ id, result: await handlers[op](args) })
})
