import type { FastifyInstance } from 'fastify';
import { digestSecret, digestsEqual } from '../core/credentials/secrets.ts';
import { bearer } from '../faces/shared/http-errors.ts';
import type { Runtime } from '../runtime.ts';
import { Type } from '@sinclair/typebox';
import { content, described, SECURITY } from '../faces/shared/openapi.ts';

/** Liveness and readiness (the store answers and, after a write fault, writes again). */
export async function healthRoutes(app: FastifyInstance, opts: { runtime: Runtime; isReady: () => boolean; metrics?: boolean }) {
  const { runtime } = opts;
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        security: SECURITY.none,
        summary: 'Answers 200 once the process can serve',
        response: {
          200: described(200, Type.Object({ status: Type.Literal('ok') }), { status: 'ok' }),
          503: described(503, Type.Object({ status: Type.String() }), { status: 'starting' }),
        },
      },
    },
    async (_req, reply) => {
      if (!opts.isReady()) return reply.status(503).send({ status: 'starting' });
      return { status: 'ok' };
    },
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        security: SECURITY.none,
        summary: 'Checks that the store answers and accepts writes',
        response: {
          200: described(200, Type.Object({ status: Type.String(), store: Type.String() }), { status: 'ok', store: 'sqlite' }),
          503: described(503, Type.Object({ status: Type.String(), store: Type.String(), cause: Type.Optional(Type.String()) }), {
            status: 'unavailable',
            store: 'postgres',
          }),
        },
      },
    },
    async (request, reply) => {
      try {
        await runtime.store.ping();
        // A write failed for a database fault (full disk, read-only file, connection lost): ready again only once a
        // real write succeeds, so a load balancer stops sending writes that would fail.
        if (runtime.store.writeFault()) await runtime.store.probe();
        return { status: 'ok', store: runtime.store.dialect };
      } catch (err) {
        const cause = runtime.store.writeFault()?.cause;
        request.log.warn({ err, cause }, 'readiness check failed');
        return reply
          .status(503)
          .header('Retry-After', '5')
          .send({ status: 'unavailable', store: runtime.store.dialect, ...(cause ? { cause } : {}) });
      }
    },
  );
  if (opts.metrics !== false) await app.register(metricsRoute, { runtime });
}

/**
 * GET /metrics in Prometheus format, behind MARU_METRICS_TOKEN when set. Served on the API port, or on its own
 * port (MARU_METRICS_PORT, server.ts).
 */
export async function metricsRoute(app: FastifyInstance, opts: { runtime: Runtime }) {
  const { runtime } = opts;
  const tokenDigest = runtime.config.metricsToken ? digestSecret(runtime.config.metricsToken) : undefined;
  const collector = metricsCollector(runtime);
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        security: runtime.config.metricsToken ? SECURITY.metrics : SECURITY.none,
        summary: 'Prometheus metrics',
        response: {
          200: content('text/plain', Type.String(), 'Prometheus text exposition format', '# HELP maru_http_requests_seconds …'),
          401: described(401, Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) }), {
            error: { code: 'unauthenticated', message: 'metrics require the token of MARU_METRICS_TOKEN' },
          }),
        },
      },
    },
    async (request, reply) => {
      if (tokenDigest) {
        const token = bearer(request.headers.authorization);
        if (!token || !digestsEqual(digestSecret(token), tokenDigest)) {
          return reply
            .status(401)
            .header('WWW-Authenticate', 'Bearer')
            .send({ error: { code: 'unauthenticated', message: 'metrics require the token of MARU_METRICS_TOKEN' } });
        }
      }
      await collector();
      return reply.type(runtime.metrics.registry.contentType).send(await runtime.metrics.registry.metrics());
    },
  );
}

/** Reads the figures that live in the database (queue depth and age, deliveries by state) at most every few seconds. */
function metricsCollector(runtime: Runtime) {
  const m = runtime.metrics;
  let next = 0;
  let deliveriesNext = 0;
  return async () => {
    m.storeWritable.set(runtime.store.writeFault() ? 0 : 1);
    const now = Date.now();
    if (now < next) return;
    next = now + 5000;
    try {
      for (const q of await runtime.queue.stats()) {
        for (const [state, n] of Object.entries(q.counts)) m.queueJobs.set({ queue: q.queue, state }, n);
        m.queueOldestSeconds.set({ queue: q.queue }, q.oldestDueMs / 1000);
      }
      // A count over every delivery: at most every 30 s.
      if (now >= deliveriesNext) {
        deliveriesNext = now + 30_000;
        for (const [state, n] of Object.entries(await runtime.deliveries.stateCounts())) m.deliveries.set({ state }, n);
      }
    } catch (err) {
      runtime.log.warn({ err }, 'could not read queue and delivery figures for /metrics');
    }
  };
}
