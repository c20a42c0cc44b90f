import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Kysely, SqliteDialect, sql, type Compilable } from 'kysely';
import { NodeSqliteDatabase } from './node-sqlite.driver.ts';
import { migrateToLatest } from './migrator.ts';
import type { Database } from './schema.ts';
import type { Db, Store } from './store.ts';
import { storeFault } from './store-faults.ts';
import './store-probe.tables.ts';

export interface SqliteStoreOptions {
  /** Database file path, or ':memory:' (then streaming reads share the writer connection). */
  path: string;
  /**
   * FULL (default, D13): SQLite's synchronous=FULL, a write resolves only once its commit is on stable storage.
   * NORMAL: no fsync per commit (survives a process crash, not a power loss).
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** Most units grouped into one commit. */
  commitGroupMax?: number;
  /**
   * No further unit joins a commit group once the group has run this long (ms); the group then commits and the
   * event loop gets a turn before the next one. A group runs synchronously (node:sqlite), so this bounds how long
   * requests wait to be read. Default 50.
   */
  commitGroupBudgetMs?: number;
}

interface PendingUnit {
  unit: (tx: Db) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * The embedded store: one SQLite file in WAL mode with synchronous=FULL (D13).
 *
 * Writes go through one connection. Units submitted while a commit is in progress wait, and are then run
 * together in one transaction, each inside its own savepoint, so a group of N requests costs one fsync. A group
 * stops taking units after `commitGroupMax` of them or `commitGroupBudgetMs`, so the event loop is not held for long.
 * Each streaming read uses its own read-only connection: WAL lets it run while writes commit.
 */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly db: Db;
  readonly stats = { commits: 0, units: 0 };
  onCommit: ((seconds: number, units: number) => void) | undefined;
  #writer: NodeSqliteDatabase;
  #readers = new Set<NodeSqliteDatabase>();
  #path: string;
  #queue: PendingUnit[] = [];
  #flushing = false;
  #groupMax: number;
  #groupBudgetMs: number;
  #closed = false;
  #idle: (() => void)[] = [];
  #fault: { cause: string; since: number } | undefined;

