import type { FastifyInstance } from 'fastify';
import { SEGMENTATION_KEYS_PROPERTY, ensureSegmentationKeysProperty } from '../../core/events/segmentation-keys.ts';
import type { Runtime } from '../../runtime.ts';
import { documentOnly } from '../shared/http-errors.ts';
import { assertProjectScope, limitRequest, requireSessionToken } from './auth.ts';
import { okData } from './envelope.ts';
import { MAX_DELETIONS, MAX_EVENTS, MAX_USERS, TRACK_EVENT_WIRE, mapDeleteUsersBody, mapSetUserPropertiesBody, mapTrackEventBody, projectIdsInBody } from './mapping.ts';

const tags = ['Notifly'];
const headers = { type: 'object', required: ['authorization'], properties: { authorization: { type: 'string', description: 'The token from POST /authenticate' } } };
const oneOrMany = (item: object, max: number) => ({ oneOf: [item, { type: 'array', items: item, minItems: 1, maxItems: max }] });
const dataResponse = (data: object) => ({ 200: { type: 'object', properties: { data, error: { type: 'null' } } } });

/**
 * Notifly data endpoints (seed 004 §2–4): POST /track-event, POST /set-user-properties, DELETE /users.
 * Order of checks: token (onRequest: 401 before any body is read), then every `projectId` in the body against the
 * token's project (403, nothing counted), then the per-client and per-project rate limits (429), then the body (400).
 */
export async function notiflyDataRoutes(app: FastifyInstance, opts: { runtime: Runtime }) {
  const { runtime } = opts;

  app.addHook('onRequest', requireSessionToken(runtime));
  app.addHook('preHandler', async (request, reply) => {
    const session = request.notiflySession!;
    for (const p of projectIdsInBody(request.body)) assertProjectScope(session, p.value, p.field);
    await limitRequest(runtime, reply, session);
  });

  app.post(
    '/track-event',
    {
      ...documentOnly,
      config: { bodyFields: 'elements' },
      schema: {
        tags,
        summary: `Track events (one object or an array of up to ${MAX_EVENTS})`,
        headers,
        body: oneOrMany(
          {
            type: 'object',
            required: ['projectId', 'userId', 'eventName'],
            properties: {
              projectId: { type: 'string' },
              userId: { type: 'string' },
              eventName: { type: 'string' },
              eventParams: { type: 'object' },
              segmentationEventParamKeys: { type: 'array', items: { type: 'string' } },
            },
          },
          MAX_EVENTS,
        ),
        response: dataResponse({ type: 'string' }),
      },
    },
    async (request) => {
      const { project } = request.notiflySession!;
      const events = mapTrackEventBody(request.body);
      const strict = project.settings.strictTaxonomy === true;
      if (strict && events.some((e) => Object.hasOwn(e.properties as object, SEGMENTATION_KEYS_PROPERTY))) {
        await ensureSegmentationKeysProperty(runtime.taxonomy, project.id);
      }
      const r = await runtime.events.ingest({ projectId: project.id, events, source: 'api', strict, wire: TRACK_EVENT_WIRE });
      runtime.metrics.eventsIngested.inc({ source: 'api' }, r.accepted);
      return okData(`tracked ${events.length} event${events.length === 1 ? '' : 's'}`);
    },
  );

  app.post(
    '/set-user-properties',
    {
      ...documentOnly,
      config: { bodyFields: 'elements' },
      schema: {
        tags,
        summary: `Set user properties (one object or an array of up to ${MAX_USERS}); data is the number of users updated`,
        headers,
        body: oneOrMany(
          {
            type: 'object',
            required: ['projectId', 'userId', 'userProperties'],
            properties: {
              projectId: { type: 'string' },
              userId: { type: 'string' },
              userProperties: { type: 'object', properties: { $email: { type: 'string' }, $phone_number: { type: 'string' } } },
            },
          },
          MAX_USERS,
        ),
        response: dataResponse({ type: 'integer' }),
      },
    },
    async (request) => {
      const { project } = request.notiflySession!;
      const updates = mapSetUserPropertiesBody(request.body);
      const r = await runtime.profiles.upsert({ projectId: project.id, updates, strict: project.settings.strictTaxonomy === true, source: 'notifly' });
      return okData(r.length);
    },
  );

  app.delete(
    '/users',
    {
      ...documentOnly,
      config: { bodyFields: 'elements' },
      schema: {
        tags,
        summary: `Delete users by userId, $email or $phone_number (exact as written); one object or an array of up to ${MAX_DELETIONS}`,
        headers,
        body: oneOrMany(
          {
            type: 'object',
            required: ['projectId'],
            properties: {
              projectId: { type: 'string' },
              userId: { type: 'string' },
              userProperties: { type: 'object', properties: { $email: { type: 'string' }, $phone_number: { type: 'string' } } },
            },
          },
          MAX_DELETIONS,
        ),
        response: dataResponse({ type: 'integer' }),
      },
    },
    async (request) => {
      const { project } = request.notiflySession!;
      const selectors = mapDeleteUsersBody(request.body);
      const counts = await runtime.deletion.eraseNow(project.id, selectors);
      request.log.info({ projectId: project.id, counts }, 'users deleted');
      return okData(counts.profiles);
    },
  );
}
