import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { RunContext } from '../lib/context.ts';
import { runNodeJson } from '../lib/proc.ts';
import { EVENTS_PER_REQUEST } from '../lib/payload.ts';
import { runDfinery } from './dfinery-events.ts';
import type { Benchmark } from './types.ts';

/**
 * PostgreSQL mode: the DFINERY events benchmark against `maru start` with MARU_DATABASE_URL (a database created for
 * the run and dropped after), against a raw COPY baseline on the same server (bench/baselines/pg-copy.ts).
 *
 * Needs MARU_BENCH_DATABASE_URL (or MARU_TEST_DATABASE_URL): a database on a server where the benchmark may
 * CREATE and DROP databases, e.g. postgres://postgres@127.0.0.1:5432/postgres.
 */
export const postgresEvents: Benchmark = {
  name: 'pg',
  summary: 'PostgreSQL mode: DFINERY events vs. a raw COPY baseline (needs MARU_BENCH_DATABASE_URL)',
  async run(ctx: RunContext) {
    const bench = 'postgres-events';
    const base = process.env.MARU_BENCH_DATABASE_URL || process.env.MARU_TEST_DATABASE_URL;
    if (!base) {
      ctx.skip(bench, 'no database: set MARU_BENCH_DATABASE_URL to a PostgreSQL database the bench may CREATE/DROP databases from');
      return;
    }
    const name = `maru_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    try {
      let run: Awaited<ReturnType<typeof runDfinery>>;
      try {
        run = await runDfinery(ctx, {
          name: 'postgres',
          replayRatio: 0,
          profile: ctx.options.profile,
          env: { MARU_DATABASE_URL: url.toString() },
          countStored: async () => {
            const c = new pg.Client({ connectionString: url.toString() });
            await c.connect();
            try {
              return Number((await c.query('select count(*) as n from events')).rows[0].n);
            } finally {
              await c.end();
            }
          },
        });
      } catch (e) {
        if (/no PostgreSQL store yet/.test((e as Error).message)) {
          ctx.skip(bench, 'not available yet (this build has no PostgreSQL store)');
          return;
        }
        throw e;
      }
      const copy = await runNodeJson<{ rows: number; rowsPerSec: number; rowsPerCopy: number }>(
        'bench/baselines/pg-copy.ts',
        { url: url.toString(), seconds: Math.max(8, ctx.options.durationSec) },
        { label: 'PostgreSQL COPY ceiling' },
      );
      const eps = run.load.unitsPerSec;
      ctx.add({
        bench,
        metric: 'events/s',
        value: eps,
        unit: 'events/s',
        baseline: copy.rowsPerSec,
        ratio: eps / copy.rowsPerSec,
        target: '≥0.5× raw COPY',
        met: eps / copy.rowsPerSec >= 0.5,
      });
      ctx.add({ bench, metric: 'latency p99', value: run.load.latencyMs.p99, unit: 'ms', baseline: null, ratio: null, target: null, met: null });
      ctx.note(
        `${bench}: ${run.load.accepted} requests (${run.load.accepted * EVENTS_PER_REQUEST} events) accepted in ${run.load.durationSec.toFixed(1)}s, ${run.stored} stored incl. warm-up, ` +
          `${run.unitsPerCommit?.toFixed(1) ?? '?'} write units per commit; maru used ${run.serverCores?.toFixed(2) ?? '?'} cores (PostgreSQL's own CPU not counted); ` +
          `COPY ceiling ${Math.round(copy.rowsPerSec)} rows/s in ${copy.rowsPerCopy}-row COPYs`,
      );
      if (ctx.options.profile) ctx.reportProfile(bench, run.dir);
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  },
};
