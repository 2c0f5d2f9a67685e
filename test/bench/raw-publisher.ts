import { connect, type Socket } from 'node:net'

/**
 * Publishes over raw keep-alive sockets with a prebuilt request, one request
 * in flight per socket. A Node HTTP client spends more CPU per request than
 * the server does, so it would measure itself; this reads only the status
 * line and Content-Length of each answer.
 */
export async function publishFlat (port: number, body: string, connections: number, seconds: number): Promise<{ perSecond: number, refused: number }> {
  const request = Buffer.from(`POST /api/events HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
  const end = Date.now() + seconds * 1000
  let done = 0
  let refused = 0
  const run = async (): Promise<void> => await new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1')
    let pending: Buffer = Buffer.alloc(0)
    socket.on('error', reject)
    socket.on('connect', () => socket.write(request))
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      for (;;) {
        const headerEnd = pending.indexOf('\r\n\r\n')
        if (headerEnd === -1) return
        const head = pending.subarray(0, headerEnd).toString('latin1')
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0)
        if (pending.length < headerEnd + 4 + length) return
        if (head.startsWith('HTTP/1.1 202')) done++
        else refused++
        pending = pending.subarray(headerEnd + 4 + length)
        if (Date.now() < end) socket.write(request)
        else { socket.end(); resolve() }
      }
    })
  })
  await Promise.all(Array.from({ length: connections }, run))
  return { perSecond: done / seconds, refused }
}
