import { readFileSync } from 'node:fs'
import t from 'tap'
import { readmeTable, settingsTable, withSettingsTable } from '../../../server/config/settings-table.js'
import { SETTINGS } from '../../../server/config/settings.js'

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')

t.test('the README\'s configuration table is the one SETTINGS makes', async (t) => {
  t.equal(readmeTable(README), settingsTable(), 'README.md is out of date: run npm run docs:settings')
})

t.test('the table has one row per setting, with its variable, flag and default', async (t) => {
  const rows = settingsTable().split('\n').slice(2)
  t.equal(rows.length, SETTINGS.length)
  t.ok(rows.includes('| `PORT` | `--port` | 3000 | TCP port to listen on (0 = any free port) |'))
  t.match(settingsTable(), /\n\| `SELF_METRICS` \| `--self-metrics` \/ `--no-self-metrics` \| true \|/, 'a switch shows both flags')
  t.match(settingsTable(), /\n\| `HEARTBEAT_MS` \| `--heartbeat-ms` \| 15000 ms \| interval between SSE keep-alive comments; /, 'a default shows its unit')
  t.match(settingsTable(), /\n\| `RETENTION` \| `--retention` \| 7d \|/, 'a duration shows in its largest unit')
  t.match(settingsTable(), /\n\| `PUBLISH_TOKEN` \| `--publish-token` \| none \|/)
  t.match(settingsTable(), /\n\| `STORE` \| `--store` \| sqlite \| [^\n]*; also read as `BROKER` and `--broker` \|\n/, 'an older name is mentioned once, in its row')
  t.match(settingsTable(), /\n\| `LOG_LEVEL` \| `--log-level` \| info \| fatal \\\| error \\\| warn/, 'a | in a cell is escaped')
})

t.test('the table is written between the marker lines, and nowhere else', async (t) => {
  const readme = '# Title\n\ntext\n<!-- settings:begin -->\nold table\n<!-- settings:end -->\nafter\n'
  const written = withSettingsTable(readme)
  t.equal(written, `# Title\n\ntext\n<!-- settings:begin -->\n${settingsTable()}\n<!-- settings:end -->\nafter\n`)
  t.equal(readmeTable(written), settingsTable())
  t.equal(withSettingsTable(written), written, 'writing it again changes nothing')
  t.throws(() => readmeTable('# no markers\n'), /README\.md needs the lines <!-- settings:begin --> and <!-- settings:end -->/)
  t.throws(() => withSettingsTable('<!-- settings:end -->\n<!-- settings:begin -->\n'), /needs the lines/, 'the end marker before the begin marker')
})
