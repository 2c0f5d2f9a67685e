import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { constants, type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2'
import type { onRequestAsyncHookHandler, onResponseAsyncHookHandler, preValidationAsyncHookHandler } from 'fastify'

type AnyServer = Server | Http2SecureServer
type AnyRequest = IncomingMessage | Http2ServerRequest
type AnyReply = ServerResponse | Http2ServerResponse

/** The hooks of {@link requestDeadline}, for an app that serves HTTP/1.1 and HTTP/2. */
export interface RequestDeadlineHooks {
  readonly onRequest: onRequestAsyncHookHandler<AnyServer, AnyRequest, AnyReply>
  /** The body has arrived. */
  readonly preValidation: preValidationAsyncHookHandler<AnyServer, AnyRequest, AnyReply>
  /** Answered before its body was read (401, 413, 415…): the connection may carry the next request. */
  readonly onResponse: onResponseAsyncHookHandler<AnyServer, AnyRequest, AnyReply>
}

/** Ends a request mid-body: its HTTP/2 stream alone, or its HTTP/1.1 connection. */
function drop (raw: AnyRequest): void {
  if ('stream' in raw) raw.stream.close(constants.NGHTTP2_CANCEL)
  else raw.socket.destroy()
}

/**
 * Hooks that drop a request whose body has not fully arrived `timeoutMs` after
 * its head. Node 20's HTTP/2 server, which also serves HTTP/1.1 over TLS,
 * enforces no request time limit of its own, so without this a client could
 * hold a request open for ever by trickling its body. A request without a body
 * reaches preValidation at once, so event streams are never affected.
 * `onDrop` is told the client's address of each request dropped unanswered.
 */
export function requestDeadline (timeoutMs: number, onDrop: (address: string) => void): RequestDeadlineHooks {
  const timers = new WeakMap<AnyRequest, NodeJS.Timeout>()
  return {
    onRequest: async (request, reply) => {
      const timer = setTimeout(() => {
        // A request refused before its body arrived (see lingering-close.ts) was counted then.
        if (!reply.sent) onDrop(request.ip)
        drop(request.raw)
      }, timeoutMs)
      timers.set(request.raw, timer.unref())
    },
    preValidation: async (request) => {
      clearTimeout(timers.get(request.raw))
    },
    onResponse: async (request) => {
      clearTimeout(timers.get(request.raw))
    }
  }
}
