import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MaruError } from '../../core/errors.ts';
import type { Runtime } from '../../runtime.ts';
import { documentOnly } from '../shared/http-errors.ts';
import { limitRequest, requireSessionToken } from './auth.ts';
import { notiflyErrorHandler, renderCampaignError } from './envelope.ts';
import { methodNotAllowed } from './methods.ts';
import { mapCampaignSendBody } from './mapping.ts';

const PATH = '/campaign/:projectId/:campaignId/send';
type SendRequest = FastifyRequest<{ Params: { projectId: string; campaignId: string } }>;

const envelope = { type: 'object', properties: { code: { type: 'integer' }, success: { type: 'boolean' }, error: { type: ['string', 'null'] } } };

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
export async function notiflyCampaignRoutes(app: FastifyInstance, opts: { runtime: Runtime }) {
  const { runtime } = opts;
  app.setErrorHandler(notiflyErrorHandler({ render: renderCampaignError, bodyLimit: runtime.config.bodyLimit }));
  methodNotAllowed(app, PATH, ['POST']);

  app.post(
    PATH,
    {
      ...documentOnly,
      onRequest: requireSessionToken(runtime),
      schema: {
        tags: ['Notifly'],
        summary: 'Trigger an API-triggered campaign for up to 1,000 recipients',
        params: { type: 'object', properties: { projectId: { type: 'string' }, campaignId: { type: 'string' } } },
        headers: { type: 'object', properties: { authorization: { type: 'string' }, 'idempotency-key': { type: 'string' } } },
        body: {
          type: 'object',
          required: ['recipients'],
          properties: {
            recipients: {
              type: 'array',
              maxItems: 1000,
              items: {
                type: 'object',
                properties: {
                  type: { type: 'string', enum: ['user-id', 'phone-number', 'email'] },
                  userId: { type: 'string' },
                  phoneNumber: { type: 'string' },
                  email: { type: 'string' },
                  eventParams: { type: 'object' },
                },
              },
            },
          },
        },
        response: { 200: envelope, 400: envelope, 401: envelope, 404: envelope, 405: envelope, 413: envelope, 500: envelope, 501: envelope },
      },
    },
    async (request: SendRequest, reply) => {
      const session = request.notiflySession!;
      if (request.params.projectId !== session.project.id) throw new MaruError('not_found', `project ${request.params.projectId} not found`, { field: 'projectId' });
      await limitRequest(runtime, reply, session);
      const key = request.headers['idempotency-key'];
      const r = await runtime.deliveries.sendApi({
        projectId: session.project.id,
        campaignId: request.params.campaignId,
        body: mapCampaignSendBody(request.body),
        requestId: typeof key === 'string' ? key : undefined,
      });
      reply.header('X-Maru-Request-Id', r.requestId);
      return { code: 200, success: true, error: null };
    },
  );
}
