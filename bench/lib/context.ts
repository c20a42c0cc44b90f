import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadResult, LoadSpec } from '../load.ts';
import { NODE, ROOT, runNodeJson, stopChild, waitForLine } from './proc.ts';
import type { BenchResult, Skipped } from './report.ts';
import { formatSummary, summarize } from '../profile-summary.ts';

/** Storage ceiling figures (bench/baselines/sqlite-insert.ts). */
export interface StorageCeiling {
  rows: number;
  seconds: number;
  rowsPerSec: number;
  commits: number;
  rowsPerTx: number;
  /** Bytes written (syscalls: WAL, checkpoints) per row. */
  bytesWrittenPerRow?: number;
}

export interface RunOptions {
  /** Seconds of each measured load phase. */
  durationSec: number;
  /** Seconds of un-measured warm-up before it. */
  warmupSec: number;
  connections: number;
  /** Run the DFINERY server under --cpu-prof and summarise the profile. */
  profile: boolean;
  /** Events already stored for the growth benchmark. */
  growthEvents: number;
  /** Event counts the export benchmark exports (ascending). */
  exportSizes: number[];
}

/**
 * What a benchmark gets: a temp dir of its own, the run's options, the ceilings (each measured once per run, on
 * first use, and shared by the benchmarks that need it), and the result sink.
 */
export class RunContext {
  readonly tmp: string;
  readonly options: RunOptions;
  readonly results: BenchResult[] = [];
  readonly skipped: Skipped[] = [];
  readonly notes: string[] = [];
  #memo = new Map<string, Promise<unknown>>();
  #dirs = 0;

  constructor(tmp: string, options: RunOptions) {
    this.tmp = tmp;
    this.options = options;
  }

  dir(name: string): string {
    const d = join(this.tmp, `${String(++this.#dirs).padStart(2, '0')}-${name}`);
    mkdirSync(d, { recursive: true });
    return d;
  }

  log(message: string): void {
    process.stderr.write(`[bench] ${message}\n`);
  }

  add(result: BenchResult): void {
    this.results.push(result);
    this.log(
      `${result.bench} ${result.metric}: ${Math.round(result.value * 100) / 100} ${result.unit}${result.ratio === null ? '' : ` (ratio ${result.ratio.toFixed(2)})`}`,
    );
  }

  skip(bench: string, reason: string): void {
    this.skipped.push({ bench, reason });
    this.log(`${bench}: skipped — ${reason}`);
  }

  note(text: string): void {
    this.notes.push(text);
    this.log(text);
  }

  /** Node flags for a maru server: --cpu-prof into `dir`/cpu-profile when the run profiles. */
  serverNodeArgs(dir: string): string[] {
    return this.options.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'cpu-profile')}`] : [];
  }

  /** After a profiled server stopped: prints the summary of its profile (stderr) and notes where the file is. */
  reportProfile(bench: string, dir: string, top = 25): void {
    const profDir = join(dir, 'cpu-profile');
    if (!this.options.profile || !existsSync(profDir)) return;
    for (const f of readdirSync(profDir)
      .filter((x) => x.endsWith('.cpuprofile'))
      .sort()) {
      const file = join(profDir, f);
      this.note(`${bench}: CPU profile ${file} (summary: node bench/profile-summary.ts ${file})`);
      process.stderr.write(formatSummary(summarize(file), top) + '\n');
    }
  }

  /** Runs `fn` once per run for `key`; later callers get the same promise. */
  memo<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let p = this.#memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fn();
      this.#memo.set(key, p);
    }
    return p;
  }

  /** Drives load from a separate process (bench/load.ts). */
  load(
    spec: Omit<LoadSpec, 'connections' | 'durationSec' | 'warmupSec'> & Partial<Pick<LoadSpec, 'connections' | 'durationSec' | 'warmupSec'>>,
  ): Promise<LoadResult> {
    return runNodeJson<LoadResult>(
      'bench/load.ts',
      { connections: this.options.connections, durationSec: this.options.durationSec, warmupSec: this.options.warmupSec, ...spec },
      { label: 'load generator' },
    );
  }

  /** The same raw inserts with maru's two secondary indexes, in commit groups of `rowsPerTx` (diagnostic, once per run). */
  storageWithIndexes(rowsPerTx: number): Promise<StorageCeiling> {
    return this.memo(`storage-indexed:${rowsPerTx}`, async () => {
      this.log(`diagnostic: raw node:sqlite inserts with maru's secondary indexes, ${rowsPerTx}-row transactions`);
      return runNodeJson<StorageCeiling>(
        'bench/baselines/sqlite-insert.ts',
        { dir: this.dir('storage-indexed'), seconds: 8, rowsPerTx, indexes: 'maru' },
        { label: 'storage diagnostic' },
      );
    });
  }

  /** Storage ceiling: raw node:sqlite inserts of the same rows (once per run). */
  storageCeiling(): Promise<StorageCeiling> {
    return this.memo('storage-ceiling', async () => {
      this.log('baseline: storage ceiling (raw node:sqlite inserts, WAL + synchronous=FULL, primary key only)');
      return runNodeJson<StorageCeiling>(
        'bench/baselines/sqlite-insert.ts',
        { dir: this.dir('storage-ceiling'), seconds: Math.max(8, this.options.durationSec) },
        { label: 'storage ceiling' },
      );
    });
  }

  /**
   * HTTP ceiling: a bare Fastify process that only parses the same JSON bodies, loaded exactly like maru
   * (once per run and payload kind).
   */
  httpCeiling(kind: 'dfinery' | 'notifly-track', spec: Pick<LoadSpec, 'path' | 'body' | 'unitsPerRequest'>): Promise<LoadResult> {
    return this.memo(`http-ceiling:${kind}`, async () => {
      this.log(`baseline: HTTP ceiling for ${kind} (bare Fastify, JSON parse only)`);
      const child = spawn(NODE, [join(ROOT, 'bench/baselines/bare-fastify.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      try {
        const m = await waitForLine(child, /listening on (http:\/\/\S+)/, 15_000, () => output);
        return await this.load({ url: m[1], ...spec, accept: { status: 200, bodyIncludes: kind === 'dfinery' ? '"20000"' : '"error":null' } });
      } finally {
        await stopChild(child);
      }
    });
  }
}
