import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isMaruError } from '../core/errors.ts';
import { storeFault } from '../platform/db/store-faults.ts';
import { STORE_RETRY_AFTER_MS } from '../faces/shared/http-errors.ts';
import type { Runtime } from '../runtime.ts';

/** Responses that carry a secret (a project's new credentials, a reissued one, a session token): never cached. */
const SECRET_ROUTES = new Set(['/authenticate', '/v1/authenticate']);

/** The API reference's page runs Swagger UI's own scripts and styles only. */
const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/**
 * What an operator and a careful client see on every response, whatever face served it (docs/operations.md):
 * - security headers: `X-Content-Type-Options: nosniff` everywhere; `Cache-Control: no-store` on the admin API and on
 *   responses that carry a secret; a Content-Security-Policy on /docs;
 * - `Retry-After` on an answer to a database fault (full disk, read-only file, connection lost) and on any 503/429
 *   that did not set its own;
 * - one JSON access-log line per request (sampled by MARU_ACCESS_LOG_SAMPLE at info; always, at warn, for 401, 403
 *   and 429; always for 5xx);
 * - a client that goes away before its request arrived whole is logged at info, not as an unexpected error.
 * Added to the root instance before the faces are registered, so they apply to every route.
 */
export function addOperationsHooks(app: FastifyInstance, runtime: Runtime): void {
  const sample = runtime.config.accessLogSample;
  const metrics = runtime.metrics;

  app.addHook('onError', async (request, reply, err) => {
    const fault = storeFault(err);
    if (fault) {
      metrics.storeFaults.inc({ cause: fault });
      if (!reply.hasHeader('retry-after')) reply.header('Retry-After', String(STORE_RETRY_AFTER_MS / 1000));
    } else if (isMaruError(err) && err.retryAfterMs !== undefined && !reply.hasHeader('retry-after')) {
      reply.header('Retry-After', String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))));
    }
    if (clientWentAway(request)) request.log.info({ code: (err as { code?: string }).code }, 'client closed the connection before its request arrived whole');
  });

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    const route = request.routeOptions.url ?? '';
    if (route.startsWith('/admin/') || SECRET_ROUTES.has(route)) reply.header('Cache-Control', 'no-store');
    if (route === '/docs' || route.startsWith('/docs/')) reply.header('Content-Security-Policy', DOCS_CSP);
    if ((reply.statusCode === 503 || reply.statusCode === 429) && !reply.hasHeader('retry-after')) reply.header('Retry-After', '1');
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => accessLog(request, reply, sample));
}

function clientWentAway(request: FastifyRequest): boolean {
  return request.raw.destroyed && !request.raw.complete;
}

function accessLog(request: FastifyRequest, reply: FastifyReply, sample: number) {
  const status = reply.statusCode;
  const denied = status === 401 || status === 403 || status === 429;
  if (!denied && status < 500 && (sample <= 0 || (sample < 1 && Math.random() >= sample))) return;
  const line = {
    access: {
      method: request.method,
      route: request.routeOptions.url ?? null,
      // The path only: query strings may carry keys or personal data.
      path: request.url.split('?', 1)[0],
      status,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      ip: request.ip,
      in: Number(request.headers['content-length'] ?? 0),
      ...(request.raw.destroyed && !request.raw.complete ? { aborted: true } : {}),
    },
  };
  if (denied || status >= 500) request.log.warn(line, 'request');
  else request.log.info(line, 'request');
}
