import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MaruError } from '../../core/errors.ts';
import type { Services } from '../../services.ts';
import { limitRequest, requireSessionToken, type NotiflyAuthDeps } from './auth.ts';
import { notiflyErrorHandler, renderCampaignError } from './envelope.ts';
import { methodNotAllowed } from './methods.ts';
import { Type } from '@sinclair/typebox';
import { SECURITY } from '../shared/openapi.ts';
import { CAMPAIGN_RESPONSES, CampaignSendBodySchema, type CampaignSendBody } from './schemas.ts';
import { mapCampaignSendBody } from './mapping.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'config' | 'deliveries'> & NotiflyAuthDeps;

const PATH = '/campaign/:projectId/:campaignId/send';
type SendRequest = FastifyRequest<{ Params: { projectId: string; campaignId: string } }>;

/**
 * Notifly campaign send (seed 004 §5): `POST /campaign/{projectId}/{campaignId}/send`, answered in the campaign
 * envelope `{code, success, error}` with the seed's status codes:
 * 200 triggered; 400 a bad body, a recipient type the channel does not take, more than 1,000 recipients, a campaign that
 * is not active or not API-triggered; 401 a missing, expired or foreign token; 404 a project id other than the token's
 * or an unknown campaign (D14: another project's ids answer 404); 405 another method; 413 a body over the limit;
 * 429 over the rate limit (D2); 500 an internal error (with an error id that is in the log).
 * 501 is reserved for channels maru does not send (every channel of a maru campaign is supported, so it is not
 * returned today). An `Idempotency-Key` header makes a retried call record nothing twice; the send's request id is
 * returned in `X-Maru-Request-Id`.
 */
export async function notiflyCampaignRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;
  app.setErrorHandler(notiflyErrorHandler({ render: renderCampaignError, bodyLimit: runtime.config.bodyLimit }));
  methodNotAllowed(app, PATH, ['POST']);

  app.post(
    PATH,
    {
      onRequest: requireSessionToken(runtime),
      // Before the schema check: another project's id is a 404 and a limited client a 429 whatever the body says.
      preValidation: async (request: SendRequest, reply) => {
        const session = request.notiflySession!;
        if (request.params.projectId !== session.project.id)
          throw new MaruError('not_found', `project ${request.params.projectId} not found`, { field: 'projectId' });
        await limitRequest(runtime, reply, session);
      },
      schema: {
        tags: ['Notifly'],
        summary: 'Trigger an API-triggered campaign for up to 1,000 recipients',
        security: SECURITY.notifly,
        params: Type.Object({ projectId: Type.String(), campaignId: Type.String() }),
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ description: 'A retried call with the same key records nothing twice' })) }),
        body: CampaignSendBodySchema,
        response: CAMPAIGN_RESPONSES,
      },
    },
    async (request: SendRequest, reply) => {
      const session = request.notiflySession!;
      const key = request.headers['idempotency-key'];
      const r = await runtime.deliveries.sendApi({
        projectId: session.project.id,
        campaignId: request.params.campaignId,
        body: mapCampaignSendBody(request.body as CampaignSendBody),
        requestId: typeof key === 'string' ? key : undefined,
      });
      reply.header('X-Maru-Request-Id', r.requestId);
      return { code: 200, success: true, error: null };
    },
  );
}
