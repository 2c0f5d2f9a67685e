import type { ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import { Socket } from 'node:net'

/**
 * Node's HTTP server keeps, for every open connection, its parser, the
 * request and response objects, Fastify's request and reply and a dozen
 * listeners, which make up most of the heap an idle stream costs. A stream
 * that has sent its head needs none of it, so it is let go the way Node itself
 * lets go of an upgraded (WebSocket) connection.
 */

type FreeParser = (parser: unknown, req: unknown, socket: unknown) => void

// `_http_common` is one of Node's public underscore modules; `freeParser` is what its own
// upgrade path calls. Should a future Node drop it, streams simply stay attached.
const freeParser = (createRequire(import.meta.url)('_http_common') as { freeParser?: FreeParser }).freeParser

/** Events the HTTP server listens to on a connection's socket. */
const HTTP_SOCKET_EVENTS = ['data', 'end', 'close', 'drain', 'error', 'timeout', 'pause', 'resume'] as const

/** Listeners every net.Socket has of its own (half-close handling), which must stay. */
const OWN_LISTENERS = new Set(HTTP_SOCKET_EVENTS.flatMap((event) => new Socket().listeners(event)))

function destroySocket (this: Socket): void {
  this.destroy()
}

/**
 * Releases a hijacked connection from the HTTP server once the response head
 * is written: the parser is freed, the server's and the response's listeners
 * are removed, and the socket is left as a plain TCP stream. It keeps reading
 * (and discarding) so that a client's close is seen at once. Does nothing to
 * a socket that Node's HTTP/1.1 server does not own (HTTP/2, plain streams).
 *
 * The handler runs inside the parser's own callback, which would put a freed
 * parser back in the server's connection list; so the release waits for the
 * next turn of the event loop, and takes only the listeners there are now,
 * not the ones the stream adds meanwhile.
 */
export function detachSocket (socket: Socket, response: ServerResponse): void {
  const parser = (socket as Socket & { parser?: unknown }).parser
  if (freeParser === undefined || parser === undefined || parser === null) return
  const serverListeners = HTTP_SOCKET_EVENTS.flatMap((event) =>
    socket.listeners(event).filter((listener) => !OWN_LISTENERS.has(listener)).map((listener) => [event, listener] as const))
  setImmediate(() => {
    // Closed meanwhile: the server's own close handling frees the parser.
    if (socket.destroyed) return
    for (const [event, listener] of serverListeners) socket.removeListener(event, listener as (...args: unknown[]) => void)
    freeParser(parser, response.req, socket)
    response.detachSocket(socket)
    socket.setTimeout(0)
    // The server's sockets allow half-open connections; a client that closes its side is done.
    socket.on('end', destroySocket)
    socket.resume()
  })
}
