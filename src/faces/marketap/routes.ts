import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MaruError } from '../../core/errors.ts';
import type { DeletionJob } from '../../core/deletion/deletion-jobs.service.ts';
import type { Project } from '../../core/projects/projects.types.ts';
import type { Runtime } from '../../runtime.ts';
import { bearer, documentOnly, setRateLimitHeaders, toMaruError } from '../shared/http-errors.ts';
import { renderError } from './errors.ts';
import { EVENT_WIRE, mapBulkDeletionBody, mapDeletionBody, mapDevicesBody, mapEventsBody, mapProfilesBody } from './mapping.ts';

declare module 'fastify' {
  interface FastifyRequest {
    marketapProject?: Project;
  }
}

const tags = ['Marketap'];
const security = [{ marketapApiKey: [] }];
const querystring = { type: 'object', required: ['project_id'], properties: { project_id: { type: 'string', description: 'The ID of the project' } } };
const errorSchema = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' }, error_id: { type: 'string' } } } },
};
const jobSchema = { type: 'object', properties: { job_id: { type: 'string' }, accepted: { type: 'integer' } } };
const acceptedSchema = { type: 'object', properties: { accepted: { type: 'integer' } } };
const errors = { 400: errorSchema, 401: errorSchema, 413: errorSchema, 429: errorSchema };

/**
 * Marketap Open API (seed 003, D8): bulk user profiles, bulk events (asynchronous), device profiles and user deletion
 * jobs. `?project_id=` names the project, `Authorization: Bearer <api key>` carries its API key. Every route is rate
 * limited per project (policy `bulk_requests`). See docs/marketap.md.
 */
