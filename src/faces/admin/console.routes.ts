import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { MaruError } from '../../core/errors.ts';
import type { ConsoleUser, Manager } from '../../core/accounts/users.service.ts';
import type { SessionInfo } from '../../core/accounts/sessions.service.ts';
import { ROLES } from '../../core/accounts/roles.ts';
import type { AuditEntry } from '../../core/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import { SESSION_COOKIE, clearSessionCookie, guardAdmin, setSessionCookie, type AdminAuthDeps } from './admin-auth.ts';
import { Cursor, Limit, iso, pageLimit } from './wire.ts';
import { ADMIN_ERRORS, AdminError } from './schemas.ts';
import { described as describedSchema, SECURITY } from '../shared/openapi.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'audit' | 'consoleSessions' | 'projects' | 'users'> & AdminAuthDeps;

/** openapi.ts's `described`, for this file's schemas (built with the type provider's TypeBox). */
const described = <T>(status: number, schema: T, example?: unknown): T => describedSchema(status, schema as never, example) as T;

const RoleAssignment = Type.Object({
  projectId: Type.String({ minLength: 1 }),
  role: Type.Union([Type.Literal('owner'), Type.Literal('marketer'), Type.Literal('viewer')], { description: ROLES.join(' | ') }),
});
const UserWire = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  instanceOwner: Type.Boolean(),
  roles: Type.Array(RoleAssignment),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
const SessionWire = Type.Object({
  user: Type.Object({
    id: Type.String(),
    email: Type.String(),
    name: Type.Optional(Type.String()),
    instanceOwner: Type.Boolean(),
    roles: Type.Array(RoleAssignment),
  }),
  csrfToken: Type.String({ description: 'Send as X-CSRF-Token on every POST/PUT/PATCH/DELETE made with the session cookie' }),
  expiresAt: Type.String({ format: 'date-time', description: 'When the session ends unless used (idle expiry), capped by the absolute expiry' }),
});
const AuditWire = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.Object({ type: Type.String({ description: 'user | admin-token | cli' }), id: Type.Optional(Type.String()), email: Type.Optional(Type.String()) }),
  action: Type.String(),
  target: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
});
const AuditPage = Type.Object({ items: Type.Array(AuditWire), next: Type.Union([Type.String(), Type.Null()]) });

export const userToWire = (u: ConsoleUser) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  instanceOwner: u.instanceOwner,
  roles: u.roles,
  createdAt: iso(u.createdAt),
  updatedAt: iso(u.updatedAt),
});

const sessionToWire = (s: SessionInfo) => ({
  user: { id: s.user.id, email: s.user.email, ...(s.user.name ? { name: s.user.name } : {}), instanceOwner: s.user.instanceOwner, roles: s.user.roles },
  csrfToken: s.csrfToken,
  expiresAt: iso(s.expiresAt),
});

const auditToWire = (e: AuditEntry) => ({ id: e.id, at: iso(e.at), actor: e.actor, action: e.action, target: e.target, details: e.details });

const cursorNumber = (raw: string | undefined): number | undefined => {
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw new MaruError('invalid_input', 'cursor must be the `next` value of the previous page', { field: 'cursor' });
  return Number(raw);
};

/**
 * The console's accounts API (docs/console.md "API used by the console"): first-run setup, sign-in and sign-out,
 * the session, console users and roles, and the audit log. Guarded like every admin route (admin-auth.ts).
 */
