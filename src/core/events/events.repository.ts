import { CompiledQuery, sql } from 'kysely';
import './event-log.tables.ts';
import type { Db } from '../../platform/db/store.ts';
import type { EventRow } from '../../platform/db/schema.ts';

export type NewEventRow = Omit<EventRow, 'seq'>;

/** Columns of an inserted event, in the order of the compiled INSERT's parameters (row by row). */
const COLUMNS = ['project_id', 'occurred_at', 'event_key', 'name', 'received_at', 'profile_id', 'properties', 'items', 'source'] as const;

/** Rows per INSERT statement: a batch is inserted in chunks of this size and a remainder. */
const ROWS_PER_STATEMENT = 500;

/**
 * The SQL of the INSERT for n rows, compiled by Kysely once per dialect (keyed by the Kysely adapter, which a
 * database and its transactions share) and row count, then run with each batch's parameters: building and
 * compiling a 100-row insert through the query builder per request cost 13% of the DFINERY ingest CPU
 * (bench/README.md). At most ROWS_PER_STATEMENT texts per dialect, kept only for the row counts that occur.
 */
const compiledInserts = new WeakMap<object, Map<string, (string | undefined)[]>>();

type InsertTarget = 'events' | 'event_log';

function insertSqlFor(db: Db, n: number, table: InsertTarget = 'events'): string {
  const adapter = db.getExecutor().adapter;
  let byTable = compiledInserts.get(adapter);
  if (!byTable) {
    byTable = new Map();
    compiledInserts.set(adapter, byTable);
  }
  let byCount = byTable.get(table);
  if (!byCount) {
    byCount = [];
    byTable.set(table, byCount);
  }
  let text = byCount[n];
  if (text === undefined) {
    // Compile with numbered placeholders and check they come out row by row, column by column, as bound below.
    const template: Record<string, number>[] = [];
    for (let r = 0; r < n; r++) {
      const row: Record<string, number> = {};
      COLUMNS.forEach((c, i) => {
        row[c] = r * COLUMNS.length + i;
      });
      template.push(row);
    }
    const insert = db.insertInto(table).values(template as unknown as NewEventRow[]);
    const compiled = (table === 'events' ? insert.onConflict((oc) => oc.columns(['project_id', 'occurred_at', 'event_key']).doNothing()) : insert).compile();
    if (compiled.parameters.length !== n * COLUMNS.length || compiled.parameters.some((p, i) => p !== i)) {
      throw new Error('events insert: unexpected parameter order in the compiled query');
    }
    byCount[n] = text = compiled.sql;
  }
  return text;
}

/**
 * Inserts events, skipping any whose (project, occurred_at, key) is already stored (or repeated in `rows`).
 * Returns how many rows were new.
 */
export async function insertEvents(db: Db, rows: NewEventRow[]): Promise<number> {
  return insertRows(db, rows, 'events');
}

/** Rows per unnest statement: 9 array parameters whatever the count; bounded only to keep one statement's memory modest. */
const ROWS_PER_UNNEST = 10_000;

/**
 * PostgreSQL's fast path for a batch of events: one `INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING` per
 * 10,000 rows. Same semantics as insertEvents (a key already stored, or repeated within the batch, is skipped and
 * not counted); measured 1.7× faster than the multi-row INSERT at 1,000 rows and faster than COPY through a
 * temporary table at every batch size (bench/pg-insert.ts). Returns how many rows were new.
 */
export async function insertEventsUnnest(db: Db, rows: NewEventRow[]): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < rows.length; i += ROWS_PER_UNNEST) {
    const chunk = rows.slice(i, i + ROWS_PER_UNNEST);
    const col = <K extends keyof NewEventRow>(k: K) => chunk.map((r) => r[k]);
    const r = await sql`
      insert into events (project_id, occurred_at, event_key, name, received_at, profile_id, properties, items, source)
      select * from unnest(${col('project_id')}::text[], ${col('occurred_at').map(String)}::bigint[], ${col('event_key')}::text[],
        ${col('name')}::text[], ${col('received_at').map(String)}::bigint[], ${col('profile_id')}::text[],
        ${col('properties')}::text[], ${col('items')}::text[], ${col('source')}::text[])
      on conflict (project_id, occurred_at, event_key) do nothing`.execute(db);
    inserted += Number(r.numAffectedRows ?? 0n);
  }
  return inserted;
}

