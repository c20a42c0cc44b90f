import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MaruError } from '../../core/errors.ts';
import type { DeletionJob } from '../../core/deletion/deletion-jobs.service.ts';
import type { Project } from '../../core/projects/projects.types.ts';
import type { Services } from '../../services.ts';
import { bearer, setRateLimitHeaders, toMaruError } from '../shared/http-errors.ts';
import { renderError } from './errors.ts';
import { schemaErrorFormatter } from '../shared/schema-errors.ts';
import { Type } from '@sinclair/typebox';
import { described, errorResponses, SECURITY, Timestamp } from '../shared/openapi.ts';
import { EVENT_WIRE, mapBulkDeletionBody, mapDeletionBody, mapDevicesBody, mapEventsBody, mapProfilesBody } from './mapping.ts';
import {
  BulkDeletionBodySchema,
  DeletionBodySchema,
  DevicesBodySchema,
  EventsBodySchema,
  ProfilesBodySchema,
  type BulkDeletionBody,
  type DeletionBody,
  type DevicesBody,
  type EventsBody,
  type ProfilesBody,
} from './schemas.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'credentials' | 'deletionJobs' | 'devices' | 'eventBatches' | 'profiles' | 'projects' | 'rateLimiter'>;

declare module 'fastify' {
  interface FastifyRequest {
    marketapProject?: Project;
  }
}

