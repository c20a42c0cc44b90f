import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseTwilioStatusCallback } from '../../channels/text/twilio.provider.ts';
import type { TextProvider } from '../../channels/provider.types.ts';
import { MaruError } from '../../core/errors.ts';
import type { Services } from '../../services.ts';
import { Type } from '@sinclair/typebox';
import { content, errorResponses, noContent, SECURITY } from '../shared/openapi.ts';
import { toMaruError } from '../shared/http-errors.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'config' | 'deliveryResults' | 'projects' | 'providers'>;

export const TWILIO_CALLBACK_PATH = '/callbacks/twilio/:projectId';
const VENDOR = 'twilio';

type Req = FastifyRequest<{ Params: { projectId: string }; Body: string | undefined }>;

/**
 * Twilio status callbacks (docs/korean-messaging.md "Delivery results"): `POST /callbacks/twilio/{projectId}`, the URL to
 * put in the project's Twilio config as `statusCallbackUrl` (`${MARU_PUBLIC_URL}/callbacks/twilio/{projectId}`).
 *
 * The request is checked before anything else is done with it: the project must send text messages through Twilio
 * (404 otherwise) with an `authToken` in its config (403 otherwise), and the project's Twilio provider
 * (`verifyCallbackSignature`, a provider capability) must find `X-Twilio-Signature` to be Twilio's for the
 * URL Twilio called — `MARU_PUBLIC_URL` followed by the path and query, or the URL as this server saw it — and the
 * form parameters (403 otherwise). Then `MessageSid`/`MessageStatus`/`ErrorCode` update the delivery
 * (DeliveryResultsService.report): 204. A malformed callback is 400. Errors are `{"error": "..."}`.
 */
export async function twilioCallbackRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;

  app.setErrorHandler((err, request, reply) => {
    const e = toMaruError(err, request.log);
    return reply.status(e.status).send({ error: e.code === 'internal' ? 'Internal Server Error' : e.message });
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, String(body)));

  app.post(
    TWILIO_CALLBACK_PATH,
    {
      schema: {
        tags: ['callbacks'],
        security: SECURITY.none,
        summary: 'Twilio message status callback (signed with the account Auth Token in X-Twilio-Signature)',
        headers: Type.Object({
          'x-twilio-signature': Type.Optional(Type.String({ description: 'Required: checked against the body with the Auth Token (missing or wrong: 403)' })),
        }),
        body: content('application/x-www-form-urlencoded', Type.String(), 'Twilio status callback parameters', 'MessageSid=SM123&MessageStatus=delivered'),
        response: {
          204: noContent('Recorded'),
          ...errorResponses(Type.Object({ error: Type.String() }, { additionalProperties: false }), [400, 403, 404, 413, 415, 500, 503], () => ({
            error: 'X-Twilio-Signature is missing or does not match',
          })),
        },
      },
    },
    async (request: Req, reply) => {
      const project = await runtime.projects.find(request.params.projectId);
      if (!project) throw new MaruError('not_found', 'unknown project');
      let resolved: ReturnType<Services['providers']['resolve']>;
      try {
        resolved = runtime.providers.resolve(project, 'text_message');
      } catch (e) {
        request.log.warn({ err: e, projectId: project.id }, 'twilio callback: the text_message provider cannot be set up');
        throw new MaruError('unavailable', "the project's text_message provider configuration cannot be read");
      }
      const provider = resolved.provider as TextProvider;
      if (resolved.vendor !== VENDOR || typeof provider.verifyCallbackSignature !== 'function') {
        throw new MaruError('not_found', 'this project does not send text messages through Twilio');
      }

      const raw = typeof request.body === 'string' ? request.body : '';
      const params = new URLSearchParams(raw);
      const header = request.headers['x-twilio-signature'];
      const urls = [`${runtime.config.publicUrl}${request.url}`, `${request.protocol}://${request.host}${request.url}`];
      const check = provider.verifyCallbackSignature({ urls, params, signature: typeof header === 'string' ? header : undefined });
      if (check === 'no-secret') throw new MaruError('forbidden', "the project's Twilio config has no authToken to check callback signatures with");
      if (check !== 'valid') {
        request.log.warn({ projectId: project.id }, 'twilio callback with a missing or wrong signature');
        throw new MaruError('forbidden', 'X-Twilio-Signature is missing or does not match');
      }

      const parsed = parseTwilioStatusCallback(params);
      if (!parsed.ok) throw new MaruError('invalid_input', parsed.reason);
      const outcome = await runtime.deliveryResults.report({ projectId: project.id, vendor: VENDOR, status: parsed.update.delivery });
      request.log.info({ projectId: project.id, messageSid: parsed.update.messageSid, status: parsed.update.rawStatus, outcome }, 'twilio status callback');
      return reply.status(204).send();
    },
  );
}
