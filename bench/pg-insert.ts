/**
 * Bulk event ingest on PostgreSQL: multi-row INSERT (what events.repository.ts does through Kysely) vs one INSERT of
 * unnest()ed arrays vs COPY into a temporary table + INSERT … SELECT … ON CONFLICT DO NOTHING. Every method keeps the
 * dedupe semantics (a key already stored is skipped, counted as not inserted), which the bench checks.
 *
 *   MARU_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node bench/pg-insert.ts [rowsPerBatchSize]
 *
 * It creates (and drops) its own database, migrated like production (events partitioned by month). Each batch is one
 * transaction, as one write unit is. Then it compares PostgresStore.write with and without commit grouping.
 * Results go to stdout as tables and as JSON lines.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Database } from '../src/platform/db/schema.ts';
import { PostgresStore } from '../src/platform/db/postgres.store.ts';
import { insertEvents, type NewEventRow } from '../src/core/events/events.repository.ts';
import { insertEventsUnnest } from '../src/core/events/events.repository.ts';
import type { Db } from '../src/platform/db/store.ts';

const BASE = process.env.MARU_BENCH_DATABASE_URL ?? process.env.MARU_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TOTAL = Number(process.argv[2] ?? 40_000);
const BATCHES = [100, 1000, 10_000];
const COLUMNS = ['project_id', 'occurred_at', 'event_key', 'name', 'received_at', 'profile_id', 'properties', 'items', 'source'] as const;

type Method = (db: Db, client: pg.PoolClient, rows: NewEventRow[]) => Promise<number>;

const methods: Record<string, Method> = {
  /** The repository as it is: Kysely multi-row INSERT, 500 rows per statement. */
  'multi-row INSERT (500/stmt)': (db, _c, rows) => insertEvents(db, rows),
  /** One statement for the whole batch: 9 array parameters (src/core/events/events.repository.ts). */
  'INSERT … unnest(arrays)': (db, _c, rows) => insertEventsUnnest(db, rows),
  /** COPY the batch into a temp table, then one INSERT … SELECT with ON CONFLICT DO NOTHING. */
  'COPY → temp + INSERT … SELECT': async (_db, client, rows) => {
    await client.query('create temp table if not exists events_in (like events including defaults) on commit delete rows');
    await copyFrom(client, `copy events_in (${COLUMNS.join(', ')}) from stdin`, rows.map(copyLine).join(''));
    const r = await client.query(
      `insert into events (${COLUMNS.join(', ')}) select ${COLUMNS.join(', ')} from events_in on conflict (project_id, occurred_at, event_key) do nothing`,
    );
    return r.rowCount ?? 0;
  },
};

/** A Kysely that runs every query on one pg client (transactions are the caller's). */
function onClient(client: pg.PoolClient): Db {
  return new Kysely<Database>({
    dialect: new PostgresDialect({
      pool: {
        connect: async () => ({ query: (...args: unknown[]) => (client.query as (...a: unknown[]) => unknown)(...args), release() {} }),
        end: async () => {},
      } as never,
    }),
  });
}

function copyText(v: string | number | null): string {
  if (v === null) return '\\N';
  return String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}
const copyLine = (r: NewEventRow) => COLUMNS.map((c) => copyText(r[c])).join('\t') + '\n';

/** COPY … FROM STDIN through pg's protocol hooks (a minimal pg-copy-streams). */
function copyFrom(client: pg.PoolClient, text: string, data: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let error: Error | undefined;
    const submittable = {
      submit(con: any) {
        con.query(text);
      },
      handleCopyInResponse(con: any) {
        const buf = Buffer.from(data);
        for (let i = 0; i < buf.length; i += 64 * 1024) con.sendCopyFromChunk(buf.subarray(i, i + 64 * 1024));
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
    client.query(submittable as unknown as pg.Submittable);
  });
}

function makeRows(n: number, seed: string, t0: number): NewEventRow[] {
  const props = JSON.stringify({ df_price: 12900, df_quantity: 2, category: 'shoes\twith tab', note: 'line\nbreak' });
  return Array.from({ length: n }, (_, i) => ({
    project_id: 'bench',
    occurred_at: t0 + i,
    event_key: `${seed}-${i}-${randomBytes(6).toString('hex')}`,
    name: i % 3 === 0 ? 'df_purchase' : 'df_view_product',
    received_at: t0 + i,
    profile_id: `p${i % 5000}`,
    properties: i % 4 === 0 ? null : props,
    items: null,
    source: 'api',
  }));
}

