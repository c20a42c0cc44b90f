/**
 * Storage ceiling: raw node:sqlite inserts of the rows the DFINERY benchmark sends (same columns as maru's events
 * table, same payload generator), in large transactions, with no index but the primary key; WAL and
 * synchronous=FULL like maru. Only the time spent inserting and committing is counted (making the rows is not).
 *
 * With "indexes": "maru" it also creates maru's two secondary indexes: not a ceiling, a diagnostic that shows how
 * much of the gap to the ceiling the schema alone accounts for.
 *
 * Usage: node bench/baselines/sqlite-insert.ts '{"dir": "...", "seconds": 10, "maxRows": 2000000, "rowsPerTx": 20000}'
 * → prints {"rows", "seconds", "rowsPerSec", "commits", "mode"} on stdout.
 */
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EVENTS_PER_REQUEST, makeEvents, prng } from '../lib/payload.ts';
import { ioCounters } from '../lib/proc.ts';

interface Args {
  dir: string;
  seconds?: number;
  maxRows?: number;
  rowsPerTx?: number;
  /** single: one prepared single-row INSERT per row; multi: 100-row INSERT statements. */
  mode?: 'single' | 'multi';
  /** none: the ceiling (primary key only). maru: also maru's two secondary indexes, as a diagnostic. */
  indexes?: 'none' | 'maru';
  seed?: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const seconds = args.seconds ?? 10;
const maxRows = args.maxRows ?? 3_000_000;
const rowsPerTx = args.rowsPerTx ?? 20_000;
const mode = args.mode ?? 'multi';
const indexes = args.indexes ?? 'none';
mkdirSync(args.dir, { recursive: true });

const db = new DatabaseSync(join(args.dir, 'ceiling.db'));
db.exec(`
  PRAGMA journal_mode = WAL;
  PRAGMA synchronous = FULL;
  PRAGMA cache_size = -65536;
  PRAGMA temp_store = MEMORY;
  PRAGMA wal_autocheckpoint = 4000;
  CREATE TABLE events (
    seq integer primary key autoincrement,
    project_id text not null,
    occurred_at integer not null,
    event_key text not null,
    name text not null,
    received_at integer not null,
    profile_id text not null,
    properties text,
    items text,
    source text not null
  );
`);
if (indexes === 'maru') {
  // As in src/platform/db/migrations/001_foundation.ts
  db.exec(`
    CREATE UNIQUE INDEX events_dedupe ON events (project_id, occurred_at, event_key);
    CREATE INDEX events_by_name ON events (project_id, name, occurred_at);
  `);
}
const conflict = indexes === 'maru' ? ' on conflict do nothing' : '';

const COLS = 9;
const single = db.prepare(
  'insert into events (project_id, occurred_at, event_key, name, received_at, profile_id, properties, items, source) values (?, ?, ?, ?, ?, ?, ?, ?, ?)' +
    conflict,
);
const multi = db.prepare(
  `insert into events (project_id, occurred_at, event_key, name, received_at, profile_id, properties, items, source) values ${new Array(EVENTS_PER_REQUEST).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}${conflict}`,
);

const rand = prng(args.seed ?? 7);
const projectId = 'p8Xk2mQ';
const ID_CHARS = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const profileId = () => Array.from({ length: 7 }, () => ID_CHARS[Math.floor(rand() * ID_CHARS.length)]).join('');

/** One transaction's worth of rows, flattened to bind parameters, 100 rows (one request) at a time. */
function makeBatch(now: number): SQLInputValue[][] {
  const requests: SQLInputValue[][] = [];
  for (let r = 0; r < rowsPerTx / EVENTS_PER_REQUEST; r++) {
    const profile = profileId();
    const params: SQLInputValue[] = [];
    for (const e of makeEvents(rand, now)) {
      params.push(
        projectId,
        Date.parse(e.event_datetime),
        e.event_log_id,
        e.event_name,
        now,
        profile,
        e.event_properties ? JSON.stringify(e.event_properties) : null,
        e.event_items ? JSON.stringify(e.event_items) : null,
        'api',
      );
    }
    requests.push(params);
  }
  return requests;
}

const io0 = ioCounters('self');
let rows = 0;
let commits = 0;
let insertNs = 0n;
const wallStart = performance.now();
while (rows < maxRows && performance.now() - wallStart < seconds * 1000) {
  const batch = makeBatch(Date.now());
  const t0 = process.hrtime.bigint();
  db.exec('BEGIN');
  for (const params of batch) {
    if (mode === 'multi') multi.run(...params);
    else for (let i = 0; i < params.length; i += COLS) single.run(...params.slice(i, i + COLS));
  }
  db.exec('COMMIT');
  insertNs += process.hrtime.bigint() - t0;
  rows += batch.length * EVENTS_PER_REQUEST;
  commits++;
}
const insertSec = Number(insertNs) / 1e9;
db.close();
const io1 = ioCounters('self');
const bytesWrittenPerRow = io0 && io1 ? (io1.wchar - io0.wchar) / rows : undefined;
process.stdout.write(
  JSON.stringify({
    rows,
    bytesWrittenPerRow,
    seconds: insertSec,
    wallSeconds: (performance.now() - wallStart) / 1000,
    rowsPerSec: rows / insertSec,
    commits,
    rowsPerTx,
    mode,
    indexes,
  }) + '\n',
);
