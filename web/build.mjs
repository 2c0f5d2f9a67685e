// Builds the dashboard into web/dist: bundles src/main.ts and the sign-in page's
// src/login.ts with esbuild, copies the static files, and writes the two pages with the
// <head> lines they share (head.html) in place of their `<!-- head.html -->` line.
// Run from anywhere: paths are relative to this file.
import { build } from 'esbuild'
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const webDir = dirname(fileURLToPath(import.meta.url))
const distDir = join(webDir, 'dist')
const staticFiles = ['styles.css', 'controls.css', 'favicon.svg', 'login.css']
const pages = ['index.html', 'login.html']
const HEAD_MARK = '  <!-- head.html -->\n'

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
const sharedHead = await readFile(join(webDir, 'head.html'), 'utf8')
await Promise.all(pages.map(async (page) => {
  const html = await readFile(join(webDir, page), 'utf8')
  if (!html.includes(HEAD_MARK)) throw new Error(`web/${page} has no line "${HEAD_MARK.trim()}" for head.html`)
  await writeFile(join(distDir, page), html.replace(HEAD_MARK, sharedHead))
}))
const { size } = await stat(join(distDir, 'main.js'))
console.log(`web: built web/dist (main.js ${(size / 1024).toFixed(1)} KiB)`)
