/**
 * Export memory bound (issue 3, D7): memory must not grow with the number of rows exported.
 *
 *   node bench/export-memory.ts [--rows 250000,1000000] [--heap MB] [--keep]
 *
 * For each size: a fresh data dir; a project; N events inserted straight into SQLite with node:sqlite in big
 * transactions (a fixture: loading a million events through the import API would take most of the run), spread
 * over the last 30 days, every 10th a df_purchase with properties and 2 items (so ~1.1 N CSV rows). Then, each in
 * a fresh process so that its peak RSS is its own:
 *   - server: maru's HTTP app listening on a port; this process POSTs /api/v1/export/event for the whole range and
 *     reads the CSV as fast as it can (counting rows, keeping nothing); the server reports its RSS before the
 *     export and its peak (getrusage maxrss, plus sampled RSS and heap every 20 ms) after.
 *   - cli: `maru export events` for the same range, writing to /dev/null, reporting its peak RSS.
 * Prints one table; pass --keep to leave the data dirs. `--heap MB` runs the exporting processes with
 * `--max-old-space-size=MB`: if the export held rows in memory, a million of them would not fit.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const NODE = process.execPath;
const DAY = 86_400_000;

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '250000,1000000' },
    keep: { type: 'boolean', default: false },
    heap: { type: 'string' },
    role: { type: 'string' },
    dir: { type: 'string' },
    project: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
  },
});

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

async function openRuntime(dir: string) {
  const { loadConfig } = await import('../src/platform/config.ts');
  const { createRuntime } = await import('../src/runtime.ts');
  const { pino } = await import('pino');
  return createRuntime(loadConfig({ MARU_DATA_DIR: dir, MARU_LOG_LEVEL: 'warn' }), { log: pino({ level: 'warn' }, pino.destination(2)) });
}

/** Samples RSS and heap while the process works; getrusage's maxrss is the authoritative peak. */
function sampler() {
  let rss = 0;
  let heap = 0;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      return { sampledPeakRss: rss, sampledPeakHeap: heap, maxRss: process.resourceUsage().maxRSS * 1024 };
    },
  };
}