  constructor(options: SqliteStoreOptions) {
    this.#path = options.path;
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.#writer = new NodeSqliteDatabase(options.path);
    this.#writer.raw.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'};
      PRAGMA foreign_keys = OFF;
      PRAGMA busy_timeout = 10000;
      PRAGMA cache_size = -65536;
      PRAGMA temp_store = MEMORY;
      PRAGMA wal_autocheckpoint = 4000;
      PRAGMA secure_delete = ON; -- deleted rows are overwritten, not left in free space (profile deletion)
    `);
    this.#groupMax = options.commitGroupMax ?? 256;
    this.#groupBudgetMs = options.commitGroupBudgetMs ?? 50;
    const writer = this.#writer;
    this.db = new Kysely<Database>({ dialect: new SqliteDialect({ database: writer }) });
  }

  write<T>(unit: (tx: Db) => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ unit, resolve: resolve as (v: unknown) => void, reject });
      if (!this.#flushing) {
        this.#flushing = true;
        // Let the other requests of this turn of the event loop join the group.
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const started = performance.now();
      const group: PendingUnit[] = [];
      const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
      try {
        if (this.#queue.length === 1) {
          // A group of one needs no savepoint: if the unit fails, rolling back the transaction keeps nothing of it.
          const only = this.#queue.shift()!;
          group.push(only);
          try {
            outcomes.push({ ok: true, value: await this.#transaction((tx) => only.unit(tx)) });
          } catch (error) {
            // The unit failed (its transaction rolled back), or the commit itself failed: nothing of it is kept.
            if (storeFault(error)) throw error;
            outcomes.push({ ok: false, error });
          }
        } else
          await this.#transaction(async (tx) => {
            // Units join the group until it holds groupMax of them or has run for the time budget.
            while (this.#queue.length > 0 && group.length < this.#groupMax && (group.length === 0 || performance.now() - started < this.#groupBudgetMs)) {
              const pending = this.#queue.shift()!;
              group.push(pending);
              await sql`SAVEPOINT unit`.execute(tx);
              try {
                const value = await pending.unit(tx);
                await sql`RELEASE unit`.execute(tx);
                outcomes.push({ ok: true, value });
              } catch (error) {
                // A full disk or I/O error can end the whole transaction (SQLite rolls it back itself): then the group fails.
                if (storeFault(error) || !this.#writer.raw.isTransaction) throw error;
                await sql`ROLLBACK TO unit`.execute(tx);
                await sql`RELEASE unit`.execute(tx);
                outcomes.push({ ok: false, error });
              }
            }
          });
      } catch (error) {
        // The transaction itself failed, or its WAL could not be flushed: the group is not acknowledged. (If it failed
        // before any unit joined, the units that would have formed the group fail with it rather than retrying forever.)
        this.#noteFault(error);
        for (const pending of group.length > 0 ? group : this.#queue.splice(0, this.#groupMax)) pending.reject(error);
        continue;
      }
      this.#fault = undefined;
      this.stats.commits++;
      this.stats.units += group.length;
      this.onCommit?.((performance.now() - started) / 1000, group.length);
      group.forEach((pending, i) => {
        const o = outcomes[i];
        if (o.ok) pending.resolve(o.value);
        else pending.reject(o.error);
      });
      // Give requests that were waiting on this commit a chance to enqueue before the next group.
      if (this.#queue.length > 0) await yieldToLoop();
    }
    this.#flushing = false;
    for (const fn of this.#idle.splice(0)) fn();
  }

  /**
   * BEGIN IMMEDIATE … COMMIT on the writer. Unlike Kysely's transaction(), a failed COMMIT (SQLITE_FULL, SQLITE_IOERR,
   * SQLITE_READONLY: SQLite has already rolled the transaction back) rejects with its own error, not with the
   * "cannot rollback - no transaction is active" of a second, pointless ROLLBACK.
   */
  async #transaction<T>(body: (tx: Db) => Promise<T>): Promise<T> {
    return this.db.connection().execute(async (conn) => {
      await sql`BEGIN IMMEDIATE`.execute(conn);
      try {
        const value = await body(conn);
        await sql`COMMIT`.execute(conn);
        return value;
      } catch (error) {
        if (this.#writer.raw.isTransaction) {
          try {
            await sql`ROLLBACK`.execute(conn);
          } catch {
            // the original error is the one that matters
          }
        }
        throw error;
      }
    });
  }

  #noteFault(error: unknown) {
    const cause = storeFault(error);
    if (!cause) return;
    if (this.#fault?.cause !== cause) this.#fault = { cause, since: Date.now() };
  }

  writeFault(): { cause: string; since: number } | undefined {
    return this.#fault;
  }

  async probe(): Promise<void> {
    await this.write((tx) =>
      tx
        .insertInto('store_probe')
        .values({ id: 1, at: Date.now() })
        .onConflict((oc) => oc.column('id').doUpdateSet({ at: Date.now() }))
        .execute(),
    );
  }

  async *stream<R>(query: Compilable<R>, options: { chunkSize?: number; signal?: AbortSignal } = {}): AsyncIterable<R> {
    const compiled = query.compile();
    const chunkSize = options.chunkSize ?? 1000;
    // Each stream reads through its own read-only connection, so it sees the data as of its own start and holds
    // nothing back for others; WAL lets it run while writes commit. (':memory:' cannot be shared: use the writer.)
    const own = this.#path === ':memory:' ? undefined : this.#openReader();
    const raw = own ? own.raw : this.#writer.raw;
    const iterator = raw.prepare(compiled.sql).iterate(...compiled.parameters.map(bindValue));
    try {
      let chunk: R[] = [];
      for (const row of iterator) {
        chunk.push(row as R);
        if (chunk.length >= chunkSize) {
          for (const r of chunk) yield r;
          chunk = [];
          if (options.signal?.aborted) return;
          await yieldToLoop(); // let writes and other requests run between chunks
        }
      }
      for (const r of chunk) yield r;
    } finally {
      iterator.return?.();
      if (own) {
        own.close();
        this.#readers.delete(own);
      }
    }
  }

  #openReader(): NodeSqliteDatabase {
    const reader = new NodeSqliteDatabase(this.#path, { readOnly: true });
    reader.raw.exec('PRAGMA busy_timeout = 10000; PRAGMA cache_size = -16384;');
    this.#readers.add(reader);
    return reader;
  }

  async lockKeys(): Promise<void> {
    // One writer connection: units already run one at a time.
  }

  migrate(): Promise<string[]> {
    return migrateToLatest(this.db, 'sqlite');
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  /** Waits for queued writes to commit, then closes both connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#flushing) await new Promise<void>((r) => this.#idle.push(r));
    try {
      this.#writer.raw.exec('PRAGMA wal_checkpoint(PASSIVE)');
    } catch {
      // best effort
    }
    await this.db.destroy();
    for (const r of this.#readers) r.close();
    this.#readers.clear();
  }
}

function bindValue(p: unknown) {
  return p === undefined ? null : typeof p === 'boolean' ? (p ? 1 : 0) : (p as string | number | bigint | null | Uint8Array);
}
