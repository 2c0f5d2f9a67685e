import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { ConfigError, configHelp, parseConfig, publishTokens } from './config.js'
import { StoreOpenError } from './log/store-errors.js'
import { startDemoFeed } from './sources/demo-feed.js'

/** Time allowed for a graceful shutdown before the process exits anyway, in ms. */
const SHUTDOWN_GRACE_MS = 5000

/** The package root, found from this file whether it runs from source or from the bundle. */
function packageRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir)
  return dir
}

async function main (): Promise<void> {
  const config = parseConfig(process.argv.slice(2), process.env)
  if (config.help) {
    process.stdout.write(configHelp())
    return
  }
  const app = await buildApp(config, { webRoot: join(packageRoot(), 'web', 'dist') })
  const stops: Array<() => void> = []
  closeWithGrace({ delay: SHUTDOWN_GRACE_MS }, async ({ err, signal }) => {
    if (err !== undefined) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down')
    for (const stop of stops) stop()
    await app.close()
  })
  const address = await app.listen({ port: config.port, host: config.host })
  if (config.demo) {
    // The feed publishes over loopback even when the server listens on every interface.
    const baseUrl = address.replace(/\/\/(0\.0\.0\.0|\[::\])/, '//127.0.0.1')
    stops.push(startDemoFeed({ baseUrl, token: publishTokens(config)[0], onError: (err) => app.log.warn({ err }, 'demo feed publish failed') }))
  }
}

main().catch((err: unknown) => {
  // One line for a bad setting or an unusable data directory; the whole error for anything unexpected.
  const expected = err instanceof ConfigError || err instanceof StoreOpenError
  process.stderr.write(expected ? `pulseboard: ${err.message}\n` : `pulseboard: failed to start: ${String(err instanceof Error ? err.stack : err)}\n`)
  process.exit(1)
})
