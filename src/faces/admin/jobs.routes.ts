import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MaruError, invalid } from '../../core/errors.ts';
import type { JobInfo } from '../../platform/queue/queue.port.ts';
import type { Services } from '../../services.ts';
import { guardAdmin, type AdminAuthDeps } from './admin-auth.ts';
import { Type } from '@sinclair/typebox';
import { adminOp, ok } from './schemas.ts';
import { Nullable, Open } from '../shared/openapi.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'queue'> & AdminAuthDeps;

const DeadJob = Open({
  id: Type.String(),
  queue: Type.String(),
  project_id: Nullable(Type.String()),
  state: Type.String(),
  attempts: Type.Integer(),
  max_attempts: Type.Integer(),
  reason: Nullable(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});

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
export async function adminJobsRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;
  guardAdmin(app, runtime);
  const tags = ['admin'];

  app.get(
    '/admin/v1/jobs/dead',
    // Jobs of every project: for the instance's operators.
    adminOp(
      'instance:admin',
      tags,
      'Failed jobs with their reason, most recently failed first (?queue=, ?project_id=, ?limit= up to 1000)',
      ok(Open({ jobs: Type.Array(DeadJob) })),
      {
        querystring: Type.Object({
          queue: Type.Optional(Type.String()),
          project_id: Type.Optional(Type.String()),
          limit: Type.Optional(Type.String({ description: '1 to 1000 (default 100)' })),
        }),
      },
    ),
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
    adminOp('instance:admin', tags, 'Put a failed job back in its queue: due now, attempts from zero', ok(Open({ job: DeadJob }))),
    async (request: FastifyRequest<{ Params: { jobId: string } }>) => {
      const existing = await runtime.queue.get(request.params.jobId);
      if (!existing) throw new MaruError('not_found', 'no such job', { field: 'jobId' });
      const job = await runtime.queue.retry(existing.id);
      if (!job) throw new MaruError('conflict', `job is ${existing.state}; only failed jobs can be retried`, { field: 'jobId' });
      return { job: deadJobWire(job) };
    },
  );
}
