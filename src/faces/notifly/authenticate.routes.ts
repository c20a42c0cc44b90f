import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { setRateLimitHeaders } from '../shared/http-errors.ts';
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
      schema: {
        tags: ['Notifly'],
        summary: 'Exchange the access key and secret key for a token valid for one hour',
        security: SECURITY.none,
        body: Type.Object(
          { accessKey: Type.String({ description: 'maru_ak_…', minLength: 1 }), secretKey: Type.String({ description: 'maru_sk_…', minLength: 1 }) },
          { additionalProperties: false, examples: [{ accessKey: 'maru_ak_…', secretKey: 'maru_sk_…' }] },
        ),
        response: { ...dataOk(Type.String({ description: 'the token, valid one hour' }), 'eyJhbGciOiJIUzI1NiJ9…'), ...DATA_ERRORS },
      },
    },
    // The body is validated with the schema above (a missing or non-string key, an unknown field: 400 naming it).
    async (request: FastifyRequest<{ Body: { accessKey: string; secretKey: string } }>, reply) => {
      const b = request.body;
      const session = await runtime.sessionTokens.exchange({ accessKey: b.accessKey, secretKey: b.secretKey, client: request.ip });
      setRateLimitHeaders(reply, session.rate);
      return okData(session.token);
    },
  );
}
