import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync } from 'fastify'

export interface WebRoutesOptions {
  /** Folder of the built dashboard (web/dist). */
  readonly root: string
  /** Serve the sign-in page at `/login` (when READ_TOKEN is set). */
  readonly loginPage: boolean
}

/** The dashboard: static files from web/dist, index.html at `/`, and the sign-in page at `/login`. */
export const webRoutes: FastifyPluginAsync<WebRoutesOptions> = async (app, options) => {
  await app.register(fastifyStatic, { root: options.root, index: 'index.html', wildcard: false })
  if (options.loginPage) app.get('/login', async (_request, reply) => await reply.sendFile('login.html'))
}