async function main() {
  const name = `maru_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: BASE });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(BASE);
  url.pathname = `/${name}`;
  const store = new PostgresStore({ url: url.toString(), poolSize: 4, partitionIntervalMs: 0 });
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  pool.on('error', () => {}); // idle clients ended by DROP DATABASE … WITH (FORCE) at the end
  const results: { method: string; batch: number; rowsPerSec: number; msPerBatch: number; dupesSkipped: boolean }[] = [];
  try {
    await store.migrate();
    const t0 = Date.now();
    for (const batch of BATCHES) {
      for (const [label, method] of Object.entries(methods)) {
        await sql`truncate events`.execute(store.db);
        const rows = makeRows(TOTAL, `${batch}-${label.length}`, t0);
        const client = await pool.connect();
        // Every method runs on this one connection, one BEGIN … COMMIT per batch.
        const db = onClient(client);
        const inTx = async (fn: () => Promise<number>) => {
          await client.query('begin');
          try {
            const n = await fn();
            await client.query('commit');
            return n;
          } catch (e) {
            await client.query('rollback');
            throw e;
          }
        };
        const started = performance.now();
        let inserted = 0;
        for (let i = 0; i < rows.length; i += batch) {
          const slice = rows.slice(i, i + batch);
          inserted += await inTx(() => method(db, client, slice));
        }
        const ms = performance.now() - started;
        // Dedupe: rows already stored plus 50 new ones insert only the 50.
        const again = await inTx(() => method(db, client, [...rows.slice(0, Math.min(batch, 200)), ...makeRows(50, `dup-${batch}-${label.length}`, t0 + 1e7)]));
        client.release();
        if (inserted !== TOTAL) throw new Error(`${label}: inserted ${inserted} of ${TOTAL}`);
        results.push({
          method: label,
          batch,
          rowsPerSec: Math.round((TOTAL / ms) * 1000),
          msPerBatch: +(ms / Math.ceil(TOTAL / batch)).toFixed(2),
          dupesSkipped: again === 50,
        });
      }
    }
  } finally {
    await pool.end();
    await store.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
  console.log(`PostgreSQL bulk event insert, ${TOTAL} rows per run, one transaction per batch, events partitioned by month`);
  console.log('| batch | method | rows/s | ms/batch | duplicates skipped |');
  console.log('|---:|---|---:|---:|---|');
  for (const r of results) console.log(`| ${r.batch} | ${r.method} | ${r.rowsPerSec} | ${r.msPerBatch} | ${r.dupesSkipped ? 'yes' : 'NO'} |`);
  console.log(JSON.stringify({ bench: 'pg-insert', total: TOTAL, results }));
  await groupCommit();
}

/**
 * PostgresStore.write: one transaction per unit (commitGroupMax 1) vs units grouped into shared commits (the default),
 * with 64 requests in flight, each a unit inserting 20 events (a small import request).
 */
async function groupCommit() {
  const UNITS = 3000;
  const IN_FLIGHT = 64;
  const out: { mode: string; unitsPerSec: number; unitsPerCommit: number }[] = [];
  for (const [mode, commitGroupMax] of [
    ['one transaction per unit', 1],
    ['grouped (default, up to 256 units)', 256],
  ] as const) {
    const name = `maru_bench_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: BASE });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const url = new URL(BASE);
    url.pathname = `/${name}`;
    const store = new PostgresStore({ url: url.toString(), poolSize: 10, commitGroupMax, partitionIntervalMs: 0 });
    try {
      await store.migrate();
      const t0 = Date.now();
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < UNITS) {
            const u = next++;
            await store.write((tx) => insertEvents(tx, makeRows(20, `g${u}`, t0 + u * 20)));
          }
        }),
      );
      const ms = performance.now() - started;
      out.push({ mode, unitsPerSec: Math.round((UNITS / ms) * 1000), unitsPerCommit: +(store.stats.units / store.stats.commits).toFixed(1) });
    } finally {
      await store.close();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  }
  console.log(`\nPostgresStore.write, ${UNITS} units of 20 events, ${IN_FLIGHT} in flight`);
  console.log('| mode | units/s | events/s | units per commit |');
  console.log('|---|---:|---:|---:|');
  for (const r of out) console.log(`| ${r.mode} | ${r.unitsPerSec} | ${r.unitsPerSec * 20} | ${r.unitsPerCommit} |`);
  console.log(JSON.stringify({ bench: 'pg-group-commit', results: out }));
}

await main();
