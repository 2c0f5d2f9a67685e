import type { FastifyPluginAsync } from 'fastify'
import type { Json, MetricBuckets, MetricCatalog, MetricHistory } from '../core/event.js'
import { NotFoundError, QueryInvalidError } from '../http/errors.js'
import type { EventLog } from '../log/event-log.js'

export interface MetricsRoutesOptions {
  readonly log: Pick<EventLog, 'catalog' | 'history' | 'buckets'>
  /** Clock in ms, injectable for tests. */
  readonly now?: () => number
}

/** Range used when `from` is not given: the last hour. */
const DEFAULT_RANGE_MS = 60 * 60 * 1000
const DEFAULT_LIMIT = 1000
const MAX_LIMIT = 10_000
const DEFAULT_POINTS = 500
const JSON_TYPE = 'application/json; charset=utf-8'
const MAX_TS = 8.64e15

/**
 * `{...fields, "<key>": <series>}` as bytes. The series is JSON already made
 * on a reader thread; only the small envelope is serialised here.
 */
function envelope<T> (fields: Record<string, unknown>, key: string, series: Uint8Array): Json<T> {
  const head = JSON.stringify(fields).slice(0, -1)
  return Buffer.concat([Buffer.from(`${head},${JSON.stringify(key)}:`), series, Buffer.from('}')])
}

interface HistoryRequest {
  Params: { name: string }
  Querystring: { from?: number, to?: number, limit?: number, points?: number, raw?: '0' | '1' | 'false' | 'true' }
}

const historySchema = {
  params: {
    type: 'object',
    properties: { name: { type: 'string', minLength: 1, maxLength: 200 } },
    required: ['name']
  },
  querystring: {
    type: 'object',
    properties: {
      from: { type: 'integer', minimum: 0, maximum: MAX_TS },
      to: { type: 'integer', minimum: 0, maximum: MAX_TS },
      limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT },
      points: { type: 'integer', minimum: 1, maximum: MAX_LIMIT },
      raw: { type: 'string', enum: ['0', '1', 'false', 'true'] }
    }
  }
} as const

/**
 * GET /api/metrics, and GET /api/metrics/:name/history: at most `points`
 * buckets over the range by default, raw points with `?raw=1`.
 */
export const metricsRoutes: FastifyPluginAsync<MetricsRoutesOptions> = async (app, options) => {
  const { log } = options
  const now = options.now ?? Date.now

  app.get('/api/metrics', async (): Promise<MetricCatalog> => ({ metrics: log.catalog() }))

  app.get<HistoryRequest>('/api/metrics/:name/history', { schema: historySchema }, async (request, reply) => {
    const { name } = request.params
    const { query } = request
    const toMs = query.to ?? now()
    const fromMs = query.from ?? toMs - DEFAULT_RANGE_MS
    if (fromMs > toMs) throw new QueryInvalidError(`from (${fromMs}) is after to (${toMs})`)
    if (query.raw === '1' || query.raw === 'true') {
      const points = await log.history(name, { fromMs, toMs, limit: query.limit ?? DEFAULT_LIMIT })
      if (points === undefined) throw new NotFoundError(`no metric named "${name}"`)
      return await reply.type(JSON_TYPE).send(envelope<MetricHistory>({ metric: name }, 'points', points))
    }
    const bucketMs = Math.max(1, Math.ceil((toMs - fromMs + 1) / (query.points ?? DEFAULT_POINTS)))
    const buckets = await log.buckets(name, { fromMs, toMs, bucketMs })
    if (buckets === undefined) throw new NotFoundError(`no metric named "${name}"`)
    return await reply.type(JSON_TYPE).send(envelope<MetricBuckets>({ metric: name, fromMs, toMs, bucketMs }, 'buckets', buckets))
  })
}
