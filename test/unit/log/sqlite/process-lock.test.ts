import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { acquireProcessLock, LockHeldError } from '../../../../server/log/sqlite/process-lock.js'
import { within } from '../../../helpers/wait-for.js'

const LOCK_MODULE = new URL('../../../../server/log/sqlite/process-lock.ts', import.meta.url).href

/** A child process that takes the lock at `path` and holds it until killed; resolves once it holds it. */
async function holdInChild (t: Test, path: string): Promise<ReturnType<typeof spawn>> {
  const source = `import { acquireProcessLock } from ${JSON.stringify(LOCK_MODULE)}
acquireProcessLock(${JSON.stringify(path)}); process.stdout.write('locked\\n'); setInterval(() => {}, 60_000)`
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  const [chunk] = await within(once(child.stdout, 'data'), 'the child taking the lock', 30_000) as [Buffer]
  t.equal(chunk.toString(), 'locked\n', 'the child holds the lock')
  return child
}

t.test('a second holder is refused, in this process too, until the first releases', async (t) => {
  const path = join(t.testdir(), 'store.lock')
  const release = acquireProcessLock(path)
  t.throws(() => acquireProcessLock(path), LockHeldError)
  t.throws(() => acquireProcessLock(path), { code: 'PB_STORE_LOCKED', message: /in use by another Pulseboard process; stop it or choose another DATA_DIR/ })
  release()
  t.doesNotThrow(() => acquireProcessLock(path)(), 'free again once released')
})

t.test('a leftover pid file naming a live unrelated process does not block', async (t) => {
  const dir = t.testdir()
  for (const pid of ['1', String(process.ppid), '4194304\n']) {
    const path = join(dir, `store-${pid.trim()}.lock`)
    writeFileSync(path, pid)
    const release = acquireProcessLock(path)
    t.throws(() => acquireProcessLock(path), LockHeldError, `over a pid file holding ${JSON.stringify(pid)}, the lock is taken`)
    release()
  }
})

t.test('a lock held by another process refuses until that process is killed', async (t) => {
  const path = join(t.testdir(), 'store.lock')
  const holder = await holdInChild(t, path)
  t.throws(() => acquireProcessLock(path), LockHeldError)
  holder.kill('SIGKILL')
  await once(holder, 'exit')
  t.doesNotThrow(() => acquireProcessLock(path)(), 'the operating system released it with the process')
})

t.test('a lock file that cannot be opened is reported as it is', async (t) => {
  const path = join(t.testdir(), 'store.lock')
  mkdirSync(path)
  t.throws(() => acquireProcessLock(path), { code: 'SQLITE_CANTOPEN' })
})
