import { readFileSync, rmSync, writeFileSync } from 'node:fs'

/** Whether a process with this pid is alive (signal 0 only checks). */
function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Takes the lock file at `path` for this process, so two servers never share
 * one store: each hands out ids from its own memory, and two writers would
 * give the same id twice. A lock left by a process that has died (kill -9) is
 * taken over; one held by this process is shared, so in-process reopens work.
 * Returns the function that releases it. Throws naming the holder's pid.
 */
export function acquireProcessLock (path: string): () => void {
  try {
    writeFileSync(path, String(process.pid), { flag: 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    const holder = Number(readFileSync(path, 'utf8'))
    if (Number.isInteger(holder) && holder !== process.pid && alive(holder)) {
      throw new Error(`it is in use by another Pulseboard process (pid ${holder}); stop it or choose another DATA_DIR`)
    }
    writeFileSync(path, String(process.pid))
  }
  return () => rmSync(path, { force: true })
}