// ── child: seed ────────────────────────────────────────────────────────────────────────────────────────────────
async function seed(dir: string, count: number) {
  const rt = await openRuntime(dir);
  const { project, credentials } = await rt.projects.create({ name: 'export-memory' });
  await rt.close();
  const started = performance.now();
  const db = new DatabaseSync(join(dir, 'maru.db'));
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -131072;');
  const insert = db.prepare(
    'insert into events (project_id, occurred_at, event_key, name, received_at, profile_id, properties, items, source) values (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const now = Date.now();
  const from = now - 30 * DAY;
  const step = (29 * DAY) / count;
  const names = ['df_login', 'df_view_home', 'df_view_product_details', 'df_add_to_cart', 'df_start_session'];
  db.exec('BEGIN');
  for (let i = 0; i < count; i++) {
    if (i > 0 && i % 100_000 === 0) {
      db.exec('COMMIT');
      db.exec('BEGIN');
    }
    const at = Math.floor(from + i * step);
    const purchase = i % 10 === 0;
    const key = `${at}-${i.toString(16).padStart(8, '0')}-4c7e-9a51-0c2d4e6f8a1b`;
    const props = purchase
      ? JSON.stringify({ df_order_id: `order-${i}`, df_payment_method: 'card', df_total_purchase_amount: 4000 + (i % 100), df_delivery_charge: 1000 })
      : null;
    const items = purchase
      ? JSON.stringify([
          { df_item_id: `sku-${i % 977}`, df_item_name: 'Item, "quoted"', df_price: 3000, df_quantity: 1 },
          { df_item_id: `sku-${i % 331}`, df_item_name: '상품 😀', df_price: 1000, df_quantity: 2 },
        ])
      : null;
    insert.run(
      project.id,
      at,
      key,
      purchase ? 'df_purchase' : names[i % names.length],
      at + 250,
      `p${(i % 50_000).toString(36).padStart(6, '0')}`,
      props,
      items,
      i % 2 ? 'sdk' : 'api',
    );
  }
  db.exec('COMMIT');
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  db.close();
  const date = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul' }).format(ms);
  process.stdout.write(
    JSON.stringify({ projectId: project.id, token: credentials.export_token, from: date(from), to: date(now), seedMs: performance.now() - started }) + '\n',
  );
}

// ── child: server ──────────────────────────────────────────────────────────────────────────────────────────────
async function serve(dir: string) {
  const rt = await openRuntime(dir);
  const { buildApp } = await import('../src/server/app.ts');
  const app = await buildApp(rt);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  global.gc?.();
  await new Promise((r) => setTimeout(r, 200));
  const before = process.memoryUsage();
  const s = sampler();
  process.stdout.write(JSON.stringify({ port, rssBefore: before.rss, heapBefore: before.heapUsed }) + '\n');
  process.stdin.once('data', async () => {
    const peaks = s.stop();
    process.stdout.write(JSON.stringify(peaks) + '\n');
    await app.close();
    await rt.close();
    process.exit(0);
  });
}

// ── child: cli ─────────────────────────────────────────────────────────────────────────────────────────────────
async function cli(dir: string, projectId: string, from: string, to: string) {
  const { runCli } = await import('../src/cli/commands.ts');
  const s = sampler();
  const out = openSync('/dev/null', 'w');
  let err = '';
  const started = performance.now();
  const code = await runCli(['export', 'events', '--data-dir', dir, '--project', projectId, '--from', from, '--to', to], {
    out: (t) => void writeSync(out, t),
    err: (t) => {
      err += t;
    },
    env: { MARU_LOG_LEVEL: 'warn' },
  });
  const seconds = (performance.now() - started) / 1000;
  const rows = Number(/done, ([\d,]+) rows/.exec(err)?.[1].replaceAll(',', '') ?? 'NaN');
  process.stdout.write(JSON.stringify({ code, rows, seconds, ...s.stop() }) + '\n');
}

// ── parent ─────────────────────────────────────────────────────────────────────────────────────────────────────
function child(args: string[], flags: string[] = []): { lines: AsyncIterator<string>; send(): void; done: Promise<number> } {
  const p = spawn(NODE, ['--expose-gc', ...flags, SELF, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const queue: string[] = [];
  const waiting: ((v: IteratorResult<string>) => void)[] = [];
  let buffer = '';
  p.stdout.setEncoding('utf8');
  p.stdout.on('data', (chunk: string) => {
    buffer += chunk;
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      const w = waiting.shift();
      if (w) w({ value: line, done: false });
      else queue.push(line);
    }
  });
  return {
    lines: {
      next: () => (queue.length ? Promise.resolve({ value: queue.shift()!, done: false }) : new Promise((r) => waiting.push(r))),
    },
    send: () => p.stdin.write('report\n'),
    done: new Promise((r) => p.on('exit', (code) => r(code ?? 1))),
  };
}

async function httpExport(port: number, seeded: { projectId: string; token: string; from: string; to: string }) {
  const started = performance.now();
  return new Promise<{ status: number; rows: number; bytes: number; seconds: number }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/api/v1/export/event?service_id=${seeded.projectId}`,
        headers: { authorization: `Bearer ${seeded.token}`, 'content-type': 'application/json' },
      },
      (res) => {
        let lines = 0;
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
        });
        res.on('end', () => resolve({ status: res.statusCode!, rows: lines - 1, bytes, seconds: (performance.now() - started) / 1000 }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ from_date: seeded.from, to_date: seeded.to }));
  });
}

async function main() {
  const sizes = values.rows!.split(',').map(Number);
  const flags = values.heap ? [`--max-old-space-size=${Number(values.heap)}`] : [];
  const results: string[][] = [];
  for (const size of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'maru-export-memory-'));
    try {
      process.stderr.write(`seeding ${size.toLocaleString('en-US')} events in ${dir}\n`);
      const s = child(['--role', 'seed', '--dir', dir, '--rows', String(size)]);
      const seeded = JSON.parse((await s.lines.next()).value) as { projectId: string; token: string; from: string; to: string; seedMs: number };
      await s.done;
      process.stderr.write(`  seeded in ${(seeded.seedMs / 1000).toFixed(1)}s; exporting ${seeded.from} .. ${seeded.to} over HTTP\n`);

      const server = child(['--role', 'serve', '--dir', dir], flags);
      const ready = JSON.parse((await server.lines.next()).value) as { port: number; rssBefore: number; heapBefore: number };
      const r = await httpExport(ready.port, seeded);
      server.send();
      const peaks = JSON.parse((await server.lines.next()).value) as { maxRss: number; sampledPeakRss: number; sampledPeakHeap: number };
      await server.done;
      if (r.status !== 200) throw new Error(`export answered ${r.status}`);
      results.push([
        'HTTP server',
        size.toLocaleString('en-US'),
        r.rows.toLocaleString('en-US'),
        mb(r.bytes),
        r.seconds.toFixed(1),
        Math.round(r.rows / r.seconds).toLocaleString('en-US'),
        mb(ready.rssBefore),
        mb(peaks.maxRss),
        mb(peaks.sampledPeakHeap),
      ]);

      process.stderr.write('  exporting with the CLI\n');
      const c = child(['--role', 'cli', '--dir', dir, '--project', seeded.projectId, '--from', seeded.from, '--to', seeded.to], flags);
      const cr = JSON.parse((await c.lines.next()).value) as { code: number; rows: number; seconds: number; maxRss: number; sampledPeakHeap: number };
      await c.done;
      if (cr.code !== 0) throw new Error(`CLI exited ${cr.code}`);
      results.push([
        'CLI',
        size.toLocaleString('en-US'),
        cr.rows.toLocaleString('en-US'),
        '',
        cr.seconds.toFixed(1),
        Math.round(cr.rows / cr.seconds).toLocaleString('en-US'),
        '',
        mb(cr.maxRss),
        mb(cr.sampledPeakHeap),
      ]);
    } finally {
      if (!values.keep) rmSync(dir, { recursive: true, force: true });
    }
  }
  const header = ['path', 'events', 'CSV rows', 'CSV size', 'seconds', 'rows/s', 'RSS before', 'peak RSS', 'peak heap'];
  const widths = header.map((h, i) => Math.max(h.length, ...results.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  process.stdout.write(`\n${line(header)}\n| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |\n${results.map(line).join('\n')}\n`);
  process.stdout.write(
    `\nNode ${process.version}${values.heap ? `, exporting processes run with --max-old-space-size=${values.heap}` : ''}; peak RSS is getrusage maxrss of the exporting process (server: includes start-up).\n`,
  );
}

switch (values.role) {
  case 'seed':
    await seed(values.dir!, Number(values.rows));
    break;
  case 'serve':
    await serve(values.dir!);
    break;
  case 'cli':
    await cli(values.dir!, values.project!, values.from!, values.to!);
    break;
  default:
    await main();
}
