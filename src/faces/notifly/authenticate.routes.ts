import type { FastifyInstance } from 'fastify';
import { invalid } from '../../core/errors.ts';
import { isPlainObject } from '../../core/events/events.service.ts';
import type { Runtime } from '../../runtime.ts';
import { documentOnly, setRateLimitHeaders } from '../shared/http-errors.ts';
import { okData } from './envelope.ts';

/**
 * POST /authenticate (seed 004 §1): a project's access key and secret key → a session token valid for one hour.
 * Rate-limited per project (`auth_requests`) and, for failed attempts, per client IP (see SessionTokenService).
 */
export async function notiflyAuthenticateRoutes(app: FastifyInstance, opts: { runtime: Runtime }) {
  const { runtime } = opts;

  app.post(
    '/authenticate',
    {
      ...documentOnly,
      schema: {
        tags: ['Notifly'],
        summary: 'Exchange the access key and secret key for a token valid for one hour',
        body: {
          type: 'object',
          required: ['accessKey', 'secretKey'],
          properties: { accessKey: { type: 'string', description: 'maru_ak_…' }, secretKey: { type: 'string', description: 'maru_sk_…' } },
        },
        response: { 200: { type: 'object', properties: { data: { type: 'string', description: 'the token' }, error: { type: 'null' } } } },
      },
    },
    async (request, reply) => {
      const b = request.body;
      if (!isPlainObject(b)) throw invalid('body', 'body must be a JSON object with accessKey and secretKey');
      for (const k of Object.keys(b)) {
        if (k !== 'accessKey' && k !== 'secretKey') throw invalid(k, `${k} is not a field of this request; use accessKey, secretKey`);
      }
      const session = await runtime.sessionTokens.exchange({ accessKey: b.accessKey, secretKey: b.secretKey, client: request.ip });
      setRateLimitHeaders(reply, session.rate);
      return okData(session.token);
    },
  );
}
