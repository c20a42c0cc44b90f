import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MaruError, invalid } from '../../core/errors.ts';
import { CREDENTIAL_KINDS, type CredentialKind } from '../../core/credentials/secrets.ts';
import { parsePropertyType, PROPERTY_SCOPES, type PropertyScope } from '../../core/taxonomy/taxonomy.types.ts';
import { IDENTIFIER_TYPES, type IdentifierType } from '../../core/identity/identifiers.ts';
import type { Services } from '../../services.ts';
import { actorOfRequest, guardAdmin, type AdminAuthDeps } from './admin-auth.ts';
import { Type } from '@sinclair/typebox';
import { adminOp, AnyDoc, body, created, gone, Json, ok, ProjectDoc } from './schemas.ts';
import { described, Nullable, Open } from '../shared/openapi.ts';
import { credentialToWire, profileToWire, projectToWire } from './wire.ts';
import { onlyProjectFields } from '../../core/projects/projects.service.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'credentials' | 'profiles' | 'projects' | 'taxonomy'> & AdminAuthDeps;

type P = FastifyRequest<{ Params: { projectId: string } }>;

/**
 * The admin API (JSON): projects, credentials and taxonomy. Authenticated with an admin token:
 * MARU_ADMIN_TOKEN from the configuration, or one created with `maru admin token`.
 */
