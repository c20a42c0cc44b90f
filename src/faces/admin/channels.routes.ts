import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ChannelConfigView } from '../../core/channel-config/channel-config.types.ts';
import type { Services } from '../../services.ts';
import { actorOfRequest, guardAdmin, type AdminAuthDeps } from './admin-auth.ts';
import { Type } from '@sinclair/typebox';
import { adminOp, AnyDoc, body, created, gone, Json, ok, ProjectDoc } from './schemas.ts';
import { described, Nullable, Open } from '../shared/openapi.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'channelConfigs'> & AdminAuthDeps;


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
 * - `DELETE /admin/v1/projects/:id/channels/:channel`: back to the sandbox (204; 404 when none was configured).
 * Secrets are never returned after being set.
 */
export async function adminChannelRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;

  guardAdmin(app, runtime);

  const tags = ['admin: channels'];
  const base = '/admin/v1/projects/:projectId/channels';

  app.get(base, adminOp('project:read', tags, "The project's configured channel providers (secrets shown as \"[set]\")", ok(Open({ channels: Type.Array(AnyDoc) }))), async (request: P) => ({
    channels: (await runtime.channelConfigs.list(request.params.projectId)).map(channelToWire),
  }));

  app.put(
    `${base}/:channel`,
    adminOp('project:admin', tags, 'Configure a channel\'s provider: {"vendor": "fcm", "config": {...}} (credentials are stored encrypted)', ok(Open({ channel: AnyDoc })), { body: body({ vendor: Type.String(), config: Json }, { vendor: 'webhook', config: { url: 'https://hooks.example.com/maru' } }) }),
    async (request: C) => {
      const b = (request.body ?? {}) as { vendor?: unknown; config?: unknown };
      const view = await runtime.channelConfigs.set({ projectId: request.params.projectId, channel: request.params.channel, vendor: b.vendor, config: b.config, actor: actorOfRequest(request) });
      return { channel: channelToWire(view) };
    },
  );

  app.delete(`${base}/:channel`, adminOp('project:admin', tags, 'Remove a channel\'s provider: the channel uses the sandbox again', gone()), async (request: C, reply) => {
    await runtime.channelConfigs.remove(request.params.projectId, request.params.channel, actorOfRequest(request));
    return reply.status(204).send();
  });
}