export async function marketapRoutes(app: FastifyInstance, opts: { runtime: Runtime }) {
  const { runtime } = opts;

  app.setErrorHandler((err, request, reply) => {
    const { status, body } = renderError(toMaruError(err, request.log));
    if (status === 401) reply.header('WWW-Authenticate', 'Bearer');
    if (status === 429) {
      const e = err as MaruError;
      if (!reply.hasHeader('Retry-After')) reply.header('Retry-After', String(Math.max(1, Math.ceil((e.retryAfterMs ?? 1000) / 1000))));
    }
    return reply.status(status).send(body);
  });

  // Authentication before any work, including reading the body (D14); a failed one consumes no quota.
  app.addHook('onRequest', async (request: FastifyRequest<{ Querystring: { project_id?: unknown } }>) => {
    const projectId = request.query.project_id;
    if (typeof projectId !== 'string' || projectId.length === 0) {
      throw new MaruError('invalid_input', 'the project_id query parameter is required', { field: 'project_id' });
    }
    const project = await runtime.projects.find(projectId);
    if (!project) throw new MaruError('unauthenticated', 'unknown project');
    await runtime.credentials.require(bearer(request.headers.authorization), { kinds: ['api-key'], projectId: project.id });
    request.marketapProject = project;
  });

  // Quota: after authentication and body parsing, before the handler (so a 401 or 413 costs nothing).
  app.addHook('preHandler', async (request, reply) => {
    const d = await runtime.rateLimiter.check({ project: request.marketapProject!, policy: 'bulk_requests' });
    setRateLimitHeaders(reply, d);
    if (!d.allowed) throw new MaruError('rate_limited', 'too many requests; retry after the time in Retry-After', { retryAfterMs: d.retryAfterMs });
  });

  const strict = (p: Project) => p.settings.strictTaxonomy === true;

  app.post(
    '/v1/api/profile/user',
    {
      ...documentOnly,
      schema: {
        tags,
        security,
        summary: 'Update bulk user profiles (up to 1,000); stored before the 202',
        querystring,
        body: { type: 'object', required: ['profiles'], properties: { profiles: { type: 'array', maxItems: 1000, items: { type: 'object' } } } },
        response: { 202: acceptedSchema, ...errors },
      },
    },
    async (request, reply: FastifyReply) => {
      const project = request.marketapProject!;
      const updates = mapProfilesBody(request.body);
      await runtime.profiles.upsert({ projectId: project.id, updates, strict: strict(project), source: 'marketap' });
      return reply.status(202).send({ accepted: updates.length });
    },
  );

  app.post(
    '/v1/api/events',
    {
      ...documentOnly,
      schema: {
        tags,
        security,
        summary: 'Collect bulk user events (up to 1,000); validated and queued before the 202, stored by a worker',
        querystring,
        body: { type: 'object', required: ['events'], properties: { events: { type: 'array', maxItems: 1000, items: { type: 'object' } } } },
        response: { 202: jobSchema, ...errors },
      },
    },
    async (request, reply: FastifyReply) => {
      const project = request.marketapProject!;
      const events = mapEventsBody(request.body);
      const r = await runtime.eventBatches.accept({ projectId: project.id, events, wire: EVENT_WIRE, strict: strict(project) });
      return reply.status(202).send({ job_id: r.batchId, accepted: r.accepted });
    },
  );

  app.post(
    '/v1/api/profile/user/device/bulk',
    {
      ...documentOnly,
      schema: {
        tags,
        security,
        summary: 'Update bulk device profiles and user-device mapping (up to 1,000); stored before the 202',
        querystring,
        body: { type: 'object', required: ['devices'], properties: { devices: { type: 'array', maxItems: 1000, items: { type: 'object' } } } },
        response: { 202: acceptedSchema, ...errors },
      },
    },
    async (request, reply: FastifyReply) => {
      const project = request.marketapProject!;
      const devices = mapDevicesBody(request.body);
      await runtime.devices.upsert({ projectId: project.id, devices });
      return reply.status(202).send({ accepted: devices.length });
    },
  );

  app.post(
    '/v1/api/profile/user/deletion-job',
    {
      ...documentOnly,
      schema: {
        tags,
        security,
        summary: 'Request user profile deletion (asynchronous job)',
        querystring,
        body: { type: 'object', required: ['user_id'], properties: { user_id: { type: 'string', example: 'test-user-123' } } },
        response: { 202: jobSchema, ...errors },
      },
    },
    async (request, reply: FastifyReply) => {
      const project = request.marketapProject!;
      const userId = mapDeletionBody(request.body);
      const job = await runtime.deletionJobs.create({ projectId: project.id, externalIds: [userId], field: 'user_id', itemField: () => 'user_id' });
      return reply.status(202).send({ job_id: job.id });
    },
  );

  app.post(
    '/v1/api/profile/user/deletion-job/bulk',
    {
      ...documentOnly,
      schema: {
        tags,
        security,
        summary: 'Request bulk user profile deletion (1 to 1,000 users, asynchronous job)',
        querystring,
        body: { type: 'object', required: ['user_ids'], properties: { user_ids: { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'string' } } } },
        response: { 202: jobSchema, ...errors },
      },
    },
    async (request, reply: FastifyReply) => {
      const project = request.marketapProject!;
      const ids = mapBulkDeletionBody(request.body);
      const job = await runtime.deletionJobs.create({ projectId: project.id, externalIds: ids, field: 'user_ids' });
      return reply.status(202).send({ job_id: job.id });
    },
  );

  app.get(
    '/v1/api/profile/user/deletion-job/:job_id',
    {
      schema: {
        tags,
        security,
        summary: 'Status of a deletion job: pending, running, completed or failed, with counts',
        querystring,
        params: { type: 'object', properties: { job_id: { type: 'string' } } },
        response: { 404: errorSchema },
      },
    },
    async (request: FastifyRequest<{ Params: { job_id: string } }>) => {
      const project = request.marketapProject!;
      return renderJob(await runtime.deletionJobs.get(project.id, request.params.job_id));
    },
  );
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A deletion job on the wire. Times are ISO 8601 UTC. */
export function renderJob(job: DeletionJob) {
  return {
    job_id: job.id,
    status: job.status,
    requested: job.requested,
    deleted: job.deleted,
    counts: job.counts,
    created_at: iso(job.createdAt),
    started_at: iso(job.startedAt),
    completed_at: iso(job.completedAt),
    ...(job.error ? { error: job.error } : {}),
  };
}
