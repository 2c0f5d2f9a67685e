import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

/**
 * Coverage of the code that runs outside a test process: the server bundle in child
 * processes and the dashboard bundle in Chromium. tap reports every V8 coverage file it
 * finds in `.tap/coverage` (written there by @tapjs/processinfo, in the format of
 * NODE_V8_COVERAGE), mapping bundles back to their sources through the `source-map-cache`
 * each file carries. So both are written there in that format, and count towards the
 * same report and thresholds as the test processes' own coverage.
 */

/** One function's coverage as V8 reports it: its own range first, then its blocks'. */
interface FunctionCoverage {
  readonly functionName: string
  readonly isBlockCoverage: boolean
  readonly ranges: readonly unknown[]
}

/** One script's coverage as V8 reports it. */
interface ScriptCoverage {
  readonly url: string
  readonly functions: readonly FunctionCoverage[]
}

/** The fields of a source map (version 3) that coverage needs. */
interface SourceMapData {
  readonly sources: readonly string[]
  readonly sourcesContent?: ReadonlyArray<string | null>
  readonly mappings: string
}

/** A source map as Node caches it beside a coverage file. */
interface CachedSourceMap {
  readonly lineLengths: readonly number[]
  readonly data: SourceMapData
}

interface ProcessCoverage {
  readonly result: readonly ScriptCoverage[]
  readonly 'source-map-cache'?: Readonly<Record<string, CachedSourceMap>>
}

// tap tells each test process it spawns whether to measure it, and from which project root.
const projectRoot = process.env['_TAPJS_PROCESSINFO_CWD_']
const measured = process.env['_TAPJS_PROCESSINFO_COVERAGE_'] === '1' && projectRoot !== undefined

/** The project's own scripts, by file URL prefix: its dependencies are not measured. */
const projectPrefix = measured ? `${pathToFileURL(projectRoot).href}/` : ''
const dependencyPrefix = measured ? `${pathToFileURL(join(projectRoot, 'node_modules')).href}/` : ''

/** Whether this test file runs with coverage, so the processes it starts should report theirs. */
export const coverageEnabled = measured

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** The numbers of one segment of a source map's `mappings` (base64 VLQ). */
function decodeSegment (segment: string): number[] {
  const values: number[] = []
  let value = 0
  let shift = 0
  for (const char of segment) {
    const digit = BASE64.indexOf(char)
    value += (digit & 31) << shift
    shift += 5
    if ((digit & 32) !== 0) continue
    values.push((value & 1) === 1 ? -(value >>> 1) : value >>> 1)
    value = 0
    shift = 0
  }
  return values
}

function encodeSegment (values: readonly number[]): string {
  let text = ''
  for (const value of values) {
    let rest = value < 0 ? (-value << 1) | 1 : value << 1
    do {
      const digit = rest & 31
      rest >>>= 5
      text += BASE64[rest > 0 ? digit | 32 : digit]
    } while (rest > 0)
  }
  return text
}

/**
 * The map without the sources `keep` refuses, and without the mappings into them, which become
 * unmapped. A bundle (the dashboard's holds Chart.js) would otherwise bring each dependency
 * into the report as a file of its own, and every line of a source in the map counts.
 */
function withSourcesOnly (map: SourceMapData, keep: (source: string) => boolean): SourceMapData {
  const newIndex = new Map<number, number>()
  map.sources.forEach((source, i) => { if (keep(source)) newIndex.set(i, newIndex.size) })
  // Source, line, column and name are relative to the previous segment across the whole map,
  // the generated column to the previous segment on its line; `read` and `written` carry them.
  const read = [0, 0, 0, 0]
  const written = [0, 0, 0, 0]
  const mappings = map.mappings.split(';').map((line) => {
    let column = 0
    let writtenColumn = 0
    return line.split(',').filter((segment) => segment !== '').map((segment) => {
      const [columnDelta = 0, ...rest] = decodeSegment(segment)
      column += columnDelta
      rest.forEach((delta, i) => { read[i]! += delta })
      const source = rest.length === 0 ? undefined : newIndex.get(read[0]!)
      const values = [column - writtenColumn]
      writtenColumn = column
      if (source !== undefined) {
        const absolute = [source, read[1]!, read[2]!, read[3]!].slice(0, rest.length)
        absolute.forEach((value, i) => { values.push(value - written[i]!); written[i] = value })
      }
      return encodeSegment(values)
    }).join(',')
  }).join(';')
  const kept = (_: unknown, i: number): boolean => newIndex.has(i)
  return {
    ...map,
    sources: map.sources.filter(kept),
    ...(map.sourcesContent === undefined ? {} : { sourcesContent: map.sourcesContent.filter(kept) }),
    mappings
  }
}

