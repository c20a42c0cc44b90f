import type { Kysely, Compilable } from 'kysely';
import type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

/** A handle repositories run queries on: the store's database or a unit's transaction. */
export type Db = Kysely<Database>;

/**
 * The store port: one relational database behind Kysely.
 *
 * Behaviour every adapter keeps (proven by test/contract/store.contract.ts):
 * - `write(unit)` runs the unit in a transaction. Its promise resolves only after the transaction is durably
 *   committed (D13), and rejects if the unit throws — in which case nothing the unit wrote is kept.
 *   Units submitted concurrently may be grouped into one commit; each unit is isolated (a failing unit does not
 *   undo or fail the others in its group). Units must not call `write` themselves.
 * - `db` is for reads (and for writes in tests/migrations only); it sees everything `write` has committed.
 * - `stream(query)` yields the rows of a query in order without holding them all in memory, does not block
 *   concurrent writes, and stops the query when the consumer stops iterating.
 * - `lockKeys(tx, keys)` serialises units touching the same keys across processes (identity resolution);
 *   single-writer adapters may implement it as a no-op.
 * - `migrate()` applies pending migrations from src/platform/db/migrations in order, idempotently.
 * - `writeFault()` names the database fault (store-faults.ts: full disk, read-only file, connection lost) that made the
 *   last commit fail, until a commit succeeds again; `probe()` is a tiny real write (readiness checks it while a fault
 *   stands, so readiness returns as soon as writes work again, without waiting for traffic).
 */
export interface Store {
  readonly dialect: Dialect;
  readonly db: Db;
  write<T>(unit: (tx: Db) => Promise<T>): Promise<T>;
  stream<R>(query: Compilable<R>, options?: { chunkSize?: number; signal?: AbortSignal }): AsyncIterable<R>;
  lockKeys(tx: Db, keys: string[]): Promise<void>;
  migrate(): Promise<string[]>;
  ping(): Promise<void>;
  writeFault(): { cause: string; since: number } | undefined;
  probe(): Promise<void>;
  close(): Promise<void>;
  /** Commit-group figures for /metrics. */
  readonly stats: { commits: number; units: number };
  /** Called after each durable commit with its duration (from the group's start) and how many units it held. */
  onCommit: ((seconds: number, units: number) => void) | undefined;
}
