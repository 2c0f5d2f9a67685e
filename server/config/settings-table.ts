import { SETTINGS } from './settings.js'

/** The lines around the README's configuration table, which `npm run docs:settings` rewrites. */
export const TABLE_BEGIN = '<!-- settings:begin -->'
export const TABLE_END = '<!-- settings:end -->'

// A `|` inside a cell would end it.
function cell (text: string): string {
  return text.replaceAll('|', '\\|')
}

/** The README's configuration table in Markdown, one row per setting, in help order. */
export function settingsTable (): string {
  const rows = SETTINGS.map((entry) => {
    const flag = entry.isSwitch ? `\`${entry.flag}\` / \`--no-${entry.flag.slice(2)}\`` : `\`${entry.flag}\``
    const details = entry.details === undefined ? '' : `; ${entry.details}`
    const alias = entry.alias === undefined ? '' : `; also read as \`${entry.alias.env}\` and \`${entry.alias.flag}\``
    const meaning = entry.description + details + alias
    return `| \`${entry.env}\` | ${flag} | ${cell(entry.shownDefault ?? 'none')} | ${cell(meaning)} |`
  })
  return ['| variable | flag | default | meaning |', '|---|---|---|---|', ...rows].join('\n')
}

/** Where the table sits in `readme`: the text between the marker lines, without them. */
function tableSpan (readme: string): { start: number, end: number } {
  const begin = readme.indexOf(`${TABLE_BEGIN}\n`)
  const end = readme.indexOf(`\n${TABLE_END}`, begin)
  if (begin === -1 || end === -1) throw new Error(`README.md needs the lines ${TABLE_BEGIN} and ${TABLE_END} around the configuration table`)
  return { start: begin + TABLE_BEGIN.length + 1, end }
}

/** The configuration table as `readme` has it. */
export function readmeTable (readme: string): string {
  const { start, end } = tableSpan(readme)
  return readme.slice(start, end)
}

/** `readme` with its configuration table replaced by the one SETTINGS makes. */
export function withSettingsTable (readme: string): string {
  const { start, end } = tableSpan(readme)
  return readme.slice(0, start) + settingsTable() + readme.slice(end)
}
