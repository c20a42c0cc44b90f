import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Runtime } from '../runtime.ts';
import { healthRoutes } from './health.routes.ts';
import { registerInputChecks } from '../faces/shared/input-checks.hook.ts';
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
import { twilioCallbackRoutes } from '../faces/callbacks/twilio.routes.ts';

export interface AppOptions {
  /** Which HTTP surfaces to serve: everything (api role) or only health and metrics (worker role). */
  surfaces?: 'all' | 'operations';
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
    // D16: keys named like object internals (`__proto__`, `constructor`) are ordinary names; the code keeps them as
    // data (core/input/input-checks.ts) instead of refusing the body.
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
  });
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
            marketapApiKey: { type: 'http', scheme: 'bearer', description: 'Marketap API key of the project (with ?project_id=)' },
          },
        },
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  }

  await app.register(healthRoutes, { runtime, isReady: () => ready });
  if (options.surfaces !== 'operations') {
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
    await app.register(twilioCallbackRoutes, { runtime });
  }
  return app as unknown as FastifyInstance;
}
