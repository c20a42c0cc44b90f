import { createHash } from 'node:crypto';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { Kysely, PostgresDialect, sql, type Compilable } from 'kysely';
import { migrateToLatest } from './migrator.ts';
import { ensureEventPartitions } from './postgres.partitions.ts';
import type { Database } from './schema.ts';
import type { Db, Store } from './store.ts';
import { storeFault } from './store-faults.ts';
import './store-probe.tables.ts';

export interface PostgresStoreOptions {
  /** postgres://user:pass@host:port/db */
  url: string;
  /**
   * Connections of this process's pool for writes and reads (MARU_DATABASE_POOL_SIZE). Streams (export cursors) use a
   * second pool of the same size, so a long export never takes a connection requests are waiting for.
   */
  poolSize?: number;
  /** Most units grouped into one commit. */
  commitGroupMax?: number;
  /** Write groups committing at once, each on its own connection. */
  writeConcurrency?: number;
  /** Monthly event partitions kept created ahead of the current month. */
  partitionMonthsAhead?: number;
  /** How often partitions are topped up while the store is open (ms); 0 disables the timer. */
  partitionIntervalMs?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
}

interface PendingUnit {
  unit: (tx: Db) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  /** Times the unit was rolled back for a deadlock or serialization failure and run again. */
  retries: number;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown; retry: boolean };

/** SQLSTATEs after which a unit is run again in a later transaction: deadlock_detected, serialization_failure. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_UNIT_RETRIES = 5;

/** Advisory lock key held while migrating, so N processes starting at once apply each migration once. */
const MIGRATE_LOCK = 'maru:migrate';

/**
 * pg returns int8 (bigint columns, count(*)) and numeric as strings; maru's times are epoch ms and its counts are
 * small, so both parse to Number — on this store's pool only, pg's global parsers are left alone.
 */
const PARSERS: Record<number, (value: string) => unknown> = { 20: Number, 1700: Number };
export const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    return (format ?? 'text') === 'text' && PARSERS[oid] ? PARSERS[oid] : pg.types.getTypeParser(oid, format);
  },
} as unknown as pg.CustomTypesConfig;

/**
 * The scale-mode store: PostgreSQL through a `pg` pool.
 *
 * - `write(unit)`: units submitted while earlier ones are committing are grouped into one transaction, each in its
 *   own savepoint (a failing unit rolls back to it and alone rejects), so N concurrent requests cost one WAL flush.
 *   Up to `writeConcurrency` groups commit at once on separate connections. A unit that hits a deadlock or
 *   serialization failure is rolled back to its savepoint (releasing its advisory locks) and run again in a later
 *   transaction. `synchronous_commit` is left at the server's setting (on): a resolved write is durable.
 * - `lockKeys`: transaction-scoped advisory locks on a 64-bit hash of each key, taken in sorted order in one
 *   statement, so units of any process touching the same identifiers run one after another without deadlocking.
 * - `stream`: a server-side cursor (pg-cursor) on a connection of a separate pool, read `chunkSize` rows at a time.
 * - `migrate`: under a session advisory lock; then the monthly `events` partitions are created ahead of time.
 */
