import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime.ts';

/** Liveness, readiness (the store answers) and Prometheus metrics. */
export async function healthRoutes(app: FastifyInstance, opts: { runtime: Runtime; isReady: () => boolean }) {
  const { runtime } = opts;
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Answers 200 once the process can serve' } }, async (_req, reply) => {
    if (!opts.isReady()) return reply.status(503).send({ status: 'starting' });
    return { status: 'ok' };
  });
  app.get('/readyz', { schema: { tags: ['operations'], summary: 'Checks the store' } }, async (request, reply) => {
    try {
      await runtime.store.ping();
      return { status: 'ok', store: runtime.store.dialect };
    } catch (err) {
      request.log.warn({ err }, 'readiness check failed');
      return reply.status(503).send({ status: 'unavailable', store: runtime.store.dialect });
    }
  });
  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics' } }, async (_req, reply) => {
    runtime.metrics.storeCommits.set(runtime.store.stats.commits);
    runtime.metrics.storeUnits.set(runtime.store.stats.units);
    return reply.type(runtime.metrics.registry.contentType).send(await runtime.metrics.registry.metrics());
  });
}
