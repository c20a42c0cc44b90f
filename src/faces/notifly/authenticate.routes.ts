import type { FastifyInstance } from 'fastify';
import { invalid } from '../../core/errors.ts';
import { isPlainObject } from '../../core/events/events.service.ts';
import type { Services } from '../../services.ts';
import { documentOnly, setRateLimitHeaders } from '../shared/http-errors.ts';
import { okData } from './envelope.ts';
import { Type } from '@sinclair/typebox';
import { SECURITY } from '../shared/openapi.ts';
import { DATA_ERRORS, dataOk } from './schemas.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'sessionTokens'>;

/**
 * POST /authenticate (seed 004 §1): a project's access key and secret key → a session token valid for one hour.
 * Rate-limited per project (`auth_requests`) and, for failed attempts, per client IP (see SessionTokenService).
 */
export async function notiflyAuthenticateRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;

  app.post(
    '/authenticate',
    {
      ...documentOnly,
      schema: {
        tags: ['Notifly'],
        summary: 'Exchange the access key and secret key for a token valid for one hour',
        security: SECURITY.none,
        body: Type.Object(
          { accessKey: Type.String({ description: 'maru_ak_…' }), secretKey: Type.String({ description: 'maru_sk_…' }) },
          { additionalProperties: false, examples: [{ accessKey: 'maru_ak_…', secretKey: 'maru_sk_…' }] },
        ),
        response: { ...dataOk(Type.String({ description: 'the token, valid one hour' }), 'eyJhbGciOiJIUzI1NiJ9…'), ...DATA_ERRORS },
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
