import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MaruError } from '../../core/errors.ts';
import type { LimitPolicy } from '../../core/limits/rate-limits.ts';
import type { Project } from '../../core/projects/projects.types.ts';
import type { Runtime } from '../../runtime.ts';
import { documentOnly, setRateLimitHeaders, toMaruError } from '../shared/http-errors.ts';
import { ok, renderError } from './envelope.ts';
import { EVENT_WIRE, mapEventsBody, mapIdentitiesBody, mapUserProfileBody } from './mapping.ts';

declare module 'fastify' {
  interface FastifyRequest {
    dfineryProject?: Project;
  }
}

const envelopeSchema = {
  type: 'object',
  properties: { status: { type: 'boolean' }, code: { type: 'string' }, message: { type: 'string' }, data: {} },
};
const querySchema = { type: 'object', required: ['service_id'], properties: { service_id: { type: 'string', description: 'Project (service) id' } } };
const headersSchema = { type: 'object', required: ['access_token'], properties: { access_token: { type: 'string', description: 'Import API token' } } };

/**
 * DFINERY Import API (seed 000–002): POST /api/v1/events, /api/v1/identities, /api/v1/user-profile.
 * `?service_id=` names the project, the `access_token` header carries its import token.
 */
export async function dfineryImportRoutes(app: FastifyInstance, opts: { runtime: Runtime }) {
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
      ...documentOnly,
      schema: {
        tags: ['DFINERY import'],
        summary: 'Load up to 100 events (and 100 items) for one identity',
        querystring: querySchema,
        headers: headersSchema,
        body: { type: 'object', required: ['common', 'events'], properties: { common: { type: 'object' }, events: { type: 'array', items: { type: 'object' } } } },
        response: { 200: envelopeSchema },
      },
    },
    async (request, reply) => {
      const project = request.dfineryProject!;
      const events = mapEventsBody(request.body);
      await limit(reply, project, 'event_ingest', events.length);
      const r = await runtime.events.ingest({ projectId: project.id, events, source: 'api', strict: true, wire: EVENT_WIRE });
      runtime.metrics.eventsIngested.inc({ source: 'api' }, r.accepted);
      if (r.duplicates) runtime.metrics.eventsDuplicate.inc(r.duplicates);
      return ok();
    },
  );

  app.post(
    '/api/v1/identities',
    {
      ...documentOnly,
      schema: {
        tags: ['DFINERY import'],
        summary: 'Create or update a unified profile from identifiers',
        querystring: querySchema,
        headers: headersSchema,
        body: { type: 'object', required: ['identity'], properties: { identity: { type: 'object' }, request_datetime: { type: 'string' } } },
        response: { 200: envelopeSchema },
      },
    },
    async (request, reply) => {
      const project = request.dfineryProject!;
      const identifiers = mapIdentitiesBody(request.body);
      await limit(reply, project, 'identity_requests', 1);
      await runtime.profiles.upsert({ projectId: project.id, updates: [{ identifiers, identityField: 'identity' }], strict: true });
      return ok();
    },
  );

  app.post(
    '/api/v1/user-profile',
    {
      ...documentOnly,
      schema: {
        tags: ['DFINERY import'],
        summary: 'Create or update user properties',
        querystring: querySchema,
        headers: headersSchema,
        body: { type: 'object', required: ['identity'], properties: { identity: { type: 'object' }, user_properties: { type: 'object' }, request_datetime: { type: 'string' } } },
        response: { 200: envelopeSchema },
      },
    },
    async (request, reply) => {
      const project = request.dfineryProject!;
      const updates = mapUserProfileBody(request.body);
      await limit(reply, project, 'profile_requests', 1);
      await runtime.profiles.upsert({ projectId: project.id, updates, strict: true, source: 'dfinery' });
      return ok();
    },
  );
}
