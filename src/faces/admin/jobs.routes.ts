import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MaruError, invalid } from '../../core/errors.ts';
import type { JobInfo } from '../../platform/queue/queue.port.ts';
import type { Runtime } from '../../runtime.ts';
import { guardAdmin } from './admin-auth.ts';

/** A job of the dead-letter list on the wire (admin API and --json). */
export const deadJobWire = (j: JobInfo) => ({
  id: j.id,
  queue: j.queue,
  project_id: j.projectId,
  state: j.state,
  attempts: j.attempts,
  max_attempts: j.maxAttempts,
  reason: j.lastError,
  created_at: new Date(j.createdAt).toISOString(),
  updated_at: new Date(j.updatedAt).toISOString(),
});

/**
 * The dead-letter list (docs/operations.md): jobs that failed for good (a PermanentFailure, or their last attempt
 * failed), with their reason, and putting one back once its cause is fixed. Admin token required.
 */
export async function adminJobsRoutes(app: FastifyInstance, opts: { runtime: Runtime }) {
  const { runtime } = opts;
  guardAdmin(app, runtime);
  const tags = ['admin'];
  const security = [{ adminToken: [] }];

  app.get(
    '/admin/v1/jobs/dead',
    {
      // Jobs of every project: for the instance's operators.
      config: { permission: 'instance:admin' },
      schema: {
        tags,
        security,
        summary: 'Failed jobs with their reason, most recently failed first (?queue=, ?project_id=, ?limit= up to 1000)',
        querystring: { type: 'object', properties: { queue: { type: 'string' }, project_id: { type: 'string' }, limit: { type: 'string' } } },
      },
    },
    async (request: FastifyRequest<{ Querystring: { queue?: string; project_id?: string; limit?: string } }>) => {
      const q = request.query;
      const limit = q.limit === undefined ? 100 : Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid('limit', 'limit must be an integer from 1 to 1000');
      const jobs = await runtime.queue.dead({ queue: q.queue, projectId: q.project_id, limit });
      return { jobs: jobs.map(deadJobWire) };
    },
  );

  app.post(
    '/admin/v1/jobs/:jobId/retry',
    { config: { permission: 'instance:admin' }, schema: { tags, security, summary: 'Put a failed job back in its queue: due now, attempts from zero' } },
    async (request: FastifyRequest<{ Params: { jobId: string } }>) => {
      const existing = await runtime.queue.get(request.params.jobId);
      if (!existing) throw new MaruError('not_found', 'no such job', { field: 'jobId' });
      const job = await runtime.queue.retry(existing.id);
      if (!job) throw new MaruError('conflict', `job is ${existing.state}; only failed jobs can be retried`, { field: 'jobId' });
      return { job: deadJobWire(job) };
    },
  );
}
