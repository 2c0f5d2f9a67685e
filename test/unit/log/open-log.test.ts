import t from 'tap'
import { parseConfig } from '../../../server/config/config.js'
import { IpcEventLog } from '../../../server/log/cluster/ipc-event-log.js'
import { IpcLogHost } from '../../../server/log/cluster/ipc-log-host.js'
import type { LogMessage } from '../../../server/log/cluster/ipc-protocol.js'
import { openLog, type LogHooks } from '../../../server/log/open-log.js'
import { SqliteEventLog } from '../../../server/log/sqlite/sqlite-event-log.js'
import { channelPair } from '../../helpers/ipc-channel-pair.js'
import { point } from '../../helpers/sqlite-log.js'

const hooks: LogHooks = { warn: () => {} }

t.test('with SQLite, a process on its own and a cluster primary open the file; a worker uses the primary\'s over IPC', async (t) => {
  const config = { ...parseConfig([], {}), dataDir: t.testdir() }
  const single = await openLog(config, { kind: 'single' }, hooks)
  t.type(single, SqliteEventLog)
  await single.close()

  const primary = await openLog(config, { kind: 'primary' }, hooks)
  t.type(primary, SqliteEventLog)
  t.teardown(() => primary?.close())
  const pair = channelPair<LogMessage>()
  new IpcLogHost(primary!).attach(pair.primary)
  const worker = await openLog(config, { kind: 'worker', primary: pair.worker }, hooks)
  t.teardown(() => worker.close())
  t.type(worker, IpcEventLog)
  t.same(worker.state(), { kind: 'primary', state: 'up' })
  const stored = await worker.append([point('m', 1)])
  t.same(await primary!.readAfter(0, 10), stored, 'the worker\'s append is in the primary\'s file')
})

t.test('with Redis, a cluster primary opens no log: each worker connects to Redis itself', async (t) => {
  const config = { ...parseConfig([], {}), dataDir: t.testdir(), store: 'redis' as const, redisUrl: 'redis://127.0.0.1:1' }
  t.equal(await openLog(config, { kind: 'primary' }, hooks), undefined)
})
