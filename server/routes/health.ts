import type { FastifyPluginAsync } from 'fastify'

export interface HealthRoutesOptions {
  /** Open stream connections now. */
  readonly clients: () => number
  readonly maxClients: number
  readonly maxClientsPerIp: number
  /** Newest stored id. */
  readonly lastId: () => number
}

/** Body of GET /healthz. */
export interface Health {
  readonly status: 'ok'
  readonly uptimeS: number
  readonly clients: number
  readonly maxClients: number
  readonly maxClientsPerIp: number
  readonly lastId: number
}

/** GET /healthz: liveness with the figures an operator checks first. */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, options) => {
  app.get('/healthz', async (): Promise<Health> => ({
    status: 'ok',
    uptimeS: Math.round(process.uptime()),
    clients: options.clients(),
    maxClients: options.maxClients,
    maxClientsPerIp: options.maxClientsPerIp,
    lastId: options.lastId()
  }))
}
