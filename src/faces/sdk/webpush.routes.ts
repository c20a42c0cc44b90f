import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MaruError, invalid } from '../../core/errors.ts';
import type { Project } from '../../core/projects/projects.types.ts';
import type { Services } from '../../services.ts';
import { Type, type Static } from '@sinclair/typebox';
import { described, errorResponses, noContent, Nullable, SECURITY } from '../shared/openapi.ts';
import { AdminError } from '../admin/schemas.ts';
import { adminError } from '../admin/admin-auth.ts';
import { bearer, setRateLimitHeaders, toMaruError } from '../shared/http-errors.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'credentials' | 'projects' | 'rateLimiter' | 'sdk'>;

type Q = FastifyRequest<{ Querystring: { project_id?: unknown } }>;

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'content-type, authorization',
  'Access-Control-Max-Age': '600',
};

const tags = ['SDK'];
const querystring = Type.Object({ project_id: Type.String() });
/** Request bodies, declared once: Fastify validates with them; the subscription's values are SdkService's to check. */
const Subscription = Type.Object(
  {
    endpoint: Type.String({ description: "The push service's https URL (PushSubscription.endpoint)" }),
    keys: Type.Object({ p256dh: Type.String(), auth: Type.String() }, { additionalProperties: false }),
    expirationTime: Type.Optional(Nullable(Type.Number())),
  },
  { additionalProperties: false },
);
const RegisterBody = Type.Object(
  {
    device_id: Type.String(),
    user_id: Type.Optional(Nullable(Type.Union([Type.String(), Type.Integer()], { description: "Only with the project's API key" }))),
    subscription: Subscription,
    properties: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown()))),
  },
  {
    additionalProperties: false,
    examples: [{ device_id: 'browser-1', subscription: { endpoint: 'https://push.example.com/send/abc', keys: { p256dh: 'BNc…', auth: 'tBH…' } } }],
  },
);
const RemoveBody = Type.Object({ device_id: Type.String() }, { additionalProperties: false, examples: [{ device_id: 'browser-1' }] });

declare module 'fastify' {
  interface FastifyRequest {
    sdkProject?: Project;
    sdkTrusted?: boolean;
  }
}
const SDK_ERRORS = errorResponses(
  AdminError,
  [400, 401, 403, 404, 409, 413, 415, 429, 500, 503],
  (st) =>
    adminError(
      new MaruError(
        (
          {
            400: 'invalid_input',
            401: 'unauthenticated',
            403: 'forbidden',
            404: 'not_found',
            409: 'conflict',
            413: 'payload_too_large',
            415: 'unsupported_media_type',
            429: 'rate_limited',
            500: 'internal',
            503: 'unavailable',
          } as const
        )[st as 400],
        'see docs/providers.md',
      ),
    ).body,
);
/** The Marketap API key is optional here: with it, user_id may link the device to a user. */
const optionalApiKey = [{}, ...SECURITY.marketap];

/**
 * Endpoints for client SDKs (docs/providers.md "Web push subscriptions from SDKs"), called from browsers (CORS open):
 * - `GET /sdk/v1/webpush/vapid-public-key?project_id=`: public; the key browsers subscribe with.
 * - `POST /sdk/v1/webpush/subscriptions?project_id=` `{device_id, user_id?, subscription, properties?}`: registers a
 *   browser's subscription on a web device. `Authorization: Bearer <the project's Marketap API key>` is optional; only
 *   with it may `user_id` link the device to a user (see SdkService).
 * - `DELETE /sdk/v1/webpush/subscriptions?project_id=` `{device_id}`: the browser unsubscribed.
 * Errors are `{error: {code, message, field?}}` with the core code's status. Requests count against the project's
 * `project_requests` limit (after authentication; a failed one costs nothing).
 */
