import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MaruError } from '../../core/errors.ts';
import type { Services } from '../../services.ts';
import { limitRequest, requireSessionToken, type NotiflyAuthDeps } from './auth.ts';
import { notiflyError, notiflyErrorHandler } from './envelope.ts';
import { methodNotAllowed } from './methods.ts';
import { Type } from '@sinclair/typebox';
import { described, errorResponses, SECURITY } from '../shared/openapi.ts';
import { DataError, exampleError } from './schemas.ts';
import { CAMPAIGN_STATS_EXAMPLE, CampaignStatsDoc } from '../shared/campaign-stats.schema.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'campaignStats' | 'config'> & NotiflyAuthDeps;

const PATH = '/projects/:projectId/campaigns/:campaignId/stats';
type StatsRequest = FastifyRequest<{ Params: { projectId: string; campaignId: string }; Querystring: { start?: string; end?: string } }>;

/**
 * Errors of the stats endpoint in the seed's words (seed 004 §10): 400 `{data: null, error: "Invalid project ID"}`
 * (and "Invalid campaign ID", "Invalid start: ...", "Invalid end: ..."), 401 "Unauthorized: Invalid Authorization
 * Token", 500 "Internal Server Error: ...". A project id other than the token's is "Invalid project ID" (400), as the
 * seed shows, so another project's ids are indistinguishable from ids that do not exist.
 */
export function renderStatsError(err: MaruError): { status: number; body: { data: null; error: string } } {
  switch (err.code) {
    case 'unauthenticated':
      return { status: 401, body: { data: null, error: 'Unauthorized: Invalid Authorization Token' } };
    case 'invalid_input':
    case 'not_found':
    case 'unknown_project':
      return { status: 400, body: { data: null, error: err.message } };
    default: {
      const { status, message } = notiflyError(err);
      return { status, body: { data: null, error: message } };
    }
  }
}

/** Notifly campaign statistics (seed 004 §10): `GET /projects/{projectId}/campaigns/{campaignId}/stats?start=&end=`. */
export async function notiflyStatsRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;
  app.setErrorHandler(notiflyErrorHandler({ render: renderStatsError, bodyLimit: runtime.config.bodyLimit }));
  methodNotAllowed(app, PATH, ['GET', 'HEAD']);

  app.get(
    PATH,
    {
      onRequest: requireSessionToken(runtime),
      // Before the query's schema check: another project's id is the seed's 400, a limited client a 429.
      preValidation: async (request: StatsRequest, reply) => {
        const session = request.notiflySession!;
        if (request.params.projectId !== session.project.id) throw new MaruError('invalid_input', 'Invalid project ID', { field: 'projectId' });
        await limitRequest(runtime, reply, session);
      },
      schema: {
        tags: ['Notifly'],
        summary: 'Campaign statistics by metric, day (project time zone) and statistics dimension',
        security: SECURITY.notifly,
        params: Type.Object({ projectId: Type.String(), campaignId: Type.String() }),
        querystring: Type.Object({
          start: Type.String({ description: 'yyyy-MM-ddTHH:mm:ss.sssZ (UTC)', examples: ['2025-01-01T00:00:00.000Z'] }),
          end: Type.String({ description: 'yyyy-MM-ddTHH:mm:ss.sssZ (UTC)', examples: ['2025-01-31T23:59:59.999Z'] }),
        }),
        response: {
          200: described(200, Type.Object({ data: CampaignStatsDoc, error: Type.Null() }, { additionalProperties: false }), {
            data: CAMPAIGN_STATS_EXAMPLE,
            error: null,
          }),
          ...errorResponses(DataError, [400, 401, 429, 500, 503], (st) => renderStatsError(exampleError(st)).body),
        },
      },
    },
    async (request: StatsRequest, reply) => {
      const session = request.notiflySession!;
      const data = await runtime.campaignStats.stats({
        projectId: session.project.id,
        campaignId: request.params.campaignId,
        start: request.query.start,
        end: request.query.end,
      });
      return { data, error: null };
    },
  );
}
