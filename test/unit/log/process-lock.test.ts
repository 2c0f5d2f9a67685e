import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { acquireProcessLock } from '../../../server/log/process-lock.js'

t.test('takes a free lock with this pid and releases it', async (t) => {
  const path = join(t.testdir(), 'store.lock')
  const release = acquireProcessLock(path)
  t.equal(readFileSync(path, 'utf8'), String(process.pid))
  t.doesNotThrow(() => acquireProcessLock(path)(), 'this process may reopen its own store')
  release()
  t.notOk(existsSync(path))
})

t.test('refuses a lock held by another live process, naming it', async (t) => {
  const path = join(t.testdir(), 'store.lock')
  writeFileSync(path, String(process.ppid)) // the parent (tap) is alive and is not us
  t.throws(() => acquireProcessLock(path), { message: new RegExp(`another Pulseboard process \\(pid ${process.ppid}\\)`) })
  t.equal(readFileSync(path, 'utf8'), String(process.ppid), 'the holder keeps its lock')
})

t.test('takes over a lock left by a process that has died', async (t) => {
  const path = join(t.testdir(), 'store.lock')
  const dead = spawn(process.execPath, ['-e', ''])
  await once(dead, 'exit')
  writeFileSync(path, String(dead.pid))
  const release = acquireProcessLock(path)
  t.equal(readFileSync(path, 'utf8'), String(process.pid))
  release()
})
