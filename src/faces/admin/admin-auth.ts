import type { FastifyInstance } from 'fastify';
import type { MaruError } from '../../core/errors.ts';
import { digestSecret, digestsEqual } from '../../core/credentials/secrets.ts';
import type { Runtime } from '../../runtime.ts';
import { bearer, toMaruError } from '../shared/http-errors.ts';

/** Renders a core error for the admin API: `{error: {code, message, field}}` with the code's HTTP status. */
export function adminError(err: MaruError) {
  return {
    status: err.status,
    body: { error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}), ...(err.details ? { details: err.details } : {}) } },
  };
}

/**
 * What every admin route plugin starts with: the admin error shape, and authentication before any work with an
 * admin token — MARU_ADMIN_TOKEN from the configuration (compared by digest) or one created with `maru admin token`.
 */
export function guardAdmin(app: FastifyInstance, runtime: Runtime): void {
  const configDigest = runtime.config.adminToken ? digestSecret(runtime.config.adminToken) : undefined;
  app.setErrorHandler((err, request, reply) => {
    const { status, body } = adminError(toMaruError(err, request.log));
    return reply.status(status).send(body);
  });
  app.addHook('onRequest', async (request) => {
    const token = bearer(request.headers.authorization);
    if (token && configDigest && digestsEqual(digestSecret(token), configDigest)) return;
    await runtime.credentials.require(token, { kinds: ['admin'] });
  });
}
