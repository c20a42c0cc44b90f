import type { RunContext } from '../lib/context.ts';

/** A benchmark: `npm run bench -- <name>` runs one. It adds results (or a skip) to the context. */
export interface Benchmark {
  name: string;
  summary: string;
  run(ctx: RunContext): Promise<void>;
}