const tags = ['Marketap'];
const security = SECURITY.marketap;
const querystring = Type.Object({ project_id: Type.String({ description: 'The ID of the project' }) });
const ErrorBody = Type.Object(
  {
    error: Type.Object(
      { code: Type.String(), message: Type.String(), field: Type.Optional(Type.String()), error_id: Type.Optional(Type.String()) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
const ERROR_CODE_OF = {
  400: 'invalid_input',
  401: 'unauthenticated',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  500: 'internal',
  503: 'unavailable',
} as const;
const errors = errorResponses(
  ErrorBody,
  [400, 401, 404, 413, 415, 429, 500, 503],
  (s) => renderError(new MaruError(ERROR_CODE_OF[s as 400], 'see docs/marketap.md', { field: 'profiles[0].user_id' })).body,
);
const Accepted = Type.Object({ accepted: Type.Integer() }, { additionalProperties: false });
const Job = Type.Object({ job_id: Type.String(), accepted: Type.Optional(Type.Integer()) }, { additionalProperties: false });
const JobStatus = Type.Object(
  {
    job_id: Type.String(),
    status: Type.Union([Type.Literal('pending'), Type.Literal('running'), Type.Literal('completed'), Type.Literal('failed')]),
    requested: Type.Integer(),
    deleted: Type.Integer(),
    counts: Type.Unknown(),
    created_at: Timestamp,
    started_at: Timestamp,
    completed_at: Timestamp,
    error: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/**
 * Marketap Open API (seed 003, D8): bulk user profiles, bulk events (asynchronous), device profiles and user deletion
 * jobs. `?project_id=` names the project, `Authorization: Bearer <api key>` carries its API key. Every route is rate
 * limited per project (policy `bulk_requests`). See docs/marketap.md.
 */
export async function marketapRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
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
  // Schema errors name the field as the client wrote it; a body that is not an object is malformed_body here.
  app.setSchemaErrorFormatter(schemaErrorFormatter(undefined, { bodyOfWrongType: 'malformed_body' }));

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

  // Quota: after authentication and body parsing, before the schema check and the handler (a 401 or 413 costs
  // nothing; a refused body counts, as a handled one does).
  app.addHook('preValidation', async (request, reply) => {
    const d = await runtime.rateLimiter.check({ project: request.marketapProject!, policy: 'bulk_requests' });
    setRateLimitHeaders(reply, d);
    if (!d.allowed) throw new MaruError('rate_limited', 'too many requests; retry after the time in Retry-After', { retryAfterMs: d.retryAfterMs });
  });

  const strict = (p: Project) => p.settings.strictTaxonomy === true;

  app.post(
    '/v1/api/profile/user',
    {
      schema: {
        tags,
        security,
        summary: 'Update bulk user profiles (up to 1,000); stored before the 202',
        querystring,
        body: ProfilesBodySchema,
        response: { 202: described(202, Accepted, { accepted: 1 }), ...errors },
      },
    },
    async (request, reply: FastifyReply) => {
      const project = request.marketapProject!;
      const updates = mapProfilesBody(request.body as ProfilesBody);
      await runtime.profiles.upsert({ projectId: project.id, updates, strict: strict(project), source: 'marketap' });
      return reply.status(202).send({ accepted: updates.length });
    },
  );

  app.post(
    '/v1/api/events',
    {
      schema: {
        tags,
        security,
        summary: 'Collect bulk user events (up to 1,000); validated and queued before the 202, stored by a worker',
        querystring,
        body: EventsBodySchema,
        response: { 202: described(202, Job, { job_id: 'b_7f3a9c', accepted: 1 }), ...errors },
      },
    },
    async (request, reply: FastifyReply) => {
      const project = request.marketapProject!;
      const events = mapEventsBody(request.body as EventsBody);
      const r = await runtime.eventBatches.accept({ projectId: project.id, events, wire: EVENT_WIRE, strict: strict(project), face: 'marketap' });
      return reply.status(202).send({ job_id: r.batchId, accepted: r.accepted });
    },
  );

  app.post(
    '/v1/api/profile/user/device/bulk',
    {
      schema: {
        tags,
        security,
        summary: 'Update bulk device profiles and user-device mapping (up to 1,000); stored before the 202',
        querystring,
        body: DevicesBodySchema,
        response: { 202: described(202, Accepted, { accepted: 1 }), ...errors },
      },
    },
    async (request, reply: FastifyReply) => {
      const project = request.marketapProject!;
      const devices = mapDevicesBody(request.body as DevicesBody);
      await runtime.devices.upsert({ projectId: project.id, devices });
      return reply.status(202).send({ accepted: devices.length });
    },
  );

  app.post(
    '/v1/api/profile/user/deletion-job',
    {
      schema: {
        tags,
        security,
        summary: 'Request user profile deletion (asynchronous job)',
        querystring,
        body: DeletionBodySchema,
        response: { 202: described(202, Job, { job_id: 'dj_1a2b3c' }), ...errors },
      },
    },
    async (request, reply: FastifyReply) => {
      const project = request.marketapProject!;
      const userId = mapDeletionBody(request.body as DeletionBody);
      const job = await runtime.deletionJobs.create({ projectId: project.id, externalIds: [userId], field: 'user_id', itemField: () => 'user_id' });
      return reply.status(202).send({ job_id: job.id });
    },
  );

  app.post(
    '/v1/api/profile/user/deletion-job/bulk',
    {
      schema: {
        tags,
        security,
        summary: 'Request bulk user profile deletion (1 to 1,000 users, asynchronous job)',
        querystring,
        body: BulkDeletionBodySchema,
        response: { 202: described(202, Job, { job_id: 'dj_1a2b3c' }), ...errors },
      },
    },
    async (request, reply: FastifyReply) => {
      const project = request.marketapProject!;
      const ids = mapBulkDeletionBody(request.body as BulkDeletionBody);
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
        params: Type.Object({ job_id: Type.String() }),
        response: {
          200: described(200, JobStatus, {
            job_id: 'dj_1a2b3c',
            status: 'completed',
            requested: 1,
            deleted: 1,
            counts: { profiles: 1, events: 3 },
            created_at: '2025-01-17T00:00:00.000Z',
            started_at: '2025-01-17T00:00:01.000Z',
            completed_at: '2025-01-17T00:00:02.000Z',
          }),
          ...errors,
        },
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
