import type { FastifyInstance } from 'fastify';
import { SEGMENTATION_KEYS_PROPERTY, ensureSegmentationKeysProperty } from '../../core/events/segmentation-keys.ts';
import type { Services } from '../../services.ts';
import { schemaErrorFormatter } from '../shared/schema-errors.ts';
import { assertProjectScope, limitRequest, requireSessionToken, type NotiflyAuthDeps } from './auth.ts';
import { okData } from './envelope.ts';
import { Type } from '@sinclair/typebox';
import { SECURITY } from '../shared/openapi.ts';
import {
  DATA_ERRORS,
  dataOk,
  DeleteUsersBodySchema,
  elementField,
  MAX_DELETIONS,
  MAX_EVENTS,
  MAX_USERS,
  SetUserPropertiesBodySchema,
  TrackEventBodySchema,
  type DeleteUsersBody,
  type SetUserPropertiesBody,
  type TrackEventBody,
} from './schemas.ts';
import { TRACK_EVENT_WIRE, mapDeleteUsersBody, mapSetUserPropertiesBody, mapTrackEventBody, projectIdsInBody } from './mapping.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'deletion' | 'events' | 'metrics' | 'profiles' | 'taxonomy'> & NotiflyAuthDeps;

const tags = ['Notifly'];
const security = SECURITY.notifly;

/**
 * Notifly data endpoints (seed 004 §2–4): POST /track-event, POST /set-user-properties, DELETE /users.
 * Order of checks: token (onRequest: 401 before any body is read), then every `projectId` in the body against the
 * token's project (403, nothing counted), then the per-client and per-project rate limits (429), then the body's
 * schema (400, schemas.ts), then what the schema cannot say (mapping.ts, 400).
 */
export async function notiflyDataRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;

  app.addHook('onRequest', requireSessionToken(runtime));
  app.setSchemaErrorFormatter(schemaErrorFormatter(elementField));
  // Before the schema check, so a body for another project is a 403 and a limited client a 429 whatever it sent.
  app.addHook('preValidation', async (request, reply) => {
    const session = request.notiflySession!;
    for (const p of projectIdsInBody(request.body)) assertProjectScope(session, p.value, p.field);
    await limitRequest(runtime, reply, session);
  });

  app.post(
    '/track-event',
    {
      config: { bodyFields: 'elements' },
      schema: {
        tags,
        summary: `Track events (one object or an array of up to ${MAX_EVENTS})`,
        security,
        body: TrackEventBodySchema,
        response: { ...dataOk(Type.String(), 'tracked 1 event'), ...DATA_ERRORS },
      },
    },
    async (request) => {
      const { project } = request.notiflySession!;
      const events = mapTrackEventBody(request.body as TrackEventBody);
      const strict = project.settings.strictTaxonomy === true;
      if (strict && events.some((e) => Object.hasOwn(e.properties as object, SEGMENTATION_KEYS_PROPERTY))) {
        await ensureSegmentationKeysProperty(runtime.taxonomy, project.id);
      }
      const r = await runtime.events.ingest({ projectId: project.id, events, source: 'api', strict, wire: TRACK_EVENT_WIRE, face: 'notifly' });
      runtime.metrics.eventsIngested.inc({ source: 'api' }, r.accepted);
      return okData(`tracked ${events.length} event${events.length === 1 ? '' : 's'}`);
    },
  );

  app.post(
    '/set-user-properties',
    {
      config: { bodyFields: 'elements' },
      schema: {
        tags,
        summary: `Set user properties (one object or an array of up to ${MAX_USERS}); data is the number of users updated`,
        security,
        body: SetUserPropertiesBodySchema,
        response: { ...dataOk(Type.Integer(), 1), ...DATA_ERRORS },
      },
    },
    async (request) => {
      const { project } = request.notiflySession!;
      const updates = mapSetUserPropertiesBody(request.body as SetUserPropertiesBody);
      const r = await runtime.profiles.upsert({ projectId: project.id, updates, strict: project.settings.strictTaxonomy === true, source: 'notifly' });
      return okData(r.length);
    },
  );

  app.delete(
    '/users',
    {
      config: { bodyFields: 'elements' },
      schema: {
        tags,
        summary: `Delete users by userId, $email or $phone_number (exact as written); one object or an array of up to ${MAX_DELETIONS}`,
        security,
        body: DeleteUsersBodySchema,
        response: { ...dataOk(Type.Integer(), 1), ...DATA_ERRORS },
      },
    },
    async (request) => {
      const { project } = request.notiflySession!;
      const selectors = mapDeleteUsersBody(request.body as DeleteUsersBody);
      const counts = await runtime.deletion.eraseNow(project.id, selectors);
      request.log.info({ projectId: project.id, counts }, 'users deleted');
      return okData(counts.profiles);
    },
  );
}
