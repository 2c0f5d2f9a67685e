import { truncateSync } from 'node:fs'
import Database from 'better-sqlite3'

/** Thrown when another live process holds the lock. */
export class LockHeldError extends Error {
  readonly code = 'PB_STORE_LOCKED'

  constructor () {
    super('it is in use by another Pulseboard process; stop it or choose another DATA_DIR')
    this.name = 'LockHeldError'
  }
}

/** Whether `err` is SQLite's error with this code. */
function isSqlite (err: unknown, code: string): boolean {
  return err instanceof Database.SqliteError && err.code === code
}

/** Opens `path` as a small SQLite database and takes its exclusive lock, kept until the connection closes. */
function lockDatabase (path: string): Database.Database {
  // timeout 0: a held lock is an answer, not something to wait for.
  const db = new Database(path, { timeout: 0 })
  try {
    // MEMORY: no journal file beside the lock. EXCLUSIVE: the lock taken by the
    // transaction below is kept after it commits, until the connection closes.
    db.pragma('journal_mode = MEMORY')
    db.pragma('locking_mode = EXCLUSIVE')
    db.exec('BEGIN EXCLUSIVE')
    db.exec('COMMIT')
    return db
  } catch (err) {
    db.close()
    throw err
  }
}

/** lockDatabase, first emptying a file that is not a database. */
function lockFile (path: string): Database.Database {
  try {
    return lockDatabase(path)
  } catch (err) {
    if (!isSqlite(err, 'SQLITE_NOTADB')) throw err
    // No one holds it: a held file answers busy before its content is read, and
    // a holder's lock makes it a database. It is a pid file left by an older
    // version (or junk), safe to empty.
    truncateSync(path)
    return lockDatabase(path)
  }
}

/**
 * Takes the lock file at `path` for this process, so two servers never share
 * one store: each hands out ids from its own memory, and two writers would
 * give the same id twice. The lock is SQLite's exclusive file lock on `path`,
 * which the operating system drops when the process ends however it ends
 * (kill -9, a crash, a container restart), so a leftover file never blocks a
 * start and no pid is trusted. It conflicts with any other connection, in this
 * process too. The file stays on release: removing it would let two processes
 * lock two different files of the same name.
 * Returns the function that releases it. Throws LockHeldError while a live
 * process holds it, or what SQLite throws when the file cannot be opened.
 */
export function acquireProcessLock (path: string): () => void {
  try {
    const db = lockFile(path)
    return () => db.close()
  } catch (err) {
    if (isSqlite(err, 'SQLITE_BUSY')) throw new LockHeldError()
    throw err
  }
}
