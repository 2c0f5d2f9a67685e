import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync } from 'fastify'

export interface WebRoutesOptions {
  /** Folder of the built dashboard (web/dist). */
  readonly root: string
}

/** The dashboard: static files from web/dist, index.html at `/`. */
export const webRoutes: FastifyPluginAsync<WebRoutesOptions> = async (app, options) => {
  await app.register(fastifyStatic, { root: options.root, index: 'index.html', wildcard: false })
}
