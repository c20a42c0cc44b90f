/**
 * maru benchmarks with their baselines measured in the same run (issue 10).
 *
 *   npm run bench                       all benchmarks
 *   npm run bench -- dfinery dedupe     some of them
 *   npm run bench -- dfinery --profile  the DFINERY server under --cpu-prof, with a profile summary
 *   options: --duration S (measured seconds, default 15)  --warmup S (default 3)  --connections N (default 50)
 *            --export-sizes 250000,1000000  --growth-events 10000000  --keep (leave the temp dir: data, logs, profiles)
 *
 * Prints progress on stderr; on stdout a Markdown table and then one JSON line per result.
 */
import { cpus, freemem, loadavg, totalmem, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RunContext } from './lib/context.ts';
import { jsonLine, table } from './lib/report.ts';
import type { Benchmark } from './benchmarks/types.ts';
import { dedupe, dfineryEvents, growth } from './benchmarks/dfinery-events.ts';
import { notiflyTrack } from './benchmarks/notifly-track.ts';
import { exportCsv } from './benchmarks/export-csv.ts';
import { campaignSend } from './benchmarks/campaign-send.ts';
import { postgresEvents } from './benchmarks/postgres-events.ts';

const BENCHMARKS: Benchmark[] = [dfineryEvents, dedupe, growth, notiflyTrack, exportCsv, campaignSend, postgresEvents];

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    duration: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    profile: { type: 'boolean', default: false },
    'export-sizes': { type: 'string', default: '250000,1000000' },
    'growth-events': { type: 'string', default: '10000000' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    `Usage: npm run bench [-- <name>...] [--duration S] [--warmup S] [--connections N] [--export-sizes A,B] [--growth-events N] [--profile] [--keep]\n\nBenchmarks:\n`,
  );
  for (const b of BENCHMARKS) process.stdout.write(`  ${b.name.padEnd(10)} ${b.summary}\n`);
  process.exit(0);
}

const unknown = positionals.filter((p) => !BENCHMARKS.some((b) => b.name === p));
if (unknown.length) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}\n`);
  process.exit(2);
}
const selected = positionals.length ? BENCHMARKS.filter((b) => positionals.includes(b.name)) : BENCHMARKS;

const tmp = mkdtempSync(join(tmpdir(), 'maru-bench-'));
const ctx = new RunContext(tmp, {
  durationSec: Number(values.duration),
  warmupSec: Number(values.warmup),
  connections: Number(values.connections),
  profile: values.profile,
  growthEvents: Number(values['growth-events']),
  exportSizes: values['export-sizes']
    .split(',')
    .map(Number)
    .filter((n) => n > 0)
    .sort((a, b) => a - b),
});

const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM (${(freemem() / 2 ** 30).toFixed(1)} free), Node ${process.version}, ${process.platform} ${process.arch}`;
const loadAtStart = loadavg()[0];
ctx.log(`machine: ${machine}; load average ${loadAtStart.toFixed(1)}`);
ctx.log(`temp dir: ${tmp}`);

let failed = false;
for (const b of selected) {
  ctx.log(`── ${b.name}: ${b.summary}`);
  try {
    await b.run(ctx);
  } catch (e) {
    failed = true;
    ctx.log(`${b.name} FAILED: ${(e as Error).stack ?? e}`);
    ctx.skipped.push({ bench: b.name, reason: `failed: ${(e as Error).message.split('\n')[0]}` });
  }
}

process.stdout.write(`\nmaru benchmarks — ${new Date().toISOString()} — ${machine}\n`);
process.stdout.write(
  `1-minute load average ${loadAtStart.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end (other processes share the cores: compare ratios, not absolute figures)\n`,
);
process.stdout.write(
  `measured ${ctx.options.durationSec}s per load phase after ${ctx.options.warmupSec}s warm-up, ${ctx.options.connections} connections${ctx.options.profile ? '; maru servers ran under --cpu-prof (slower than without)' : ''}\n\n`,
);
process.stdout.write(table(ctx.results, ctx.skipped) + '\n');
if (ctx.notes.length) process.stdout.write(`\nNotes:\n${ctx.notes.map((n) => `- ${n}`).join('\n')}\n`);
process.stdout.write('\n');
for (const r of ctx.results) process.stdout.write(jsonLine(r) + '\n');

if (values.keep || values.profile) ctx.log(`kept ${tmp}`);
else rmSync(tmp, { recursive: true, force: true });
process.exitCode = failed ? 1 : 0;
