import type Database from 'better-sqlite3'
import type { StoredEvent, Tags } from '../../core/event.js'

/**
 * Connection settings and tables of the SQLite event store. Kept apart from
 * `sqlite-event-log.ts` so the log reads as behaviour and this file as layout.
 */

/** One row of `events` as better-sqlite3 returns it. `tags` is JSON text or NULL. */
export interface EventRow {
  readonly id: number
  readonly metric: string
  readonly value: number
  readonly ts: number
  readonly tags: string | null
}

/** One row of `metrics`, the catalog: the last point of each metric and how many it has had. */
export interface MetricRow extends EventRow {
  readonly count: number
}

/**
 * WAL lets readers run while a group commits. `synchronous = FULL` syncs the WAL at
 * every commit, so an acknowledged publish survives power loss as well as `kill -9`
 * (NORMAL would only survive a process crash); it still meets the ingest target, see
 * `test/bench/ingest-sqlite.ts`. Reading `journal_mode` first also makes a file that is
 * not a database fail here, at open, rather than on the first write.
 */
const PRAGMAS = ['journal_mode = WAL', 'synchronous = FULL', 'foreign_keys = OFF', 'cache_size = -4000']

/**
 * AUTOINCREMENT records the highest id ever used in `sqlite_sequence`, so ids are not
 * reused even after retention has deleted every row. `(metric, ts)` serves history;
 * SQLite appends the rowid to every index, so it is really `(metric, ts, id)`.
 * `(ts)` lets retention find the points past their age wherever they sit among the ids.
 */
const DDL = `
  CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    metric TEXT NOT NULL,
    value REAL NOT NULL,
    ts INTEGER NOT NULL,
    tags TEXT
  );
  CREATE INDEX IF NOT EXISTS events_metric_ts ON events (metric, ts);
  CREATE INDEX IF NOT EXISTS events_ts ON events (ts);
  CREATE TABLE IF NOT EXISTS metrics (
    metric TEXT PRIMARY KEY,
    value REAL NOT NULL,
    ts INTEGER NOT NULL,
    id INTEGER NOT NULL,
    count INTEGER NOT NULL,
    tags TEXT
  ) WITHOUT ROWID;
`

/** Every statement the log prepares, by purpose. */
export const SQL = {
  insertEvent: 'INSERT INTO events (id, metric, value, ts, tags) VALUES (?, ?, ?, ?, ?)',
  /** `count` is the number of points the group added; the row keeps the running total. */
  upsertMetric: `INSERT INTO metrics (metric, value, ts, id, count, tags) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (metric) DO UPDATE SET value = excluded.value, ts = excluded.ts, id = excluded.id,
      count = metrics.count + excluded.count, tags = excluded.tags`,
  /** Deletes up to `limit` of the oldest points with an id below the given one; answers the metric of each. */
  deleteBelow: 'DELETE FROM events WHERE id IN (SELECT id FROM events WHERE id < ? ORDER BY id LIMIT ?) RETURNING metric',
  /** Deletes up to `limit` points older than a ts, found through `events_ts`; answers the metric of each. */
  deleteOlder: 'DELETE FROM events WHERE id IN (SELECT id FROM events WHERE ts < ? LIMIT ?) RETURNING metric',
  /** 1 when the metric still has a point, through `events_metric_ts`. */
  hasPoints: 'SELECT 1 FROM events WHERE metric = ? LIMIT 1',
  deleteMetric: 'DELETE FROM metrics WHERE metric = ?',
  catalog: 'SELECT metric, value, ts, id, count, tags FROM metrics',
  /** The highest id ever given out, even when retention has since deleted it. */
  lastId: `SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0),
    coalesce((SELECT max(id) FROM events), 0)) AS id`,
  firstId: 'SELECT min(id) AS id FROM events'
} as const

/** A stored row as the event it was: `tags` only when the point had them, keys in wire order. */
export function fromRow (row: EventRow): StoredEvent {
  const { id, metric, value, ts, tags } = row
  return tags === null ? { id, metric, value, ts } : { id, metric, value, ts, tags: JSON.parse(tags) as Tags }
}

/** The `tags` column for a point: JSON text, or NULL when it has none. */
export function tagsColumn (tags: Tags | undefined): string | null {
  return tags === undefined ? null : JSON.stringify(tags)
}

/** Sets the connection up and creates the tables if the file is new. Throws what SQLite throws. */
export function applySchema (db: Database.Database): void {
  for (const pragma of PRAGMAS) db.pragma(pragma)
  db.exec(DDL)
}