export async function sdkWebPushRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;

  app.setErrorHandler((err, request, reply) => {
    const { status, body } = adminError(toMaruError(err, request.log));
    return reply.status(status).headers(CORS).send(body);
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.headers(CORS);
  });

  app.options('/sdk/v1/*', { schema: { hide: true } }, async (_request, reply) => reply.status(204).headers(CORS).send());

  const projectOf = async (request: Q): Promise<Project> => {
    const id = request.query.project_id;
    if (typeof id !== 'string' || id === '') throw invalid('project_id', 'the project_id query parameter is required');
    const project = await runtime.projects.find(id);
    if (!project) throw new MaruError('not_found', 'unknown project', { field: 'project_id' });
    return project;
  };

  /** Whether the caller presented the project's API key; a wrong one is a 401, none is anonymous. */
  const trusted = async (request: FastifyRequest, project: Project): Promise<boolean> => {
    const token = bearer(request.headers.authorization);
    if (token === undefined) return false;
    await runtime.credentials.require(token, { kinds: ['api-key'], projectId: project.id });
    return true;
  };

  const limit = async (project: Project, reply: Parameters<typeof setRateLimitHeaders>[0]) => {
    const d = await runtime.rateLimiter.check({ project, policy: 'project_requests' });
    setRateLimitHeaders(reply, d);
    if (!d.allowed) throw new MaruError('rate_limited', 'too many requests; retry after the time in Retry-After', { retryAfterMs: d.retryAfterMs });
  };

  // The project, the optional API key (a wrong one is a 401) and the limit, before the body's schema is checked.
  app.addHook('preValidation', async (request: Q, reply) => {
    if (request.method === 'OPTIONS') return;
    const project = await projectOf(request);
    request.sdkTrusted = await trusted(request, project);
    await limit(project, reply);
    request.sdkProject = project;
  });

  app.get(
    '/sdk/v1/webpush/vapid-public-key',
    {
      schema: {
        tags,
        security: SECURITY.none,
        summary: "The project's VAPID public key (applicationServerKey for pushManager.subscribe)",
        querystring,
        response: {
          200: described(200, Type.Object({ project_id: Type.String(), public_key: Type.String() }, { additionalProperties: false }), {
            project_id: 'PROJECT_ID',
            public_key: 'BEl62iUYgUivxIkv69yViEuiBIa…',
          }),
          ...SDK_ERRORS,
        },
      },
    },
    async (request: Q, reply) => {
      const project = request.sdkProject!;
      const key = await runtime.sdk.vapidPublicKey(project.id);
      return reply.header('Cache-Control', 'public, max-age=300').send({ project_id: project.id, public_key: key });
    },
  );

  app.post(
    '/sdk/v1/webpush/subscriptions',
    {
      schema: {
        tags,
        summary: "Register a browser's Web Push subscription on a web device (user_id only with the project's API key)",
        security: optionalApiKey,
        querystring,
        body: RegisterBody,
        response: {
          200: described(200, Type.Object({ device_id: Type.String(), profile_id: Type.Optional(Nullable(Type.String())) }, { additionalProperties: false }), {
            device_id: 'browser-1',
          }),
          ...SDK_ERRORS,
        },
      },
    },
    async (request: Q) => {
      const project = request.sdkProject!;
      const isTrusted = request.sdkTrusted === true;
      const b = request.body as Static<typeof RegisterBody>;
      const r = await runtime.sdk.registerWebPush({
        project,
        trusted: isTrusted,
        deviceId: b.device_id,
        userId: b.user_id,
        subscription: b.subscription,
        properties: b.properties,
      });
      return { device_id: r.deviceId, ...(isTrusted ? { profile_id: r.profileId } : {}) };
    },
  );

  app.delete(
    '/sdk/v1/webpush/subscriptions',
    {
      schema: {
        tags,
        security: optionalApiKey,
        summary: "Remove a web device's Web Push subscription",
        querystring,
        body: RemoveBody,
        response: { 204: noContent('Removed'), ...SDK_ERRORS },
      },
    },
    async (request: Q, reply) => {
      const b = request.body as Static<typeof RemoveBody>;
      await runtime.sdk.removeWebPush({ project: request.sdkProject!, trusted: request.sdkTrusted === true, deviceId: b.device_id });
      return reply.status(204).send();
    },
  );
}
