import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime.ts';
import { Type } from '@sinclair/typebox';
import { content, described, SECURITY } from '../faces/shared/openapi.ts';

/** Liveness, readiness (the store answers) and Prometheus metrics. */
export async function healthRoutes(app: FastifyInstance, opts: { runtime: Runtime; isReady: () => boolean }) {
  const { runtime } = opts;
  app.get('/healthz', {
      schema: {
        tags: ['operations'],
        security: SECURITY.none,
        summary: 'Answers 200 once the process can serve',
        response: { 200: described(200, Type.Object({ status: Type.Literal('ok') }), { status: 'ok' }), 503: described(503, Type.Object({ status: Type.String() }), { status: 'starting' }) },
      },
    }, async (_req, reply) => {
    if (!opts.isReady()) return reply.status(503).send({ status: 'starting' });
    return { status: 'ok' };
  });
  app.get('/readyz', {
      schema: {
        tags: ['operations'],
        security: SECURITY.none,
        summary: 'Checks the store',
        response: {
          200: described(200, Type.Object({ status: Type.String(), store: Type.String() }), { status: 'ok', store: 'sqlite' }),
          503: described(503, Type.Object({ status: Type.String(), store: Type.String() }), { status: 'unavailable', store: 'postgres' }),
        },
      },
    }, async (request, reply) => {
    try {
      await runtime.store.ping();
      return { status: 'ok', store: runtime.store.dialect };
    } catch (err) {
      request.log.warn({ err }, 'readiness check failed');
      return reply.status(503).send({ status: 'unavailable', store: runtime.store.dialect });
    }
  });
  app.get('/metrics', {
      schema: {
        tags: ['operations'],
        security: SECURITY.none,
        summary: 'Prometheus metrics',
        response: { 200: content('text/plain', Type.String(), 'Prometheus text exposition format', '# HELP maru_http_requests_seconds …') },
      },
    }, async (_req, reply) => {
    runtime.metrics.storeCommits.set(runtime.store.stats.commits);
    runtime.metrics.storeUnits.set(runtime.store.stats.units);
    return reply.type(runtime.metrics.registry.contentType).send(await runtime.metrics.registry.metrics());
  });
}
