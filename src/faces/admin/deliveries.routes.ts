import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { invalid } from '../../core/errors.ts';
import type { Services } from '../../services.ts';
import { guardAdmin, type AdminAuthDeps } from './admin-auth.ts';
import { deliveryToWire } from './campaigns.routes.ts';
import { DeliveryState, ProfileDeliveriesPage } from './deliveries.schemas.ts';
import { adminOp, ok } from './schemas.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'deliveries' | 'projects'> & AdminAuthDeps;

type ProfileDeliveriesRequest = FastifyRequest<{
  Params: { projectId: string; profileId: string };
  Querystring: { state?: string; limit?: string; cursor?: string };
}>;

function limitOf(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 200) throw invalid('limit', 'limit must be a whole number from 1 to 200');
  return n;
}

/**
 * Admin API for deliveries seen from the recipient's side (docs/campaigns.md "Admin API and CLI"): the deliveries to
 * one profile, across campaigns and direct messages, newest first and paged. The campaign-side routes (a campaign's
 * deliveries, one delivery, statistics, the outbox) are in campaigns.routes.ts; their response schemas and this
 * one's are in deliveries.schemas.ts.
 */
export async function adminDeliveryRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;
  guardAdmin(app, runtime);
  const tags = ['admin: campaigns'];

  app.get(
    '/admin/v1/projects/:projectId/profiles/:profileId/deliveries',
    adminOp(
      'project:read',
      tags,
      'Deliveries to a profile (and the profiles merged into it), newest first, paged (?state=&limit=&cursor=)',
      ok(ProfileDeliveriesPage),
      {
        querystring: Type.Object({
          state: Type.Optional(DeliveryState),
          limit: Type.Optional(Type.String({ description: '1 to 200 (default 50)' })),
          cursor: Type.Optional(Type.String({ description: 'the `next` of the previous page' })),
        }),
      },
    ),
    async (request: ProfileDeliveriesRequest) => {
      const p = await runtime.projects.get(request.params.projectId);
      const page = await runtime.deliveries.profilePage(p.id, request.params.profileId, {
        state: request.query.state,
        limit: limitOf(request.query.limit),
        cursor: request.query.cursor,
      });
      return { profile_id: page.profileId, deliveries: page.items.map(deliveryToWire), next: page.next };
    },
  );
}
