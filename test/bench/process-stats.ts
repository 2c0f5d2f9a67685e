import { readFileSync } from 'node:fs'

/** Resident set size of a process in MiB, from /proc. */
export function rssMib (pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match?.[1] === undefined ? Number.NaN : Number(match[1]) / 1024
}

/** CPU time used by a process so far, in seconds (user + system), from /proc. */
export function cpuSeconds (pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** The p-th percentile (0–100) of samples, by nearest rank. */
export function percentile (samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

/** Prints rows as an aligned table. */
export function printTable (rows: ReadonlyArray<Record<string, string | number>>): void {
  const columns = Object.keys(rows[0] ?? {})
  const cells = rows.map((row) => columns.map((c) => String(row[c])))
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)))
  const line = (values: readonly string[]): string => values.map((v, i) => v.padStart(widths[i]!)).join('  ')
  process.stdout.write(`${line(columns)}\n${cells.map(line).join('\n')}\n`)
}
