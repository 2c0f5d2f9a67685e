/**
 * The head of a `200` event-stream response, written straight to the socket.
 * The body is delimited by closing the connection (`connection: close`), so
 * every later write goes to the socket as is: no chunked framing, no
 * ServerResponse bookkeeping, one syscall per write.
 */
export function encodeResponseHead (headers: Readonly<Record<string, string | number | readonly string[] | undefined>>): string {
  let head = 'HTTP/1.1 200 OK\r\n'
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    for (const item of Array.isArray(value) ? value : [value]) head += `${name}: ${String(item).replace(/[\r\n]/g, '')}\r\n`
  }
  return `${head}connection: close\r\n\r\n`
}