export async function consoleRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;
  guardAdmin(app, runtime);
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['admin: console'];
  const security = SECURITY.admin;
  // Every route answers the admin API's errors (admin-auth.ts renders them), whatever its own statuses.
  const answers = <T extends Record<number, unknown>>(success: T) => ({ ...success, ...ADMIN_ERRORS });
  const manager = (request: FastifyRequest): Manager => request.principal ?? { type: 'admin-token' };
  const address = (request: FastifyRequest) => request.ip;

  r.get(
    '/admin/v1/setup',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        security: SECURITY.none,
        summary: 'Whether the install still needs its first console user (setup)',
        response: answers({ 200: described(200, Type.Object({ needed: Type.Boolean() }), { needed: true }) }),
      },
    },
    async () => ({ needed: !(await runtime.users.any()) }),
  );

  r.post(
    '/admin/v1/setup',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        security: SECURITY.none,
        summary: 'Create the first console user (an instance owner) with the setup token from the server log, and sign in',
        body: Type.Object(
          { setupToken: Type.String(), email: Type.String(), password: Type.String(), name: Type.Optional(Type.String()) },
          { examples: [{ setupToken: 'TOKEN_FROM_THE_LOG', email: 'owner@example.com', password: 'a long passphrase', name: 'Owner' }] },
        ),
        response: answers({ 201: described(201, SessionWire) }),
      },
    },
    async (request, reply) => {
      const user = await runtime.users.completeSetup(request.body);
      const { sessionId, info } = await runtime.consoleSessions.create(user.id, { address: address(request), userAgent: request.headers['user-agent'] });
      setSessionCookie(request, reply, sessionId, runtime.consoleSessions.maxAgeMs);
      return reply.status(201).send(sessionToWire(info));
    },
  );

  r.post(
    '/admin/v1/session',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        security: SECURITY.none,
        summary: 'Sign in with email and password; sets the maru_session cookie',
        body: Type.Object({ email: Type.String(), password: Type.String() }, { examples: [{ email: 'owner@example.com', password: 'a long passphrase' }] }),
        response: answers({
          200: described(200, SessionWire),
          429: described(429, AdminError, { error: { code: 'rate_limited', message: 'too many failed sign-ins; try again later' } }),
        }),
      },
    },
    async (request, reply) => {
      const { sessionId, info } = await runtime.consoleSessions.signIn({
        email: request.body.email,
        password: request.body.password,
        address: address(request),
        userAgent: request.headers['user-agent'],
      });
      setSessionCookie(request, reply, sessionId, runtime.consoleSessions.maxAgeMs);
      return sessionToWire(info);
    },
  );

  r.get(
    '/admin/v1/session',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        security: SECURITY.none,
        summary: 'The signed-in user, their roles and the CSRF token',
        response: answers({ 200: described(200, SessionWire) }),
      },
    },
    async (request) => {
      const info = await runtime.consoleSessions.resolve(request.cookies[SESSION_COOKIE]);
      if (!info) throw new MaruError('unauthenticated', 'not signed in, or the session has expired');
      return sessionToWire(info);
    },
  );

  r.delete(
    '/admin/v1/session',
    {
      config: { permission: 'signed-in' },
      schema: { tags, security, summary: 'Sign out: ends the session and clears the cookie', response: answers({ 204: Type.Null() }) },
    },
    async (request, reply) => {
      await runtime.consoleSessions.signOut(request.consoleSession?.id);
      clearSessionCookie(request, reply);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/admin/v1/users',
    {
      config: { permission: 'signed-in' },
      schema: {
        tags,
        security,
        summary: 'Console users: all of them for an instance owner, otherwise those with a role in a project you own',
        querystring: Type.Object({ cursor: Cursor, limit: Limit }),
        response: answers({ 200: Type.Object({ items: Type.Array(UserWire), next: Type.Union([Type.String(), Type.Null()]) }) }),
      },
    },
    async (request) => {
      const page = await runtime.users.list(manager(request), { after: request.query.cursor || undefined, limit: pageLimit(request.query.limit) });
      return { items: page.items.map(userToWire), next: page.next };
    },
  );

  r.post(
    '/admin/v1/users',
    {
      config: { permission: 'signed-in' },
      schema: {
        tags,
        security,
        summary: 'Create a console user with roles in projects you own',
        body: Type.Object(
          {
            email: Type.String(),
            password: Type.String(),
            name: Type.Optional(Type.String()),
            instanceOwner: Type.Optional(Type.Boolean()),
            roles: Type.Optional(Type.Array(RoleAssignment)),
          },
          { examples: [{ email: 'marketer@example.com', password: 'a long passphrase', roles: [{ projectId: 'PROJECT_ID', role: 'marketer' }] }] },
        ),
        response: answers({ 201: Type.Object({ user: UserWire }) }),
      },
    },
    async (request, reply) => reply.status(201).send({ user: userToWire(await runtime.users.create(manager(request), request.body)) }),
  );

  r.get(
    '/admin/v1/users/:userId',
    {
      config: { permission: 'signed-in' },
      schema: {
        tags,
        security,
        summary: 'A console user',
        params: Type.Object({ userId: Type.String() }),
        response: answers({ 200: Type.Object({ user: UserWire }) }),
      },
    },
    async (request) => {
      const page = await runtime.users.visible(manager(request), request.params.userId);
      return { user: userToWire(page) };
    },
  );

  r.patch(
    '/admin/v1/users/:userId',
    {
      config: { permission: 'signed-in' },
      schema: {
        tags,
        security,
        summary: 'Change a user: roles sets a role per listed project, removeRoles removes them; password ends their sessions',
        params: Type.Object({ userId: Type.String() }),
        body: Type.Object(
          {
            password: Type.Optional(Type.String()),
            name: Type.Optional(Type.String()),
            instanceOwner: Type.Optional(Type.Boolean()),
            roles: Type.Optional(Type.Array(RoleAssignment)),
            removeRoles: Type.Optional(Type.Array(Type.String())),
          },
          { examples: [{ roles: [{ projectId: 'PROJECT_ID', role: 'viewer' }] }] },
        ),
        response: answers({ 200: Type.Object({ user: UserWire }) }),
      },
    },
    async (request) => ({ user: userToWire(await runtime.users.update(manager(request), request.params.userId, request.body)) }),
  );

  r.delete(
    '/admin/v1/users/:userId',
    {
      config: { permission: 'signed-in' },
      schema: {
        tags,
        security,
        summary: 'Delete a console user (and end their sessions)',
        params: Type.Object({ userId: Type.String() }),
        response: answers({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await runtime.users.delete(manager(request), request.params.userId);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/admin/v1/projects/:projectId/audit',
    {
      config: { permission: 'project:admin' },
      schema: {
        tags,
        security,
        summary: "The project's audit log, newest first (owners)",
        params: Type.Object({ projectId: Type.String() }),
        querystring: Type.Object({ cursor: Cursor, before: Type.Optional(Type.String({ description: 'same as cursor' })), limit: Limit }),
        response: answers({ 200: AuditPage }),
      },
    },
    async (request) => {
      await runtime.projects.get(request.params.projectId);
      const page = await runtime.audit.list(request.params.projectId, {
        before: cursorNumber(request.query.cursor ?? request.query.before),
        limit: pageLimit(request.query.limit),
      });
      return { items: page.items.map(auditToWire), next: page.next === null ? null : String(page.next) };
    },
  );

  r.get(
    '/admin/v1/audit',
    {
      config: { permission: 'instance:admin' },
      schema: {
        tags,
        security,
        summary: 'The instance-wide audit log (every user and role change, setup), newest first (instance owners)',
        querystring: Type.Object({ cursor: Cursor, before: Type.Optional(Type.String()), limit: Limit }),
        response: answers({ 200: AuditPage }),
      },
    },
    async (request) => {
      const page = await runtime.audit.list(null, {
        before: cursorNumber(request.query.cursor ?? request.query.before),
        limit: pageLimit(request.query.limit),
      });
      return { items: page.items.map(auditToWire), next: page.next === null ? null : String(page.next) };
    },
  );
}
