/**
 * The naive fan-out that fanout.ts compares Pulseboard with: a plain Fastify
 * app that stringifies each point once per client and writes it to each
 * client on its own, with no coalescing, grouping or backpressure.
 * Usage: node --import tsx test/bench/naive-server.ts [--port 0]; prints the port on stdout.
 */
import type { ServerResponse } from 'node:http'
import { parseArgs } from 'node:util'
import Fastify from 'fastify'

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } })

const clients = new Set<ServerResponse>()
const app = Fastify({ logger: false })

app.get('/api/stream', (request, reply) => {
  reply.hijack()
  reply.raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' })
  // writeHead only stores the headers; without this they would wait for the first point.
  reply.raw.flushHeaders()
  clients.add(reply.raw)
  request.raw.socket.on('close', () => clients.delete(reply.raw))
})

app.post<{ Body: unknown[] }>('/api/events', async (request, reply) => {
  for (const point of request.body) {
    for (const res of clients) res.write('data: ' + JSON.stringify(point) + '\n\n')
  }
  return reply.code(202).send({ accepted: request.body.length })
})

const address = await app.listen({ port: Number(values.port), host: '127.0.0.1' })
process.stdout.write(`${new URL(address).port}\n`)
