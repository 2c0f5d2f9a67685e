import type { FastifyPluginAsync } from 'fastify'
import type { MetricCatalog, MetricHistory } from '../core/event.js'
import { NotFoundError, QueryInvalidError } from '../errors.js'
import type { EventLog } from '../log/event-log.js'

export interface MetricsRoutesOptions {
  readonly log: Pick<EventLog, 'catalog' | 'history'>
  /** Clock in ms, injectable for tests. */
  readonly now?: () => number
}

/** Range used when `from` is not given: the last hour. */
const DEFAULT_RANGE_MS = 60 * 60 * 1000
const DEFAULT_LIMIT = 1000
const MAX_LIMIT = 10_000
const MAX_TS = 8.64e15

interface HistoryRequest {
  Params: { name: string }
  Querystring: { from?: number, to?: number, limit?: number }
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
      limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT }
    }
  }
} as const

/** GET /api/metrics and GET /api/metrics/:name/history. */
export const metricsRoutes: FastifyPluginAsync<MetricsRoutesOptions> = async (app, options) => {
  const { log } = options
  const now = options.now ?? Date.now

  app.get('/api/metrics', async (): Promise<MetricCatalog> => ({ metrics: log.catalog() }))

  app.get<HistoryRequest>('/api/metrics/:name/history', { schema: historySchema }, async (request): Promise<MetricHistory> => {
    const { name } = request.params
    const toMs = request.query.to ?? now()
    const fromMs = request.query.from ?? toMs - DEFAULT_RANGE_MS
    if (fromMs > toMs) throw new QueryInvalidError(`from (${fromMs}) is after to (${toMs})`)
    const points = await log.history(name, { fromMs, toMs, limit: request.query.limit ?? DEFAULT_LIMIT })
    if (points === undefined) throw new NotFoundError(`no metric named "${name}"`)
    return { metric: name, points }
  })
}
