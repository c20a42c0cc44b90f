import { CompiledQuery } from 'kysely';
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
const compiledInserts = new WeakMap<object, (string | undefined)[]>();

function insertSqlFor(db: Db, n: number): string {
  const adapter = db.getExecutor().adapter;
  let byCount = compiledInserts.get(adapter);
  if (!byCount) compiledInserts.set(adapter, (byCount = []));
  let text = byCount[n];
  if (text === undefined) {
    // Compile with numbered placeholders and check they come out row by row, column by column, as bound below.
    const template: Record<string, number>[] = [];
    for (let r = 0; r < n; r++) {
      const row: Record<string, number> = {};
      COLUMNS.forEach((c, i) => (row[c] = r * COLUMNS.length + i));
      template.push(row);
    }
    const compiled = db
      .insertInto('events')
      .values(template as unknown as NewEventRow[])
      .onConflict((oc) => oc.columns(['project_id', 'occurred_at', 'event_key']).doNothing())
      .compile();
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
  let inserted = 0;
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const end = Math.min(start + ROWS_PER_STATEMENT, rows.length);
    const text = insertSqlFor(db, end - start);
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

export async function countEvents(db: Db, projectId: string): Promise<number> {
  const r = await db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId).executeTakeFirstOrThrow();
  return Number(r.n);
}
