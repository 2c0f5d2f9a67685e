import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildApp, type AppDeps, type PulseboardApp } from '../../server/app.js'
import { parseConfig, type Config } from '../../server/config/config.js'

/** The built dashboard, as `npm run build` leaves it. */
export const WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url))

/** The part of a tap `Test` that helpers need to release what they start. */
export interface Teardown {
  teardown: (fn: () => unknown) => void
}

/** Defaults for tests: quiet, no self-metrics, fast flushes, no publish rate limit; `overrides` win. */
export function testConfig (overrides: Partial<Config> = {}): Config {
  return { ...parseConfig([], {}), logLevel: 'silent', selfMetrics: false, flushMs: 5, publishRateLimit: 0, ...overrides }
}

/** A fresh directory for a test's data, removed when the test ends. */
export function tempDir (t: Teardown): string {
  const dir = mkdtempSync(join(tmpdir(), 'pulseboard-test-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** An app on a fresh SQLite file, ready for `inject`, closed when the test ends. */
export async function buildTestApp (t: Teardown, overrides: Partial<Config> = {}, deps: AppDeps = {}): Promise<PulseboardApp> {
  const dataDir = overrides.dataDir ?? tempDir(t)
  const app = await buildApp(testConfig({ dataDir, ...overrides }), { webRoot: WEB_ROOT, ...deps })
  t.teardown(async () => await app.close())
  await app.ready()
  return app
}

/** An app listening on 127.0.0.1 on a free port, closed when the test ends. */
export async function startTestServer (t: Teardown, overrides: Partial<Config> = {}, deps: AppDeps = {}): Promise<{ app: PulseboardApp, url: string }> {
  const app = await buildTestApp(t, overrides, deps)
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, url }
}

/** POSTs a JSON body (or raw text with a content type) and returns status and parsed body. */
export async function post (url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number, body: unknown, headers: Headers }> {
  const raw = typeof body === 'string'
  const response = await fetch(`${url}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: raw ? body : JSON.stringify(body)
  })
  const text = await response.text()
  return { status: response.status, body: text.length > 0 ? JSON.parse(text) : undefined, headers: response.headers }
}
