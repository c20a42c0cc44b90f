import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalid } from '../../core/errors.ts';
import type { Runtime } from '../../runtime.ts';
import { guardAdmin } from './admin-auth.ts';

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
export async function audienceRoutes(app: FastifyInstance, opts: { runtime: Runtime }) {
  const { runtime } = opts;

  guardAdmin(app, runtime);

  const tags = ['admin: audiences'];
  const security: Record<string, string[]>[] = [{ adminToken: [] }, { consoleSession: [] }];
  const base = '/admin/v1/projects/:projectId/audiences';

  app.post(base, { config: { permission: 'content:write' }, schema: { tags, security, summary: 'Create an audience {name, description?, rule}' } }, async (request: P, reply) => {
    const p = await runtime.projects.get(request.params.projectId);
    const b = body(request, ['name', 'description', 'rule']);
    const audience = await runtime.audiences.create(p.id, { name: b.name, description: b.description, rule: b.rule });
    return reply.status(201).send({ audience });
  });

  app.get(base, { config: { permission: 'project:read' }, schema: { tags, security, summary: "A project's audiences" } }, async (request: P) => {
    const p = await runtime.projects.get(request.params.projectId);
    return { audiences: await runtime.audiences.list(p.id) };
  });

  app.post(`${base}/preview`, { config: { permission: 'project:read' }, schema: { tags, security, summary: 'Count and sample of the profiles an unsaved rule selects {rule}' } }, async (request: A) => {
    const p = await runtime.projects.get(request.params.projectId);
    const b = body(request, ['rule']);
    return runtime.audiences.preview(p.id, { rule: b.rule ?? null, sample: sampleSize(request.query.sample) });
  });

  app.get(`${base}/:audienceId`, { config: { permission: 'project:read' }, schema: { tags, security, summary: 'An audience' } }, async (request: A) => {
    const p = await runtime.projects.get(request.params.projectId);
    return { audience: await runtime.audiences.get(p.id, request.params.audienceId) };
  });

  app.patch(`${base}/:audienceId`, { config: { permission: 'content:write' }, schema: { tags, security, summary: 'Change name, description or rule' } }, async (request: A) => {
    const p = await runtime.projects.get(request.params.projectId);
    const b = body(request, ['name', 'description', 'rule']);
    return { audience: await runtime.audiences.update(p.id, request.params.audienceId, b) };
  });

  app.delete(`${base}/:audienceId`, { config: { permission: 'content:write' }, schema: { tags, security, summary: 'Delete an audience' } }, async (request: A, reply) => {
    const p = await runtime.projects.get(request.params.projectId);
    await runtime.audiences.delete(p.id, request.params.audienceId);
    return reply.status(204).send();
  });

  app.post(`${base}/:audienceId/preview`, { config: { permission: 'project:read' }, schema: { tags, security, summary: 'Count and sample (?sample=20) of the profiles it selects now' } }, async (request: A) => {
    const p = await runtime.projects.get(request.params.projectId);
    return runtime.audiences.preview(p.id, { id: request.params.audienceId, sample: sampleSize(request.query.sample) });
  });
}
