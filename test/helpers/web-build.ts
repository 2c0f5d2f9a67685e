import { execFileSync } from 'node:child_process'
import { statSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WEB_ROOT } from './app.js'

/** The dashboard's sources. */
export const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url))

async function newestSourceMs (dir: string): Promise<number> {
  let newest = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    // Screenshots are written by the browser tests themselves; they are not sources.
    if (entry.isFile() && !entry.parentPath.includes('dist') && !entry.parentPath.includes('screenshots')) {
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
    }
  }
  return newest
}

/**
 * Builds web/dist when a file in web/ is newer than the build. `npm test` builds
 * first; a developer running one browser test alone gets a build when web/ changed.
 * Never rebuilt when fresh, so parallel test files serving web/dist never see it removed.
 */
export async function ensureWebBuild (): Promise<void> {
  let builtMs = 0
  try {
    builtMs = statSync(join(WEB_ROOT, 'main.js')).mtimeMs
  } catch {
    // No build yet: built below.
  }
  if (builtMs < await newestSourceMs(WEB_DIR)) execFileSync(process.execPath, [join(WEB_DIR, 'build.mjs')], { stdio: 'ignore' })
}
