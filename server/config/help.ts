import { SETTINGS } from './settings.js'

/** The `--help` text: every option with its environment variable and default. */
export function configHelp (): string {
  const rows = SETTINGS.map((entry) => {
    const flag = entry.isSwitch ? `${entry.flag}, --no-${entry.flag.slice(2)}` : `${entry.flag} <value>`
    const alias = entry.alias === undefined ? '' : `; also read as ${entry.alias.env} and ${entry.alias.flag}`
    const fallback = entry.shownDefault === undefined ? ' (default: none)' : ` (default ${entry.shownDefault})`
    return [flag, entry.env, entry.description + alias + fallback] as const
  })
  const flagWidth = Math.max(...rows.map(([flag]) => flag.length)) + 2
  const envWidth = Math.max(...rows.map(([, env]) => env.length)) + 2
  const lines = rows.map(([flag, env, help]) => `  ${flag.padEnd(flagWidth)}${env.padEnd(envWidth)}${help}`)
  return [
    'Usage: pulseboard [options]',
    '',
    'Each option can also be set with its environment variable; an option wins over the variable.',
    '',
    ...lines,
    `  ${'--help, -h'.padEnd(flagWidth)}${''.padEnd(envWidth)}print this help and exit`,
    ''
  ].join('\n')
}
