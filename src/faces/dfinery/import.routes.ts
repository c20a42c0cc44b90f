import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MaruError } from '../../core/errors.ts';
import type { LimitPolicy } from '../../core/limits/rate-limits.ts';
import type { Project } from '../../core/projects/projects.types.ts';
import type { Services } from '../../services.ts';
import { setRateLimitHeaders, toMaruError } from '../shared/http-errors.ts';
import { ok, renderError } from './envelope.ts';
import { Type } from '@sinclair/typebox';
import { described, errorResponses, SECURITY } from '../shared/openapi.ts';
import { EVENT_WIRE, mapEventsBody, mapIdentitiesBody, mapUserProfileBody } from './mapping.ts';
import { EventsBodySchema, IdentitiesBodySchema, UserProfileBodySchema, type EventsBody, type IdentitiesBody, type UserProfileBody } from './schemas.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'credentials' | 'events' | 'metrics' | 'profiles' | 'projects' | 'rateLimiter'>;

declare module 'fastify' {
  interface FastifyRequest {
    dfineryProject?: Project;
  }
}

const Envelope = Type.Object(
  { status: Type.Boolean(), code: Type.String({ description: 'Detailed code (docs/errors.md)' }), message: Type.String(), data: Type.Unknown() },
  { additionalProperties: false },
);
const querystring = Type.Object({ service_id: Type.String({ description: 'Project (service) id' }) });
/** HTTP 200 carries both the success and the detailed failure codes (D1); 400/413/415/429 are the exceptions. */
const responses = {
  200: described(
    200,
    Envelope,
    { status: true, code: '20000', message: 'OK', data: true },
    'Stored (code 20000), or refused with a detailed code: 40001, 40101, 40201, 40402, 40403, 50000',
  ),
  ...errorResponses(
    Envelope,
    [400, 413, 415, 429],
    (status) =>
      renderError(
        new MaruError(
          status === 400 ? 'malformed_body' : status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'rate_limited',
          'see docs/errors.md',
        ),
      ).body,
  ),
};

/**
 * DFINERY Import API (seed 000–002): POST /api/v1/events, /api/v1/identities, /api/v1/user-profile.
 * `?service_id=` names the project, the `access_token` header carries its import token.
 */
export async function dfineryImportRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;

  app.setErrorHandler((err, request, reply) => {
    const { status, body } = renderError(toMaruError(err, request.log));
    return reply.status(status).send(body);
  });

  // Authentication before any work, including parsing the body (D14).
  app.addHook('onRequest', async (request: FastifyRequest<{ Querystring: { service_id?: string } }>) => {
    const serviceId = request.query.service_id;
    if (!serviceId) throw new MaruError('unknown_project', 'service_id is required');
    const project = await runtime.projects.find(serviceId);
    if (!project) throw new MaruError('unknown_project', 'unknown service_id');
    const token = request.headers['access_token'];
    await runtime.credentials.require(typeof token === 'string' ? token : undefined, { kinds: ['import'], projectId: project.id });
    request.dfineryProject = project;
  });

  const limit = async (reply: FastifyReply, project: Project, policy: LimitPolicy, cost: number) => {
    const d = await runtime.rateLimiter.check({ project, policy, cost });
    setRateLimitHeaders(reply, d, 'window');
    if (!d.allowed) throw new MaruError('rate_limited', 'API usage limit exceeded', { retryAfterMs: d.retryAfterMs });
  };

  app.post(
    '/api/v1/events',
    {
      schema: {
        tags: ['DFINERY import'],
        summary: 'Load up to 100 events (and 100 items) for one identity',
        security: SECURITY.dfineryImport,
        querystring,
        body: EventsBodySchema,
        response: responses,
      },
    },
    async (request, reply) => {
      const project = request.dfineryProject!;
      const events = mapEventsBody(request.body as EventsBody);
      await limit(reply, project, 'event_ingest', events.length);
      const r = await runtime.events.ingest({ projectId: project.id, events, source: 'api', strict: true, wire: EVENT_WIRE, face: 'dfinery' });
      runtime.metrics.eventsIngested.inc({ source: 'api' }, r.accepted);
      return ok();
    },
  );

  app.post(
    '/api/v1/identities',
    {
      schema: {
        tags: ['DFINERY import'],
        summary: 'Create or update a unified profile from identifiers',
        security: SECURITY.dfineryImport,
        querystring,
        body: IdentitiesBodySchema,
        response: responses,
      },
    },
    async (request, reply) => {
      const project = request.dfineryProject!;
      const identifiers = mapIdentitiesBody(request.body as IdentitiesBody);
      await limit(reply, project, 'identity_requests', 1);
      await runtime.profiles.upsert({ projectId: project.id, updates: [{ identifiers, identityField: 'identity' }], strict: true });
      return ok();
    },
  );

  app.post(
    '/api/v1/user-profile',
    {
      schema: {
        tags: ['DFINERY import'],
        summary: 'Create or update user properties',
        security: SECURITY.dfineryImport,
        querystring,
        body: UserProfileBodySchema,
        response: responses,
      },
    },
    async (request, reply) => {
      const project = request.dfineryProject!;
      const updates = mapUserProfileBody(request.body as UserProfileBody);
      await limit(reply, project, 'profile_requests', 1);
      await runtime.profiles.upsert({ projectId: project.id, updates, strict: true, source: 'dfinery' });
      return ok();
    },
  );
}
