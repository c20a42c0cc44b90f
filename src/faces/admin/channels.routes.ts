import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ChannelConfigView } from '../../core/channel-config/channel-config.types.ts';
import type { Services } from '../../services.ts';
import { actorOfRequest, guardAdmin, type AdminAuthDeps } from './admin-auth.ts';
import { Type } from '@sinclair/typebox';
import { adminOp, body, gone, Json, ok } from './schemas.ts';
import { Open } from '../shared/openapi.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'channelConfigs' | 'channelTests'> & AdminAuthDeps;

type P = FastifyRequest<{ Params: { projectId: string } }>;
type C = FastifyRequest<{ Params: { projectId: string; channel: string } }>;

export const channelToWire = (v: ChannelConfigView) => ({
  channel: v.channel,
  vendor: v.vendor,
  config: v.config,
  configured_at: new Date(v.configuredAt).toISOString(),
  readable: v.readable,
});

/**
 * Admin API for a project's channel providers (docs/providers.md "Configuring a project's channels"):
 * - `PUT /admin/v1/projects/:id/channels/:channel` `{vendor, config}`: checked by building the provider (400 naming
 *   `config.<field>`), stored sealed with MARU_SECRET_KEY; answers what GET shows;
 * - `GET /admin/v1/projects/:id/channels`: vendor, non-secret fields (secrets as `"[set]"`), `configured_at`;
 * - `DELETE /admin/v1/projects/:id/channels/:channel`: back to the sandbox (204; 404 when none was configured);
 * - `POST /admin/v1/projects/:id/channels/:channel/test` `{to, platform?}`: one test message through the channel's
 *   provider (or the sandbox), answered with its outcome (docs/providers.md "Testing a channel").
 * Secrets are never returned after being set.
 */
export async function adminChannelRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;

  guardAdmin(app, runtime);

  const tags = ['admin: channels'];
  /** A configured channel as GET and PUT answer it (channelToWire): secrets as "[set]", never their values. */
  const ChannelDoc = Type.Object({
    channel: Type.String(),
    vendor: Type.String(),
    config: Json,
    configured_at: Type.String({ format: 'date-time' }),
    readable: Type.Boolean({ description: "false when the stored config cannot be opened with this server's MARU_SECRET_KEY" }),
  });
  const base = '/admin/v1/projects/:projectId/channels';

  app.get(
    base,
    adminOp('project:read', tags, 'The project\'s configured channel providers (secrets shown as "[set]")', ok(Open({ channels: Type.Array(ChannelDoc) }))),
    async (request: P) => ({
      channels: (await runtime.channelConfigs.list(request.params.projectId)).map(channelToWire),
    }),
  );

  app.put(
    `${base}/:channel`,
    adminOp(
      'project:admin',
      tags,
      'Configure a channel\'s provider: {"vendor": "fcm", "config": {...}} (credentials are stored encrypted)',
      ok(Open({ channel: ChannelDoc })),
      { body: body({ vendor: Type.String(), config: Json }, { vendor: 'webhook', config: { url: 'https://hooks.example.com/maru' } }) },
    ),
    async (request: C) => {
      const b = (request.body ?? {}) as { vendor?: unknown; config?: unknown };
      const view = await runtime.channelConfigs.set({
        projectId: request.params.projectId,
        channel: request.params.channel,
        vendor: b.vendor,
        config: b.config,
        actor: actorOfRequest(request),
      });
      return { channel: channelToWire(view) };
    },
  );

  const TestResult = Type.Object(
    {
      ok: Type.Boolean({ description: 'Whether the provider accepted the message' }),
      retryable: Type.Boolean({ description: 'When refused: whether trying again may succeed' }),
      vendor: Type.String({ description: 'The vendor it went through (sandbox when the channel has none)' }),
      providerMessageId: Type.Optional(Type.String()),
      reason: Type.Optional(Type.String({ description: "The vendor's reason when it refused" })),
      idempotencyKey: Type.String({ description: 'test:<uuid>; the sandbox outbox lists it' }),
    },
    { additionalProperties: false },
  );
  app.post(
    `${base}/:channel/test`,
    adminOp(
      'project:admin',
      tags,
      "Send one test message through the channel's provider to one recipient (email address, phone number, push token or Web Push subscription JSON); answers the outcome",
      ok(TestResult, { ok: true, retryable: false, vendor: 'smtp', providerMessageId: '<test@maru>', idempotencyKey: 'test:01937a4e-...' }),
      {
        body: body(
          {
            to: Type.String({ description: 'Email address, phone number (text message, Kakao), device token (push) or Web Push subscription JSON' }),
            platform: Type.Optional(Type.String({ description: 'push: android (default) or ios' })),
          },
          { to: 'me@example.com' },
        ),
      },
    ),
    async (request: C) => {
      const b = (request.body ?? {}) as { to?: unknown; platform?: unknown };
      return runtime.channelTests.send({
        projectId: request.params.projectId,
        channel: request.params.channel,
        to: b.to,
        platform: b.platform,
        actor: actorOfRequest(request),
      });
    },
  );

  app.delete(
    `${base}/:channel`,
    adminOp('project:admin', tags, "Remove a channel's provider: the channel uses the sandbox again", gone()),
    async (request: C, reply) => {
      await runtime.channelConfigs.remove(request.params.projectId, request.params.channel, actorOfRequest(request));
      return reply.status(204).send();
    },
  );
}
