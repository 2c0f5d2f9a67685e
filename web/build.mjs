// Builds the dashboard into web/dist: bundles src/main.ts and the sign-in page's
// src/login.ts with esbuild and copies the static files. Run from anywhere: paths are relative to this file.
import { build } from 'esbuild'
import { copyFile, mkdir, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const webDir = dirname(fileURLToPath(import.meta.url))
const distDir = join(webDir, 'dist')
const staticFiles = ['index.html', 'styles.css', 'controls.css', 'favicon.svg', 'login.html', 'login.css']

await rm(distDir, { recursive: true, force: true })
await mkdir(distDir, { recursive: true })
await build({
  entryPoints: ['main', 'login'].map((name) => join(webDir, 'src', `${name}.ts`)),
  outdir: distDir,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning'
})
await Promise.all(staticFiles.map((file) => copyFile(join(webDir, file), join(distDir, file))))
const { size } = await stat(join(distDir, 'main.js'))
console.log(`web: built web/dist (main.js ${(size / 1024).toFixed(1)} KiB)`)
