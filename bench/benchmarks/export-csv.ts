import { join } from 'node:path';
import type { RunContext } from '../lib/context.ts';
import { maruCli, routeExists, startMaru } from '../lib/maru.ts';
import { populateEvents } from '../lib/populate.ts';
import { memory, runNodeJson, sampleRss } from '../lib/proc.ts';
import type { Benchmark } from './types.ts';

const EXPORT_PATH = '/api/v1/export/event';
const MB = 1024 * 1024;

interface CsvCeiling {
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSec: number;
  peakRss: number;
}

interface ExportRun {
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSec: number;
  firstByteMs: number;
  rssBefore: number;
  peakRss: number;
  status: number;
}

const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));

/** yyyy-MM-dd of an instant in a time zone. */
const dateIn = (ms: number, timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);

/** Downloads one export, counting bytes and rows as they stream, while sampling the server's RSS. */
async function download(url: string, pid: number, body: unknown, token: string): Promise<ExportRun> {
  const rssBefore = memory(pid)?.rss ?? NaN;
  const sampler = sampleRss(pid, 20);
  const started = performance.now();
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  let firstByteMs = -1;
  let bytes = 0;
  let newlines = 0;
  const reader = r.body!.getReader();
  let head = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (firstByteMs < 0) firstByteMs = performance.now() - started;
    bytes += value.length;
    if (head.length < 2000) head += Buffer.from(value.subarray(0, 2000)).toString();
    for (let i = 0; i < value.length; i++) if (value[i] === 10) newlines++;
  }
  const seconds = (performance.now() - started) / 1000;
  const { peak } = sampler.stop();
  if (r.status !== 200) throw new Error(`export answered ${r.status}: ${head.slice(0, 500)}`);
  const rows = Math.max(0, newlines - 1); // minus the header
  return { rows, bytes, seconds, rowsPerSec: rows / seconds, firstByteMs, rssBefore, peakRss: peak, status: r.status };
}

/**
 * Export of 250,000 and then 1,000,000 events to CSV (DFINERY POST /api/v1/export/event) against the CSV ceiling on
 * the same database file, with the server's peak RSS at both sizes (memory must not grow with row count, D7).
 */
export const exportCsv: Benchmark = {
  name: 'export',
  summary: 'DFINERY export of 250k and 1M events to CSV vs. raw node:sqlite → CSV; server peak RSS',
  async run(ctx: RunContext) {
    const bench = 'export-csv';
    const dir = ctx.dir('export');
    const dataDir = join(dir, 'data');
    const dbPath = join(dataDir, 'maru.db');

    // Probe first, on an empty server, so a missing route costs seconds, not a 1M-row load.
    {
      const probe = await startMaru({ dir });
      try {
        if (!(await routeExists(probe.url, 'POST', `${EXPORT_PATH}?service_id=x`))) {
          ctx.skip(bench, `not available yet (maru has no POST ${EXPORT_PATH}; src/faces/dfinery/export.routes.ts is not wired)`);
          return;
        }
      } finally {
        await probe.stop();
      }
    }

    const { project_id: projectId, credentials } = JSON.parse(await maruCli(dataDir, ['project', 'create', '--name', 'bench-export', '--json'])) as {
      project_id: string;
      credentials: { export_token: string };
    };
    const timezone = 'Asia/Seoul';
    const now = Date.now();
    const span = 2 * 24 * 3600 * 1000;
    const fromMs = now - span - 3600 * 1000;
    const toMs = now - 3600 * 1000;
    const body = { from_date: dateIn(fromMs - 24 * 3600 * 1000, timezone), to_date: dateIn(now, timezone) };

    const sizes = ctx.options.exportSizes;
    const exports: { size: number; run: ExportRun; ceiling: CsvCeiling }[] = [];
    let have = 0;
    for (const size of sizes) {
      const t0 = performance.now();
      // Keep one spacing for both stages: stage 1 fills the first quarter of the span, stage 2 the rest.
      const a = fromMs + ((toMs - fromMs) * have) / sizes[sizes.length - 1];
      const b = fromMs + ((toMs - fromMs) * size) / sizes[sizes.length - 1];
      have += populateEvents({ dbPath, projectId, count: size - have, fromMs: a, toMs: b, seed: size });
      ctx.log(`${bench}: ${have} events in the store (loaded directly in ${((performance.now() - t0) / 1000).toFixed(1)}s)`);

      const maru = await startMaru({ dir, nodeArgs: ctx.serverNodeArgs(dir) });
      let run: ExportRun;
      try {
        run = await download(`${maru.url}${EXPORT_PATH}?service_id=${projectId}`, maru.pid, body, credentials.export_token);
      } finally {
        await maru.stop();
      }
      if (run.rows !== have) ctx.note(`${bench}: export of ${have} events returned ${run.rows} rows`);
      const ceiling = await runNodeJson<CsvCeiling>(
        'bench/baselines/csv-ceiling.ts',
        { db: dbPath, projectId, from: 0, to: Number.MAX_SAFE_INTEGER },
        { label: 'CSV ceiling' },
      );
      exports.push({ size, run, ceiling });
      ctx.add({
        bench,
        metric: `${label(size)} events: rows/s`,
        value: run.rowsPerSec,
        unit: 'rows/s',
        baseline: ceiling.rowsPerSec,
        ratio: run.rowsPerSec / ceiling.rowsPerSec,
        target: size === sizes[sizes.length - 1] ? '≥0.75× CSV ceiling' : null,
        met: size === sizes[sizes.length - 1] ? run.rowsPerSec / ceiling.rowsPerSec >= 0.75 : null,
      });
      ctx.add({
        bench,
        metric: `${label(size)} events: server peak RSS`,
        value: run.peakRss / MB,
        unit: 'MB',
        baseline: ceiling.peakRss / MB,
        ratio: null,
        target: '< 250 MB',
        met: run.peakRss < 250 * MB,
      });
      ctx.note(
        `${bench} ${label(size)}: ${run.rows} rows, ${(run.bytes / MB).toFixed(0)} MB of CSV in ${run.seconds.toFixed(1)}s (first byte ${Math.round(run.firstByteMs)} ms); ` +
          `server RSS ${(run.rssBefore / MB).toFixed(0)} MB before, ${(run.peakRss / MB).toFixed(0)} MB peak; ceiling ${(ceiling.bytes / MB).toFixed(0)} MB in ${ceiling.seconds.toFixed(1)}s`,
      );
    }
    ctx.reportProfile(bench, dir);
    if (exports.length >= 2) {
      const [first, last] = [exports[0], exports[exports.length - 1]];
      const growth = last.run.peakRss / first.run.peakRss;
      ctx.add({
        bench,
        metric: `peak RSS ${label(last.size)} ÷ ${label(first.size)}`,
        value: growth,
        unit: 'x',
        baseline: null,
        ratio: growth,
        target: 'not growing (< 1.25×)',
        met: growth < 1.25,
      });
    }
  },
};