/** Appends rows to the ingest log (SQLite): no conflict check, no index but the id. */
export async function appendLog(db: Db, rows: NewEventRow[]): Promise<void> {
  await insertRows(db, rows, 'event_log');
}

async function insertRows(db: Db, rows: NewEventRow[], table: InsertTarget): Promise<number> {
  let inserted = 0;
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const end = Math.min(start + ROWS_PER_STATEMENT, rows.length);
    const text = insertSqlFor(db, end - start, table);
    const parameters: unknown[] = new Array((end - start) * COLUMNS.length);
    let p = 0;
    for (let i = start; i < end; i++) {
      const r = rows[i];
      parameters[p++] = r.project_id;
      parameters[p++] = r.occurred_at;
      parameters[p++] = r.event_key;
      parameters[p++] = r.name;
      parameters[p++] = r.received_at;
      parameters[p++] = r.profile_id;
      parameters[p++] = r.properties;
      parameters[p++] = r.items;
      parameters[p++] = r.source;
    }
    const result = await db.executeQuery(CompiledQuery.raw(text, parameters));
    inserted += Number(result.numAffectedRows ?? 0n);
  }
  return inserted;
}

/** The log's lowest and highest ids and its row count (undefined ids when empty). */
export async function logBounds(db: Db): Promise<{ min: number | null; max: number | null; n: number }> {
  const r = await sql<{ min: number | null; max: number | null; n: number }>`select min(id) as min, max(id) as max, count(*) as n from event_log`.execute(db);
  return { min: r.rows[0]?.min ?? null, max: r.rows[0]?.max ?? null, n: Number(r.rows[0]?.n ?? 0) };
}

export interface LogKey {
  id: number;
  project_id: string;
  occurred_at: number;
  event_key: string;
}

/** The dedupe keys of log rows with from <= id <= to, in id order, at most `limit`. */
export async function logKeys(db: Db, from: number, to: number, limit: number): Promise<LogKey[]> {
  return db
    .selectFrom('event_log')
    .select(['id', 'project_id', 'occurred_at', 'event_key'])
    .where('id', '>=', from)
    .where('id', '<=', to)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/**
 * Moves the named log rows into `events` in the order given (the caller sorts them by the dedupe key), skipping
 * those whose key is already stored (D5). Reads the rows from the log inside the caller's unit, so a row erased
 * meanwhile (profile deletion) is not resurrected. Returns how many were new.
 */
export async function mergeLogRows(db: Db, ids: number[]): Promise<number> {
  const r = await sql`
    insert into events (project_id, occurred_at, event_key, name, received_at, profile_id, properties, items, source)
    select l.project_id, l.occurred_at, l.event_key, l.name, l.received_at, l.profile_id, l.properties, l.items, l.source
    from json_each(${JSON.stringify(ids)}) j join event_log l on l.id = j.value
    where true
    order by j.key
    on conflict (project_id, occurred_at, event_key) do nothing`.execute(db);
  return Number(r.numAffectedRows ?? 0n);
}

export async function deleteLogUpTo(db: Db, to: number): Promise<void> {
  await db.deleteFrom('event_log').where('id', '<=', to).execute();
}

/** Erases a profile set's rows still in the log (profile deletion, in the deletion's unit). Returns how many. */
export async function eraseLogRows(db: Db, projectId: string, profileIds: string[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < profileIds.length; i += 500) {
    const r = await db
      .deleteFrom('event_log')
      .where('project_id', '=', projectId)
      .where('profile_id', 'in', profileIds.slice(i, i + 500))
      .executeTakeFirst();
    n += Number(r.numDeletedRows ?? 0n);
  }
  return n;
}

export async function countEvents(db: Db, projectId: string): Promise<number> {
  const r = await db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
