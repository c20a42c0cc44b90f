import { sql, type Kysely } from 'kysely';

/**
 * Monthly partitions of `events` on PostgreSQL (declarative range partitioning on occurred_at, epoch ms, UTC months).
 *
 * Migration 001 creates `events` partitioned by range with a DEFAULT partition (`events_default`), so an insert never
 * fails for want of a partition. `ensureEventPartitions` creates `events_yYYYYmMM` for last month through
 * `monthsAhead` months ahead (the store runs it after migrating and every few hours); a month whose rows already sit
 * in the default partition (old backfills, clocks far ahead) is split out of it in one transaction.
 * `dropEventPartitionsBefore` detaches and drops whole months: retention at the cost of a catalog change, not a
 * DELETE of millions of rows. See docs/deployment.md, "Partition maintenance".
 */
export interface EventPartition {
  name: string;
  /** Inclusive lower bound, epoch ms; null for the default partition. */
  from: number | null;
  /** Exclusive upper bound, epoch ms; null for the default partition. */
  to: number | null;
  rows?: number;
}

export const monthStart = (t: number, offsetMonths = 0): number => {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offsetMonths, 1);
};

export const partitionName = (from: number): string => {
  const d = new Date(from);
  return `events_y${d.getUTCFullYear()}m${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
};

/** The partitions of `events` with their bounds, oldest first, the default partition last. */
export async function listEventPartitions(db: Kysely<any>, options: { countRows?: boolean } = {}): Promise<EventPartition[]> {
  const r = await sql<{ name: string; bound: string }>`
    select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound
    from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = 'events'::regclass`.execute(db);
  const out: EventPartition[] = r.rows.map((row) => {
    const m = /FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)/.exec(row.bound);
    return { name: row.name, from: m ? Number(m[1]) : null, to: m ? Number(m[2]) : null };
  });
  out.sort((a, b) => (a.from ?? Infinity) - (b.from ?? Infinity));
  if (options.countRows) {
    for (const p of out) {
      const c = await sql<{ n: number }>`select count(*) as n from ${sql.table(p.name)}`.execute(db);
      p.rows = Number(c.rows[0].n);
    }
  }
  return out;
}

/** Creates the monthly partitions from last month to `monthsAhead` months after `now`'s month. Returns the names created. */
export async function ensureEventPartitions(db: Kysely<any>, options: { now: number; monthsAhead: number; monthsBack?: number }): Promise<string[]> {
  if (!(await isPartitioned(db))) return [];
  const existing = new Set((await listEventPartitions(db)).map((p) => p.name));
  const created: string[] = [];
  for (let m = -(options.monthsBack ?? 1); m <= options.monthsAhead; m++) {
    const from = monthStart(options.now, m);
    const name = partitionName(from);
    if (existing.has(name)) continue;
    await createMonth(db, from);
    created.push(name);
  }
  return created;
}

/** Creates the partition for the month starting at `from`, moving that month's rows out of the default partition. */
export async function createMonth(db: Kysely<any>, from: number): Promise<void> {
  const to = monthStart(from, 1);
  const name = partitionName(from);
  await db.transaction().execute(async (tx) => {
    // Blocks writers to events for the few statements below (on an empty default partition the check is instant).
    await sql`lock table events in share row exclusive mode`.execute(tx);
    const exists = await sql<{ n: number }>`select count(*) as n from pg_class where relname = ${name}`.execute(tx);
    if (Number(exists.rows[0].n) > 0) return;
    const stray = await sql<{ n: number }>`
      select count(*) as n from events_default where occurred_at >= ${from} and occurred_at < ${to}`.execute(tx);
    if (Number(stray.rows[0].n) === 0) {
      await sql`create table ${sql.table(name)} partition of events for values from (${sql.lit(from)}) to (${sql.lit(to)})`.execute(tx);
      return;
    }
    // Rows of that month are in the default partition: detach it, create the month, move them, attach it back.
    await sql`alter table events detach partition events_default`.execute(tx);
    await sql`create table ${sql.table(name)} partition of events for values from (${sql.lit(from)}) to (${sql.lit(to)})`.execute(tx);
    await sql`
      with moved as (delete from events_default where occurred_at >= ${from} and occurred_at < ${to} returning *)
      insert into ${sql.table(name)} select * from moved`.execute(tx);
    await sql`alter table events attach partition events_default default`.execute(tx);
  });
}

/**
 * Detaches and drops every monthly partition that ends at or before `before` (epoch ms, rounded down to a month).
 * Rows of those months that sit in the default partition are deleted too. Returns what was dropped.
 */
export async function dropEventPartitionsBefore(db: Kysely<any>, before: number): Promise<{ dropped: string[]; defaultRowsDeleted: number }> {
  const cutoff = monthStart(before);
  const dropped: string[] = [];
  for (const p of await listEventPartitions(db)) {
    if (p.to === null || p.to > cutoff) continue;
    await db.transaction().execute(async (tx) => {
      await sql`alter table events detach partition ${sql.table(p.name)}`.execute(tx);
      await sql`drop table ${sql.table(p.name)}`.execute(tx);
    });
    dropped.push(p.name);
  }
  const r = await sql`delete from events_default where occurred_at < ${cutoff}`.execute(db);
  return { dropped, defaultRowsDeleted: Number(r.numAffectedRows ?? 0n) };
}

async function isPartitioned(db: Kysely<any>): Promise<boolean> {
  const r = await sql<{ n: number }>`select count(*) as n from pg_partitioned_table where partrelid = 'events'::regclass`.execute(db);
  return Number(r.rows[0].n) > 0;
}
