import type { FastifyPluginAsync } from 'fastify'
import type { StoreState } from '../log/event-log.js'

export interface HealthRoutesOptions {
  /** Open stream connections now. */
  readonly clients: () => number
  readonly maxClients: number
  readonly maxClientsPerIp: number
  /** Newest stored id. */
  readonly lastId: () => number
  /** Kind and reachability of the store events go through. */
  readonly store: () => StoreState
}

/** Body of GET /healthz. */
export interface Health {
  /** `degraded` while the store is down: streams stay open, publishes answer 503. */
  readonly status: 'ok' | 'degraded'
  readonly uptimeS: number
  readonly clients: number
  readonly maxClients: number
  readonly maxClientsPerIp: number
  readonly lastId: number
  readonly store: StoreState
  /** Process that answered, so the workers behind one port can be told apart. */
  readonly pid: number
}

/** GET /healthz: liveness with the figures an operator checks first. */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, options) => {
  app.get('/healthz', async (): Promise<Health> => {
    const store = options.store()
    return {
      status: store.state === 'up' ? 'ok' : 'degraded',
      uptimeS: Math.round(process.uptime()),
      clients: options.clients(),
      maxClients: options.maxClients,
      maxClientsPerIp: options.maxClientsPerIp,
      lastId: options.lastId(),
      store,
      pid: process.pid
    }
  })
}
