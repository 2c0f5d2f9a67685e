/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): the functions with the most
 * self time, and the share of samples spent idle, in GC and in the program.
 * Usage: tsx test/bench/cpuprofile-top.ts <file.cpuprofile> [--top 25]
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { printTable } from './process-stats.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string, url: string, lineNumber: number }
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } })
if (positionals[0] === undefined) throw new Error('usage: cpuprofile-top.ts <file.cpuprofile> [--top 25]')
const profile = JSON.parse(readFileSync(positionals[0], 'utf8')) as Profile

const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const selfUs = new Map<string, number>()
let totalUs = 0
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0
  const frame = byId.get(id)?.callFrame
  const where = frame?.url === undefined || frame.url === '' ? '' : ` ${frame.url.replace(/^.*\/(node_modules\/|server\/)/, '$1')}:${frame.lineNumber + 1}`
  const name = `${frame?.functionName === '' ? '(anonymous)' : frame?.functionName ?? '?'}${where}`
  selfUs.set(name, (selfUs.get(name) ?? 0) + delta)
  totalUs += delta
})
const idleUs = selfUs.get('(idle)') ?? 0
const busyUs = totalUs - idleUs
const rows = [...selfUs.entries()]
  .filter(([name]) => name !== '(idle)')
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(values.top))
  .map(([name, us]) => ({ 'self ms': (us / 1000).toFixed(0), '% of busy': ((us / busyUs) * 100).toFixed(1), function: name }))
process.stdout.write(`profile ${(totalUs / 1e6).toFixed(1)} s, busy ${(busyUs / 1e6).toFixed(1)} s (${((busyUs / totalUs) * 100).toFixed(0)}%)\n`)
printTable(rows)