export async function adminRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;

  guardAdmin(app, runtime);

  const project = async (request: P) => runtime.projects.get(request.params.projectId);
  const tags = ['admin'];

  app.post(
    '/admin/v1/projects',
    adminOp(
      'instance:admin',
      tags,
      'Create a project; its credentials are shown once',
      created(Open({ project_id: Type.String(), project: ProjectDoc, credentials: Json })),
      {
        body: body({ name: Type.String(), timezone: Type.Optional(Type.String()), settings: Type.Optional(Json) }, { name: 'My shop', timezone: 'Asia/Seoul' }),
      },
    ),
    async (request, reply) => {
      const b = (request.body ?? {}) as { name?: unknown; timezone?: unknown; settings?: unknown };
      onlyProjectFields(b);
      const { project: p, credentials } = await runtime.projects.create({ name: b.name, timezone: b.timezone, settings: b.settings }, actorOfRequest(request));
      return reply.status(201).send({ project_id: p.id, project: projectToWire(p), credentials });
    },
  );

  app.get('/admin/v1/projects', adminOp('signed-in', tags, 'List projects', ok(Open({ projects: Type.Array(ProjectDoc) }))), async (request) => {
    const all = await runtime.projects.list();
    const who = request.principal;
    // A console user sees only the projects they have a role in (an instance owner sees all).
    return { projects: (who?.type === 'user' && !who.instanceOwner ? all.filter((p) => who.roles.has(p.id)) : all).map(projectToWire) };
  });

  app.get('/admin/v1/projects/:projectId', adminOp('project:read', tags, 'A project', ok(Open({ project: ProjectDoc }))), async (request: P) => ({
    project: projectToWire(await project(request)),
  }));

  app.patch(
    '/admin/v1/projects/:projectId',
    adminOp('project:admin', tags, 'Change name, timezone or settings', ok(Open({ project: ProjectDoc })), {
      body: body({ name: Type.Optional(Type.String()), timezone: Type.Optional(Type.String()), settings: Type.Optional(Json) }, { name: 'My renamed shop' }),
    }),
    async (request: P) => {
      await project(request);
      return { project: projectToWire(await runtime.projects.update(request.params.projectId, (request.body ?? {}) as object, actorOfRequest(request))) };
    },
  );

  app.delete(
    '/admin/v1/projects/:projectId',
    adminOp(
      'instance:admin',
      tags,
      'Delete a project and all its data (events, profiles, deliveries, campaigns, jobs, credentials, ...); answers the rows deleted per table',
      ok(Open({ deleted: Type.Literal(true), project_id: Type.String(), rows: Type.Record(Type.String(), Type.Integer()) })),
    ),
    async (request: P) => {
      const p = await project(request);
      return { deleted: true, project_id: p.id, rows: await runtime.projects.delete(p.id, actorOfRequest(request)) };
    },
  );

  app.get(
    '/admin/v1/projects/:projectId/credentials',
    adminOp('project:admin', tags, 'Credentials (prefixes only)', ok(Open({ credentials: Type.Array(AnyDoc) }))),
    async (request: P) => {
      const p = await project(request);
      return { credentials: (await runtime.credentials.list(p.id)).map(credentialToWire) };
    },
  );

  app.post(
    '/admin/v1/projects/:projectId/credentials/:kind/reissue',
    adminOp('project:admin', tags, 'Issue a new secret; the old one keeps working for 14 days', ok(Open({ credentials: AnyDoc }))),
    async (request: FastifyRequest<{ Params: { projectId: string; kind: string } }>) => {
      const p = await runtime.projects.get(request.params.projectId);
      const kind = request.params.kind as CredentialKind;
      if (!CREDENTIAL_KINDS.includes(kind) || kind === 'admin') {
        throw invalid('kind', `kind must be one of ${CREDENTIAL_KINDS.filter((k) => k !== 'admin').join(', ')}`);
      }
      return { credentials: await runtime.credentials.reissue(p.id, kind, actorOfRequest(request)) };
    },
  );

  app.get('/admin/v1/projects/:projectId/taxonomy', adminOp('project:read', tags, 'Registered events and properties', ok(AnyDoc)), async (request: P) => {
    const p = await project(request);
    return runtime.taxonomy.list(p.id);
  });

  app.post(
    '/admin/v1/projects/:projectId/taxonomy',
    adminOp('content:write', tags, 'Register a taxonomy document {events, properties}', ok(AnyDoc), {
      body: body({ events: Type.Optional(Type.Array(Type.Unknown())), properties: Type.Optional(Type.Unknown()) }, { events: [{ name: 'purchase' }] }),
    }),
    async (request: P) => {
      const p = await project(request);
      return runtime.taxonomy.apply(p.id, request.body);
    },
  );

  app.post(
    '/admin/v1/projects/:projectId/taxonomy/events',
    adminOp('content:write', tags, 'Register an event', { ...ok(AnyDoc), ...created(AnyDoc) }, { body: body({ name: Type.String() }, { name: 'purchase' }) }),
    async (request: P, reply) => {
      const p = await project(request);
      const r = await runtime.taxonomy.registerEvent(p.id, (request.body as { name?: string } | undefined)?.name as string);
      return reply.status(r.created ? 201 : 200).send(r);
    },
  );

  app.post(
    '/admin/v1/projects/:projectId/taxonomy/properties',
    adminOp(
      'content:write',
      tags,
      'Register a property {scope, name, type}',
      { ...ok(AnyDoc), ...created(AnyDoc) },
      { body: body({ scope: Type.String(), name: Type.String(), type: Type.String() }, { scope: 'user', name: 'tier', type: 'String' }) },
    ),
    async (request: P, reply) => {
      const p = await project(request);
      const b = (request.body ?? {}) as { scope?: string; name?: string; type?: string };
      const type = typeof b.type === 'string' ? parsePropertyType(b.type) : undefined;
      if (!type) throw invalid('type', 'type must be one of String, Long, Double, Boolean, Datetime, Date, Array of String, Array of Long, Array of Double');
      if (!PROPERTY_SCOPES.includes(b.scope as PropertyScope)) throw invalid('scope', `scope must be one of ${PROPERTY_SCOPES.join(', ')}`);
      const r = await runtime.taxonomy.registerProperty({ projectId: p.id, scope: b.scope as PropertyScope, name: b.name as string, type });
      return reply.status(r.created ? 201 : 200).send(r);
    },
  );

  app.get(
    '/admin/v1/projects/:projectId/profiles/:profileId',
    adminOp('project:read', tags, 'A profile by id (absorbed ids resolve to the survivor)', ok(Open({ profile: AnyDoc }))),
    async (request: FastifyRequest<{ Params: { projectId: string; profileId: string } }>) => {
      const p = await runtime.projects.get(request.params.projectId);
      const profile = await runtime.profiles.get(p.id, request.params.profileId);
      if (!profile) throw new MaruError('not_found', 'no such profile');
      return { profile: profileToWire(profile) };
    },
  );

  app.get(
    '/admin/v1/projects/:projectId/profiles',
    adminOp('project:read', tags, 'Find a profile by identifier (?type=&value=)', ok(Open({ profile: AnyDoc }))),
    async (request: FastifyRequest<{ Params: { projectId: string }; Querystring: { type?: string; value?: string } }>) => {
      const p = await runtime.projects.get(request.params.projectId);
      const { type, value } = request.query;
      if (!IDENTIFIER_TYPES.includes(type as IdentifierType)) throw invalid('type', `type must be one of ${IDENTIFIER_TYPES.join(', ')}`);
      if (!value) throw invalid('value', 'value is required');
      const id = await runtime.profiles.findByIdentifier(p.id, type as IdentifierType, value);
      const profile = id ? await runtime.profiles.get(p.id, id) : undefined;
      if (!profile) throw new MaruError('not_found', 'no profile holds this identifier');
      return { profile: profileToWire(profile) };
    },
  );
}
