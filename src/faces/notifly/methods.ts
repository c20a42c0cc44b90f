import type { FastifyInstance, FastifyRequest, FastifyReply } from 'fastify';
import { MaruError } from '../../core/errors.ts';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/**
 * Answers 405 (with `Allow`) for every other method on one of the face's own paths; Fastify alone would answer 404.
 * Registered in the face's scope, so the face's error handler renders it and no other path is affected.
 * The refusal happens in onRequest: before authentication and before any body is read.
 */
export function methodNotAllowed(app: FastifyInstance, url: string, allow: readonly (typeof METHODS)[number][]): void {
  app.route({
    method: METHODS.filter((m) => !allow.includes(m)),
    url,
    schema: { hide: true },
    onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
      reply.header('Allow', allow.join(', '));
      throw new MaruError('method_not_allowed', `${request.method} ${url}; use ${allow.join(', ')}`);
    },
    handler: async () => undefined,
  });
}
