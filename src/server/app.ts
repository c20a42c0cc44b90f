import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import cookie from '@fastify/cookie';
import swaggerUi from '@fastify/swagger-ui';
import type { Runtime } from '../runtime.ts';
import { healthRoutes } from './health.routes.ts';
import { registerInputChecks } from '../faces/shared/input-checks.hook.ts';
import { addOperationsHooks } from './operations.hooks.ts';
import { decodeContentEncoding } from './body.ts';
import { useJsonParser } from '../faces/shared/json-body.ts';
import { answerWrongMethods } from './wrong-method.ts';
import { dfineryImportRoutes } from '../faces/dfinery/import.routes.ts';
import { adminRoutes } from '../faces/admin/admin.routes.ts';
import { marketapRoutes } from '../faces/marketap/routes.ts';
import { dfineryExportRoutes } from '../faces/dfinery/export.routes.ts';
import { audienceRoutes } from '../faces/admin/audiences.routes.ts';
import { notiflyRoutes } from '../faces/notifly/routes.ts';
import { adminCampaignRoutes } from '../faces/admin/campaigns.routes.ts';
import { notiflyCampaignRoutes } from '../faces/notifly/campaign.routes.ts';
import { notiflyStatsRoutes } from '../faces/notifly/stats.routes.ts';
import { trackingRoutes } from '../faces/tracking/tracking.routes.ts';
import { adminChannelRoutes } from '../faces/admin/channels.routes.ts';
import { unsubscribeRoutes } from '../faces/tracking/unsubscribe.routes.ts';
import { sdkWebPushRoutes } from '../faces/sdk/webpush.routes.ts';
import { adminMessagingRoutes } from '../faces/admin/messaging.routes.ts';
import { adminConsentRoutes } from '../faces/admin/consent.routes.ts';
import { twilioCallbackRoutes } from '../faces/callbacks/twilio.routes.ts';
import { adminJobsRoutes } from '../faces/admin/jobs.routes.ts';
import { consoleRoutes } from '../faces/admin/console.routes.ts';
import { consoleDataRoutes } from '../faces/admin/console-data.routes.ts';
import { consoleStaticRoutes } from './console.routes.ts';
import { recordRejections } from './rejections.ts';

export interface AppOptions {
  /** Which HTTP surfaces to serve: everything (api role) or only health and metrics (worker role). */
  surfaces?: 'all' | 'operations';
  /** Serve /metrics on this app (default); false when server.ts serves it on its own port (MARU_METRICS_PORT). */
  metrics?: boolean;
}

/**
 * The HTTP application: every face mounted on one Fastify instance. Built from a Runtime; listening and
 * shutdown belong to server.ts. Tests drive it with app.inject().
 */
export async function buildApp(runtime: Runtime, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: runtime.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: runtime.config.bodyLimit,
    trustProxy: runtime.config.trustProxy,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    genReqId: () => Math.random().toString(36).slice(2, 12),
    // Slow clients (docs/operations.md): a request must arrive whole within requestTimeout, its headers within
    // headersTimeout (else 408 and the connection closes); an idle keep-alive connection closes after idleTimeout.
    requestTimeout: runtime.config.requestTimeoutSeconds * 1000,
    keepAliveTimeout: runtime.config.idleTimeoutSeconds * 1000,
    http: {
      headersTimeout: runtime.config.headersTimeoutSeconds * 1000,
      // How often Node looks for connections past those timeouts (its default, 30 s, would make them 30 s late).
      connectionsCheckingInterval: Math.min(1000, runtime.config.headersTimeoutSeconds * 1000),
    },
  });
  addOperationsHooks(app as unknown as FastifyInstance, runtime);
  registerInputChecks(app as unknown as FastifyInstance);
  let ready = false;
  app.addHook('onReady', async () => {
    ready = true;
  });

  app.addHook('onResponse', async (request, reply) => {
    runtime.metrics.httpRequests.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    if (reply.statusCode >= 500) runtime.metrics.errors.inc();
  });

  // Bodies (D16): only JSON unless a face adds its own parser (a body of another type is the face's 400), read as
  // strict UTF-8 with at most 32 levels; gzip/deflate decoded with the limit on the decoded bytes.
  app.removeAllContentTypeParsers();
  useJsonParser(app);
  decodeContentEncoding(app, runtime.config.bodyLimit);
  const addWrongMethodRoutes = answerWrongMethods(app);

  // The worker role serves only health, readiness and metrics: no API reference either.
  if (options.surfaces !== 'operations') {
    await app.register(swagger, {
      openapi: {
        info: {
          title: 'maru',
          version: '0.1.0',
          description:
            'Self-hosted customer data and messaging platform. Speaks the DFINERY, Marketap and Notifly HTTP APIs on one core, plus its own admin API.',
        },
        components: {
          securitySchemes: {
            adminToken: { type: 'http', scheme: 'bearer', description: 'Admin token (MARU_ADMIN_TOKEN or `maru admin token`)' },
            consoleSession: { type: 'apiKey', in: 'cookie', name: 'maru_session', description: 'Web console session (POST /admin/v1/session); state-changing requests also need X-CSRF-Token' },
            marketapApiKey: { type: 'http', scheme: 'bearer', description: 'Marketap API key of the project (with ?project_id=)' },
          },
        },
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  }

  await app.register(healthRoutes, { runtime, isReady: () => ready, metrics: options.metrics !== false });
  if (options.surfaces !== 'operations') {
    recordRejections(app, runtime);
    await app.register(cookie);
    await app.register(consoleRoutes, { runtime });
    await app.register(consoleDataRoutes, { runtime });
    await app.register(consoleStaticRoutes, { dir: runtime.config.consoleDir });
    await app.register(adminRoutes, { runtime });
    await app.register(dfineryImportRoutes, { runtime });
    await app.register(marketapRoutes, { runtime });
    await app.register(dfineryExportRoutes, { runtime });
    await app.register(audienceRoutes, { runtime });
    await app.register(notiflyRoutes, { runtime });
    await app.register(adminCampaignRoutes, { runtime });
    await app.register(notiflyCampaignRoutes, { runtime });
    await app.register(notiflyStatsRoutes, { runtime });
    await app.register(trackingRoutes, { runtime });
    await app.register(adminChannelRoutes, { runtime });
    await app.register(unsubscribeRoutes, { runtime });
    await app.register(sdkWebPushRoutes, { runtime });
    await app.register(adminMessagingRoutes, { runtime });
    await app.register(adminConsentRoutes, { runtime });
    await app.register(twilioCallbackRoutes, { runtime });
    await app.register(adminJobsRoutes, { runtime });
  }
  addWrongMethodRoutes();
  return app as unknown as FastifyInstance;
}
