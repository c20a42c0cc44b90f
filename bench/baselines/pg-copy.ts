/**
 * PostgreSQL ceiling: raw COPY of the rows the DFINERY benchmark sends (same columns as maru's events table, same
 * payload generator) into a table with no index but the primary key, one COPY of `rowsPerCopy` rows per transaction,
 * synchronous_commit left at the server's setting (on). Only COPY + COMMIT time is counted.
 *
 * Usage: node bench/baselines/pg-copy.ts '{"url": "postgres://.../scratch_db", "seconds": 10, "rowsPerCopy": 20000}'
 * (the database must exist; the table is created and dropped) → prints {"rows", "seconds", "rowsPerSec"} on stdout.
 */
import pg from 'pg';
import { EVENTS_PER_REQUEST, makeEvents, prng } from '../lib/payload.ts';

interface Args {
  url: string;
  seconds?: number;
  rowsPerCopy?: number;
}
const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const seconds = args.seconds ?? 10;
const rowsPerCopy = args.rowsPerCopy ?? 20_000;

const COLUMNS = ['project_id', 'occurred_at', 'event_key', 'name', 'received_at', 'profile_id', 'properties', 'items', 'source'];
const text = (v: string | number | null) =>
  v === null ? '\\N' : String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');

/** COPY … FROM STDIN through pg's protocol hooks (what pg-copy-streams does, minus the stream). */
function copyFrom(client: pg.Client, sql: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    let error: Error | undefined;
    const submittable = {
      submit(con: { query(text: string): void }) {
        con.query(sql);
      },
      handleCopyInResponse(con: { sendCopyFromChunk(b: Buffer): void; endCopyFrom(): void }) {
        for (let i = 0; i < data.length; i += 64 * 1024) con.sendCopyFromChunk(data.subarray(i, i + 64 * 1024));
        con.endCopyFrom();
      },
      handleCommandComplete() {},
      handleError(err: Error) {
        error = err;
      },
      handleReadyForQuery() {
        if (error) reject(error);
        else resolve();
      },
      handleRowDescription() {},
      handleDataRow() {},
      handlePortalSuspended() {},
      handleEmptyQuery() {},
      handleCopyData() {},
    };
    void client.query(submittable as unknown as pg.Submittable);
  });
}

const rand = prng(7);
function makeBatch(now: number): Buffer {
  let out = '';
  for (let r = 0; r < rowsPerCopy / EVENTS_PER_REQUEST; r++) {
    const profile = `p${Math.floor(rand() * 1e9).toString(36)}`;
    for (const e of makeEvents(rand, now)) {
      out +=
        [
          'p8Xk2mQ',
          Date.parse(e.event_datetime),
          e.event_log_id,
          e.event_name,
          now,
          profile,
          e.event_properties ? JSON.stringify(e.event_properties) : null,
          e.event_items ? JSON.stringify(e.event_items) : null,
          'api',
        ]
          .map(text)
          .join('\t') + '\n';
    }
  }
  return Buffer.from(out);
}

const client = new pg.Client({ connectionString: args.url });
await client.connect();
const table = `ceiling_events_${process.pid}`;
await client.query(`create table ${table} (
  seq bigserial primary key, project_id text not null, occurred_at bigint not null, event_key text not null, name text not null,
  received_at bigint not null, profile_id text not null, properties text, items text, source text not null)`);
let rows = 0;
let ns = 0n;
try {
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    const data = makeBatch(Date.now());
    const t0 = process.hrtime.bigint();
    await client.query('begin');
    await copyFrom(client, `copy ${table} (${COLUMNS.join(', ')}) from stdin`, data);
    await client.query('commit');
    ns += process.hrtime.bigint() - t0;
    rows += rowsPerCopy;
  }
} finally {
  await client.query(`drop table if exists ${table}`);
  await client.end();
}
const secs = Number(ns) / 1e9;
process.stdout.write(JSON.stringify({ rows, seconds: secs, rowsPerSec: rows / secs, rowsPerCopy }) + '\n');