/**
 * Line coverage alone of a script. A source seen through a bundle's source map and through
 * tsx's maps its functions and branches a column apart, and the report, which matches them by
 * position, would count each twice, once uncovered; its lines match exactly. Unnamed functions
 * without block coverage count as neither functions nor branches, and their ranges still mark
 * the lines that never ran. The script gets a name of its own: the report would merge it with
 * other coverage of the same file, and a merge turns ranges that ran back into branches.
 */
function linesOnly (script: ScriptCoverage, id: string): ScriptCoverage {
  return {
    url: `${script.url}.${id}.js`,
    functions: script.functions.map((fn) => ({ functionName: '', isBlockCoverage: false, ranges: fn.ranges }))
  }
}

/** Adds the lines covered in the project's scripts of `coverage` to tap's report; scripts of Node and of dependencies are dropped. */
function report (coverage: ProcessCoverage): void {
  if (!measured) return
  const ours = (url: string): boolean => url.startsWith(projectPrefix) && !url.startsWith(dependencyPrefix)
  const id = randomUUID()
  const maps = coverage['source-map-cache'] ?? {}
  const scripts = coverage.result.filter((script) => ours(script.url) && maps[script.url] !== undefined)
  if (scripts.length === 0) return
  const result = scripts.map((script) => linesOnly(script, id))
  const sourceMapCache = Object.fromEntries(scripts.map((script, i) => {
    const { lineLengths, data } = maps[script.url]!
    return [result[i]!.url, { lineLengths, data: withSourcesOnly(data, ours) }]
  }))
  const dir = join(projectRoot, '.tap', 'coverage')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, `${id}.json`), JSON.stringify({ result, 'source-map-cache': sourceMapCache }))
}

/** Coverage of one child process (and of its workers), written by Node into a directory of its own. */
export interface ChildCoverage {
  /** Environment that makes the child write its coverage. */
  readonly env: Readonly<Record<string, string>>
  /** Adds what the child wrote to the report; call once it has exited. A child killed by a signal writes nothing. */
  readonly collect: () => void
}

/** Coverage for a child process about to be spawned, or undefined when this test file is not measured. */
export function childCoverage (): ChildCoverage | undefined {
  if (!measured) return undefined
  const dir = mkdtempSync(join(tmpdir(), 'pulseboard-coverage-'))
  return {
    // tap's own recorder, which it loads into every child, stays off: its file would keep the functions and branches.
    env: { NODE_V8_COVERAGE: dir, _TAPJS_PROCESSINFO_COVERAGE_: '0' },
    collect: () => {
      for (const file of readdirSync(dir)) report(JSON.parse(readFileSync(join(dir, file), 'utf8')) as ProcessCoverage)
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** A script's JS coverage as Chromium reports it through playwright's `page.coverage`. */
export interface BrowserScriptCoverage {
  readonly url: string
  readonly source?: string
  readonly functions: readonly FunctionCoverage[]
}

/**
 * Adds a page's JS coverage to the report. Each script served from `webRoot` is reported
 * as that file, with the source map beside it; other scripts (inline, extensions) are dropped.
 */
export function reportBrowserCoverage (webRoot: string, scripts: readonly BrowserScriptCoverage[]): void {
  if (!measured) return
  const result: ScriptCoverage[] = []
  const sourceMapCache: Record<string, CachedSourceMap> = {}
  for (const script of scripts) {
    const file = join(webRoot, new URL(script.url).pathname)
    // The file must be what the page ran, or the ranges would point at the wrong code.
    if (!file.startsWith(webRoot) || !existsSync(file) || script.source === undefined || readFileSync(file, 'utf8') !== script.source) continue
    const url = pathToFileURL(file).href
    result.push({ url, functions: script.functions })
    const mapFile = `${file}.map`
    if (!existsSync(mapFile)) continue
    const map = JSON.parse(readFileSync(mapFile, 'utf8')) as SourceMapData
    // Absolute, as Node caches them, so they resolve the same wherever the report runs.
    const data = { ...map, sources: map.sources.map((source) => pathToFileURL(resolve(dirname(file), source)).href) }
    sourceMapCache[url] = { lineLengths: script.source.split('\n').map((line) => line.length), data }
  }
  report({ result, 'source-map-cache': sourceMapCache })
}
