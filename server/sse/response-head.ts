import { STATUS_CODES } from 'node:http'

/**
 * The head of a response written straight to the socket: a `200`
 * event-stream by default, or an error answered before its request body
 * arrived. The body is delimited by closing the connection (`connection:
 * close`), so every later write goes to the socket as is: no chunked framing,
 * no ServerResponse bookkeeping, one syscall per write.
 */
export function encodeResponseHead (headers: Readonly<Record<string, string | number | readonly string[] | undefined>>, statusCode = 200): string {
  let head = `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? ''}\r\n`
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    for (const item of Array.isArray(value) ? value : [value]) head += `${name}: ${String(item).replace(/[\r\n]/g, '')}\r\n`
  }
  return `${head}connection: close\r\n\r\n`
}