export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly db: Db;
  readonly stats = { commits: 0, units: 0 };
  onCommit: ((seconds: number, units: number) => void) | undefined;
  #pool: pg.Pool;
  #streamPool: pg.Pool;
  /** Connections of streams in progress (a consumer that abandons a stream without ending it would keep one). */
  #streams = new Set<pg.PoolClient>();
  #queue: PendingUnit[] = [];
  #flushers = 0;
  #scheduled = false;
  #groupMax: number;
  #writeConcurrency: number;
  #monthsAhead: number;
  #partitionTimer: NodeJS.Timeout | undefined;
  #partitionIntervalMs: number;
  #closed = false;
  #idle: (() => void)[] = [];
  #fault: { cause: string; since: number } | undefined;

  constructor(options: PostgresStoreOptions) {
    const poolSize = options.poolSize ?? 10;
    const pool = (name: string) => {
      const p = new pg.Pool({
        connectionString: options.url,
        max: poolSize,
        types: pgTypes,
        application_name: `${options.applicationName ?? 'maru'}${name}`,
        idleTimeoutMillis: 30_000,
      });
      // A client that loses its connection (pg_terminate_backend, a server restart) emits 'error': on the pool while idle,
      // on the client itself while checked out. Without a listener either would crash the process; the query in flight
      // rejects on its own, and the pool replaces the broken client.
      p.on('error', (err) => this.#noteFault(err));
      p.on('connect', (client) => client.on('error', (err) => this.#noteFault(err)));
      return p;
    };
    this.#pool = pool('');
    this.#streamPool = pool('-stream');
    this.#groupMax = options.commitGroupMax ?? 256;
    this.#writeConcurrency = Math.max(1, Math.min(options.writeConcurrency ?? Math.max(1, Math.floor(poolSize / 2)), poolSize - 1));
    this.#monthsAhead = options.partitionMonthsAhead ?? 3;
    this.#partitionIntervalMs = options.partitionIntervalMs ?? 6 * 3600_000;
    this.db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: this.#pool, cursor: Cursor }) });
  }

  write<T>(unit: (tx: Db) => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ unit, resolve: resolve as (v: unknown) => void, reject, retries: 0 });
      this.#schedule();
    });
  }

  #schedule() {
    if (this.#scheduled || this.#flushers >= this.#writeConcurrency || this.#queue.length === 0) return;
    this.#scheduled = true;
    // Let the other requests of this turn of the event loop join the group.
    setImmediate(() => {
      this.#scheduled = false;
      if (this.#flushers >= this.#writeConcurrency || this.#queue.length === 0) return;
      this.#flushers++;
      void this.#flush().finally(() => {
        this.#flushers--;
        if (this.#queue.length > 0) this.#schedule();
        else if (this.#flushers === 0) for (const fn of this.#idle.splice(0)) fn();
      });
    });
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const group = this.#queue.splice(0, this.#groupMax);
      // Another flusher may take the next group while this one commits.
      if (this.#queue.length > 0) this.#schedule();
      let outcomes: Outcome[];
      const started = performance.now();
      try {
        outcomes = group.length === 1 ? [await this.#runAlone(group[0])] : await this.#runGroup(group);
      } catch (error) {
        // The transaction itself failed (connection lost, commit refused): nothing of the group is durable.
        this.#noteFault(error);
        for (const pending of group) pending.reject(error);
        continue;
      }
      if (outcomes.some((o) => o.ok)) this.#fault = undefined;
      this.stats.commits++;
      this.onCommit?.((performance.now() - started) / 1000, outcomes.filter((o) => o.ok).length);
      const again: PendingUnit[] = [];
      group.forEach((pending, i) => {
        const o = outcomes[i];
        if (o.ok) {
          this.stats.units++;
          pending.resolve(o.value);
        } else if (o.retry && pending.retries < MAX_UNIT_RETRIES) {
          pending.retries++;
          again.push(pending);
        } else {
          this.#noteFault(o.error);
          pending.reject(o.error);
        }
      });
      if (again.length > 0) this.#queue.unshift(...again);
      // Give requests that were waiting on this commit a chance to enqueue before the next group.
      if (this.#queue.length > 0) await yieldToLoop();
    }
  }

  /** One unit, one transaction: no savepoint round trips. */
  async #runAlone(pending: PendingUnit): Promise<Outcome> {
    let failure: Outcome | undefined;
    try {
      const value = await this.db.transaction().execute(async (tx) => {
        try {
          return await pending.unit(tx);
        } catch (error) {
          failure = { ok: false, error, retry: isRetryable(error) };
          throw error;
        }
      });
      return { ok: true, value };
    } catch (error) {
      if (failure) return failure; // the unit threw; its transaction rolled back
      throw error;
    }
  }

  async #runGroup(group: PendingUnit[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    await this.db.transaction().execute(async (tx) => {
      for (const pending of group) {
        await sql`SAVEPOINT unit`.execute(tx);
        try {
          const value = await pending.unit(tx);
          await sql`RELEASE SAVEPOINT unit`.execute(tx);
          outcomes.push({ ok: true, value });
        } catch (error) {
          await sql`ROLLBACK TO SAVEPOINT unit`.execute(tx);
          await sql`RELEASE SAVEPOINT unit`.execute(tx);
          outcomes.push({ ok: false, error, retry: isRetryable(error) });
        }
      }
    });
    return outcomes;
  }

  async *stream<R>(query: Compilable<R>, options: { chunkSize?: number; signal?: AbortSignal } = {}): AsyncIterable<R> {
    const compiled = query.compile();
    const chunkSize = options.chunkSize ?? 1000;
    if (this.#closed) throw new Error('store is closed');
    const client = await this.#streamPool.connect();
    this.#streams.add(client);
    const cursor = client.query(new Cursor<R>(compiled.sql, compiled.parameters as unknown[], { types: pgTypes }));
    let broken = false;
    try {
      for (;;) {
        const rows = await cursor.read(chunkSize);
        for (const r of rows) yield r;
        if (rows.length < chunkSize) return;
        if (options.signal?.aborted) return;
      }
    } catch (error) {
      broken = true;
      throw error;
    } finally {
      // Owned by close() if the store was closed meanwhile (it destroyed the connection).
      if (this.#streams.delete(client)) {
        try {
          await withTimeout(cursor.close(), 5000);
        } catch {
          broken = true;
        }
        // A connection whose cursor failed to close is discarded rather than reused.
        client.release(broken);
      }
    }
  }

  async lockKeys(tx: Db, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    // Keys may hold characters PostgreSQL text cannot (identifier keys use NUL as a separator): hash them here.
    const locks = [...new Set(keys.map(lockId))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String);
    await sql`select pg_advisory_xact_lock(h) from unnest(${locks}::bigint[]) with ordinality as l(h, n) order by n`.execute(tx);
  }

  async migrate(): Promise<string[]> {
    return this.db.connection().execute(async (conn) => {
      await sql`select pg_advisory_lock(hashtextextended(${MIGRATE_LOCK}, 0))`.execute(conn);
      try {
        const applied = await migrateToLatest(conn, 'postgres');
        await ensureEventPartitions(conn, { now: Date.now(), monthsAhead: this.#monthsAhead });
        this.#startPartitionTimer();
        return applied;
      } finally {
        await sql`select pg_advisory_unlock(hashtextextended(${MIGRATE_LOCK}, 0))`.execute(conn);
      }
    });
  }

  /** Tops up the monthly partitions while the process runs (a process that stays up for months keeps ahead). */
  #startPartitionTimer() {
    if (this.#partitionTimer || this.#partitionIntervalMs <= 0 || this.#closed) return;
    this.#partitionTimer = setInterval(() => {
      void this.db
        .connection()
        .execute(async (conn) => {
          const locked = await sql<{ ok: boolean }>`select pg_try_advisory_lock(hashtextextended(${MIGRATE_LOCK}, 0)) as ok`.execute(conn);
          if (!locked.rows[0]?.ok) return;
          try {
            await ensureEventPartitions(conn, { now: Date.now(), monthsAhead: this.#monthsAhead });
          } finally {
            await sql`select pg_advisory_unlock(hashtextextended(${MIGRATE_LOCK}, 0))`.execute(conn);
          }
        })
        .catch(() => {
          // The next round tries again; rows outside the created partitions land in events_default meanwhile.
        });
    }, this.#partitionIntervalMs);
    this.#partitionTimer.unref();
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  #noteFault(error: unknown) {
    const cause = storeFault(error);
    if (cause && this.#fault?.cause !== cause) this.#fault = { cause, since: Date.now() };
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

  /** Waits for queued writes to commit, then ends the pools (ending streams still open). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#partitionTimer);
    if (this.#flushers > 0 || this.#scheduled || this.#queue.length > 0) await new Promise<void>((r) => this.#idle.push(r));
    await this.db.destroy();
    // Streams still open (their consumer neither finished nor returned them) lose their connection.
    for (const client of this.#streams) client.release(true);
    this.#streams.clear();
    await this.#streamPool.end();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

/** A 64-bit advisory lock id for a key (the first 8 bytes of its SHA-256). */
export function lockId(key: string): bigint {
  return createHash('sha256').update(key).digest().readBigInt64BE(0);
}

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE.has(code);
}
