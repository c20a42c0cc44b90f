import { deadJobWire } from '../faces/admin/jobs.routes.ts';
import { UsageError, commonOptions, optionalString, printJson, requireString, withRuntime, type Command } from './support.ts';

/**
 * The dead-letter list (docs/operations.md): jobs that failed for good, with their reason, and putting one back.
 * The same as GET /admin/v1/jobs/dead and POST /admin/v1/jobs/{id}/retry.
 */
export const JOBS_COMMANDS: Command[] = [
  {
    name: 'jobs dead',
    summary: 'List jobs that failed for good (the dead-letter list), with their reason',
    usage: `maru jobs dead [--queue NAME] [--project ID] [--limit N] [--json] [--data-dir DIR]

Lists failed jobs, most recently failed first: id, queue (job kind), project, attempts, when it failed and why.
Retry one with \`maru jobs retry --job ID\` once its cause is fixed.`,
    options: { ...commonOptions, queue: { type: 'string' }, project: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
    async run(args, io) {
      const limitText = optionalString(args, 'limit');
      const limit = limitText === undefined ? 100 : Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be an integer from 1 to 1000');
      const jobs = await withRuntime(args, io, (rt) =>
        rt.queue.dead({ queue: optionalString(args, 'queue'), projectId: optionalString(args, 'project'), limit }),
      );
      if (args.json) {
        printJson(io, { jobs: jobs.map(deadJobWire) }, 0);
        return 0;
      }
      if (jobs.length === 0) {
        io.out('no failed jobs\n');
        return 0;
      }
      for (const j of jobs) {
        io.out(
          `${j.id}  ${j.queue}  project=${j.projectId ?? '-'}  attempts=${j.attempts}  failed=${new Date(j.updatedAt).toISOString()}\n    ${j.lastError ?? '(no reason recorded)'}\n`,
        );
      }
      return 0;
    },
  },
  {
    name: 'jobs retry',
    summary: 'Put a failed job back in its queue (due now, attempts from zero)',
    usage: `maru jobs retry --job ID [--json] [--data-dir DIR]`,
    options: { ...commonOptions, job: { type: 'string' }, json: { type: 'boolean' } },
    async run(args, io) {
      const id = requireString(args, 'job');
      const job = await withRuntime(args, io, (rt) => rt.queue.retry(id));
      if (!job) {
        io.err(`maru jobs retry: no failed job ${id} (see maru jobs dead)\n`);
        return 1;
      }
      if (args.json) printJson(io, { job: deadJobWire(job) }, 0);
      else io.out(`job ${job.id} (${job.queue}) is pending again\n`);
      return 0;
    },
  },
];
