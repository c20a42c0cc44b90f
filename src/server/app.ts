import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { AUDIENCE_RULE_SCHEMA } from '../faces/admin/schemas.ts';
import cookie from '@fastify/cookie';
import swaggerUi from '@fastify/swagger-ui';
import type { Runtime } from '../runtime.ts';
import { healthRoutes } from './health.routes.ts';
import { registerInputChecks } from '../faces/shared/input-checks.hook.ts';
import { addOperationsHooks } from './operations.hooks.ts';
import { decodeContentEncoding } from './body.ts';
import { registerJsonParser } from '../faces/shared/json-body.ts';
import { schemaErrorFormatter, TOO_MANY } from '../faces/shared/schema-errors.ts';
import { answerWrongMethods } from './wrong-method.ts';
import { dfineryImportRoutes } from '../faces/dfinery/import.routes.ts';
import { adminRoutes } from '../faces/admin/admin.routes.ts';
import { marketapRoutes } from '../faces/marketap/routes.ts';
import { dfineryExportRoutes } from '../faces/dfinery/export.routes.ts';
import { audienceRoutes } from '../faces/admin/audiences.routes.ts';
import { notiflyRoutes } from '../faces/notifly/routes.ts';
import { adminCampaignRoutes } from '../faces/admin/campaigns.routes.ts';
import { adminDeliveryRoutes } from '../faces/admin/deliveries.routes.ts';
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

/** The document's tags, in the order Swagger UI shows them. */
const OPENAPI_TAGS = [
  { name: 'DFINERY import', description: 'DFINERY Import API (docs/dfinery-import.md)' },
  { name: 'DFINERY export', description: 'DFINERY Export API (docs/dfinery-export.md)' },
  { name: 'Marketap', description: 'Marketap Open API (docs/marketap.md)' },
  { name: 'Notifly', description: 'Notifly API (docs/notifly.md, docs/korean-messaging.md)' },
  { name: 'SDK', description: 'Endpoints for browser SDKs (docs/providers.md)' },
  { name: 'admin', description: "maru's admin API: projects, credentials, taxonomy, profiles" },
  { name: 'admin: audiences', description: 'Audiences (docs/audiences.md)' },
  { name: 'admin: campaigns', description: 'Campaigns, deliveries, sandbox (docs/campaigns.md)' },
  { name: 'admin: channels', description: 'Channel providers per project (docs/providers.md)' },
  { name: 'admin: messaging', description: 'Korean messaging setup (docs/korean-messaging.md)' },
  { name: 'admin: console', description: 'Web console accounts, sessions, users, audit log (docs/console.md)' },
  { name: 'callbacks', description: 'Provider callbacks' },
  { name: 'tracking', description: 'Email open/click tracking and unsubscribe' },
  { name: 'operations', description: 'Health, readiness, metrics' },
];

export interface AppOptions {
  /** Which HTTP surfaces to serve: everything (api role) or only health and metrics (worker role). */
  surfaces?: 'all' | 'operations';
  /** Called on the new instance before anything is registered (tests install their response check here). */
  instrument?: (app: FastifyInstance) => void;
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
    // Every route validates its request with the schema the document shows: unknown fields are refused, never silently dropped, no
    // value is coerced to another type (D16: stored exactly or refused; query strings are declared as strings),
    // and the first error becomes the core's invalid_input naming the field (schema-errors.ts).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, verbose: true, keywords: [TOO_MANY] } },
    schemaErrorFormatter: schemaErrorFormatter(),
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
  options.instrument?.(app as unknown as FastifyInstance);
  // Response schemas document and (in tests) check the answers; they never reshape them: plain JSON.stringify.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
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
  registerJsonParser(app);
  decodeContentEncoding(app, runtime.config.bodyLimit);
  const addWrongMethodRoutes = answerWrongMethods(app);

  // The worker role serves only health, readiness and metrics: no API reference either.
  // Shared schemas routes refer to by $ref (recursive ones cannot be inlined).
  app.addSchema(AUDIENCE_RULE_SCHEMA);
  if (options.surfaces !== 'operations') {
    await app.register(swagger, {
      // components.schemas named by $id (AudienceRule), not def-0.
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
      openapi: {
        info: {
          title: 'maru',
          version: '0.1.0',
          description:
            'Self-hosted customer data and messaging platform. Speaks the DFINERY, Marketap and Notifly HTTP APIs on one core, plus its own admin API.',
        },
        servers: [{ url: '/', description: 'This maru server' }],
        tags: OPENAPI_TAGS,
        components: {
          securitySchemes: {
            dfineryImportToken: {
              type: 'apiKey',
              in: 'header',
              name: 'access_token',
              description: 'DFINERY Import API token of the project (with ?service_id=)',
            },
            dfineryExportToken: { type: 'http', scheme: 'bearer', description: 'DFINERY Export API token of the project (with ?service_id=)' },
            consoleSession: {
              type: 'apiKey',
              in: 'cookie',
              name: 'maru_session',
              description: 'Web console session (POST /admin/v1/session); state-changing requests also need X-CSRF-Token',
            },
            marketapApiKey: { type: 'http', scheme: 'bearer', description: 'Marketap API key of the project (with ?project_id=)' },
            notiflyToken: {
              type: 'apiKey',
              in: 'header',
              name: 'Authorization',
              description: 'The token from POST /authenticate (valid one hour), bare or as "Bearer <token>"',
            },
            adminToken: { type: 'http', scheme: 'bearer', description: 'Admin token (MARU_ADMIN_TOKEN or `maru admin token`)' },
            metricsToken: { type: 'http', scheme: 'bearer', description: 'MARU_METRICS_TOKEN, when it is set' },
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
    await app.register(adminDeliveryRoutes, { runtime });
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
