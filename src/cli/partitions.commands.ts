import type { ParseArgsOptionsConfig } from 'node:util';
import { loadConfig } from '../platform/config.ts';
import { openStore } from '../platform/db/open-store.ts';
import type { Store } from '../platform/db/store.ts';
import { dropEventPartitionsBefore, ensureEventPartitions, listEventPartitions, monthStart } from '../platform/db/postgres.partitions.ts';
import { UsageError, type Command, type Io } from './support.ts';

/**
 * `maru partitions list|ensure|drop`: maintenance of the monthly `events` partitions on PostgreSQL
 * (src/platform/db/postgres.partitions.ts, docs/deployment.md "Partition maintenance").
 * (Kept out of commands.ts, which only lists them; UsageError is used inside functions only, so the import cycle is harmless.)
 */
type Args = Record<string, string | boolean | (string | boolean)[] | undefined>;

const common: ParseArgsOptionsConfig = { help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } };

async function withPostgres<T>(io: Io, fn: (store: Store) => Promise<T>): Promise<T> {
  const config = loadConfig(io.env);
  if (!config.databaseUrl) throw new UsageError('events are partitioned only on PostgreSQL: set MARU_DATABASE_URL');
  const store = await openStore(config);
  try {
    await store.migrate();
    return await fn(store);
  } finally {
    await store.close();
  }
}

const month = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().slice(0, 7));

/** "2025-03" → the first instant of that month (UTC). */
function parseMonth(value: unknown): number {
  if (typeof value !== 'string' || !/^\d{4}-(0[1-9]|1[0-2])$/.test(value)) throw new UsageError('--before must be a month, YYYY-MM');
  const [y, m] = value.split('-').map(Number);
  return Date.UTC(y, m - 1, 1);
}

export const PARTITION_COMMANDS: Command[] = [
  {
    name: 'partitions list',
    summary: 'List the monthly partitions of events (PostgreSQL) with their row counts',
    usage: 'maru partitions list [--json]',
    options: { ...common },
    async run(args: Args, io: Io) {
      const parts = await withPostgres(io, (s) => listEventPartitions(s.db, { countRows: true }));
      if (args.json) io.out(JSON.stringify({ partitions: parts }) + '\n');
      else for (const p of parts) io.out(`${p.name.padEnd(18)} ${month(p.from)} … ${month(p.to)}  ${p.rows} rows\n`);
      return 0;
    },
  },
  {
    name: 'partitions ensure',
    summary: 'Create the monthly partitions of events ahead of time (PostgreSQL)',
    usage: `maru partitions ensure [--months-ahead N]

Creates the partitions from last month to N months ahead (default 3). maru does this at start-up and every 6 hours;
run it from cron to be sure, or before loading events of months further ahead.`,
    options: { ...common, 'months-ahead': { type: 'string' } },
    async run(args: Args, io: Io) {
      const ahead = args['months-ahead'] === undefined ? 3 : Number(args['months-ahead']);
      if (!Number.isInteger(ahead) || ahead < 0 || ahead > 120) throw new UsageError('--months-ahead must be an integer from 0 to 120');
      const created = await withPostgres(io, (s) => ensureEventPartitions(s.db, { now: Date.now(), monthsAhead: ahead }));
      if (args.json) io.out(JSON.stringify({ created }) + '\n');
      else io.out(created.length > 0 ? `created ${created.join(', ')}\n` : 'all partitions already exist\n');
      return 0;
    },
  },
  {
    name: 'partitions drop',
    summary: 'Drop the events of whole months before a month (PostgreSQL)',
    usage: `maru partitions drop --before YYYY-MM [--yes]

Detaches and drops every monthly partition of events that ends on or before the first day of that month, and
deletes the rows of those months kept in the default partition. This deletes events for good. Without --yes it
only lists what would be dropped.`,
    options: { ...common, before: { type: 'string' }, yes: { type: 'boolean' } },
    async run(args: Args, io: Io) {
      const before = parseMonth(args.before);
      if (before > monthStart(Date.now())) throw new UsageError('--before must not be after the current month');
      if (!args.yes) {
        const parts = await withPostgres(io, (s) => listEventPartitions(s.db, { countRows: true }));
        const doomed = parts.filter((p) => p.to !== null && p.to <= before);
        io.out(doomed.length > 0 ? doomed.map((p) => `would drop ${p.name} (${p.rows} rows)\n`).join('') : 'nothing to drop\n');
        io.out('(plus rows of those months in events_default) — run again with --yes to drop\n');
        return 0;
      }
      const r = await withPostgres(io, (s) => dropEventPartitionsBefore(s.db, before));
      if (args.json) io.out(JSON.stringify(r) + '\n');
      else io.out(`dropped ${r.dropped.length > 0 ? r.dropped.join(', ') : 'no partitions'}; ${r.defaultRowsDeleted} rows deleted from events_default\n`);
      return 0;
    },
  },
];
