import { readFileSync, writeFileSync } from 'node:fs'
import { withSettingsTable } from '../../server/config/settings-table.js'

// `npm run docs:settings`: rewrites the README's configuration table from SETTINGS.
const readme = new URL('../../README.md', import.meta.url)
writeFileSync(readme, withSettingsTable(readFileSync(readme, 'utf8')))
