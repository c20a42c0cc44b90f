import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalid } from '../../core/errors.ts';
import type { Services } from '../../services.ts';
import { guardAdmin, type AdminAuthDeps } from './admin-auth.ts';
import { Type } from '@sinclair/typebox';
import { adminOp, AudienceRuleRef, body as bodySchema, created, gone, ok } from './schemas.ts';
import { audienceToWire } from './wire.ts';
import { Nullable, Open } from '../shared/openapi.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'audiences' | 'projects'> & AdminAuthDeps;

type P = FastifyRequest<{ Params: { projectId: string } }>;
type A = FastifyRequest<{ Params: { projectId: string; audienceId: string }; Querystring: { sample?: string } }>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function body(request: FastifyRequest, allowed: string[]): Record<string, unknown> {
  const b = request.body ?? {};
  if (!isObject(b)) throw invalid('body', 'the body must be a JSON object');
  for (const k of Object.keys(b)) if (!allowed.includes(k)) throw invalid(k, `${k} is not a field of an audience (${allowed.join(', ')})`);
  return b;
}

function sampleSize(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isInteger(n)) throw invalid('sample', 'sample must be a whole number');
  return n;
}

/**
 * Admin API for audiences (docs/audiences.md): saved rules selecting a project's profiles, with short ids that
 * exports take as `audience`. Same authentication and error shape as the rest of the admin API.
 */
/** An audience as the routes answer it (src/core/audiences/audiences.types.ts Audience). */
const AudienceDoc = Open({
  id: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  rule: AudienceRuleRef,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
const PreviewDoc = Open({ count: Type.Integer(), sample: Type.Array(Type.String(), { description: 'Profile ids (df_unified_id), in id order' }) });

export async function audienceRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;

  guardAdmin(app, runtime);

  const tags = ['admin: audiences'];
  const base = '/admin/v1/projects/:projectId/audiences';

  app.post(
    base,
    adminOp('content:write', tags, 'Create an audience {name, description?, rule}', created(Open({ audience: AudienceDoc })), {
      body: bodySchema(
        { name: Type.String(), description: Type.Optional(Nullable(Type.String())), rule: AudienceRuleRef },
        { name: 'VIP', rule: { property: 'tier', op: 'equals', value: 'gold' } },
      ),
    }),
    async (request: P, reply) => {
      const p = await runtime.projects.get(request.params.projectId);
      const b = body(request, ['name', 'description', 'rule']);
      const audience = await runtime.audiences.create(p.id, { name: b.name, description: b.description, rule: b.rule });
      return reply.status(201).send({ audience: audienceToWire(audience) });
    },
  );

  app.get(base, adminOp('project:read', tags, "A project's audiences", ok(Open({ audiences: Type.Array(AudienceDoc) }))), async (request: P) => {
    const p = await runtime.projects.get(request.params.projectId);
    return { audiences: (await runtime.audiences.list(p.id)).map(audienceToWire) };
  });

  app.post(
    `${base}/preview`,
    adminOp('project:read', tags, 'Count and sample of the profiles an unsaved rule selects {rule}', ok(PreviewDoc), {
      body: bodySchema({ rule: AudienceRuleRef }, { rule: { property: 'tier', op: 'equals', value: 'gold' } }),
    }),
    async (request: A) => {
      const p = await runtime.projects.get(request.params.projectId);
      const b = body(request, ['rule']);
      return runtime.audiences.preview(p.id, { rule: b.rule ?? null, sample: sampleSize(request.query.sample) });
    },
  );

  app.get(`${base}/:audienceId`, adminOp('project:read', tags, 'An audience', ok(Open({ audience: AudienceDoc }))), async (request: A) => {
    const p = await runtime.projects.get(request.params.projectId);
    return { audience: audienceToWire(await runtime.audiences.get(p.id, request.params.audienceId)) };
  });

  app.patch(
    `${base}/:audienceId`,
    adminOp('content:write', tags, 'Change name, description or rule', ok(Open({ audience: AudienceDoc })), {
      body: bodySchema(
        { name: Type.Optional(Type.String()), description: Type.Optional(Nullable(Type.String())), rule: Type.Optional(AudienceRuleRef) },
        { name: 'VIP customers' },
      ),
    }),
    async (request: A) => {
      const p = await runtime.projects.get(request.params.projectId);
      const b = body(request, ['name', 'description', 'rule']);
      return { audience: audienceToWire(await runtime.audiences.update(p.id, request.params.audienceId, b)) };
    },
  );

  app.delete(`${base}/:audienceId`, adminOp('content:write', tags, 'Delete an audience', gone()), async (request: A, reply) => {
    const p = await runtime.projects.get(request.params.projectId);
    await runtime.audiences.delete(p.id, request.params.audienceId);
    return reply.status(204).send();
  });

  app.post(
    `${base}/:audienceId/preview`,
    adminOp('project:read', tags, 'Count and sample (?sample=20) of the profiles it selects now', ok(PreviewDoc)),
    async (request: A) => {
      const p = await runtime.projects.get(request.params.projectId);
      return runtime.audiences.preview(p.id, { id: request.params.audienceId, sample: sampleSize(request.query.sample) });
    },
  );
}
