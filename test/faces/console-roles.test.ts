import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sql } from 'kysely';
import { buildTestApp, createProject, type TestApp } from '../helpers/app.ts';
import { signedIn, type ConsoleClient } from '../helpers/console.ts';
import { ROLES, roleGrants, type Permission, type Role } from '../../src/core/accounts/roles.ts';

/**
 * Roles on every admin route (D15): the routes come from the OpenAPI document (every route is in it, with the
 * permission it declares as x-maru-permission), so a new route is covered without editing this file.
 */
let t: TestApp;
let projectId: string;
let otherProjectId: string;
const users = {} as Record<Role, ConsoleClient>;
let routes: { method: string; path: string; permission: Permission | 'public' }[];

beforeAll(async () => {
  t = await buildTestApp();
  projectId = (await createProject(t.runtime)).project.id;
  otherProjectId = (await createProject(t.runtime)).project.id;
  for (const role of ROLES) users[role] = await signedIn(t.app, t.runtime, { email: `${role}@example.com`, roles: [{ projectId, role }] });
  const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json() as {
    paths: Record<string, Record<string, { 'x-maru-permission'?: Permission }>>;
  };
  routes = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (!path.startsWith('/admin/v1')) continue;
    for (const [method, op] of Object.entries(ops)) routes.push({ method: method.toUpperCase(), path, permission: op['x-maru-permission'] as Permission });
  }
}, 120_000);
afterAll(async () => t?.close());

const url = (path: string, project = projectId) => path.replace('{projectId}', project).replace(/\{[^}]+\}/g, 'x1');

/** Every row of every table, except the ones a request touches by itself (the session's last-seen time). */
async function snapshot(): Promise<string> {
  const db = t.runtime.store.db;
  const tables =
    t.runtime.store.dialect === 'sqlite'
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(db)).rows.map(
          (r) => r.name,
        )
      : (
          await sql<{
            name: string;
          }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(
            db,
          )
        ).rows.map((r) => r.name);
  const out: Record<string, unknown[]> = {};
  for (const name of tables) {
    if (name === 'console_sessions') continue;
    out[name] = (await sql`select * from ${sql.table(name)}`.execute(db)).rows.map((r) => JSON.stringify(r)).sort();
  }
  return JSON.stringify(out);
}

describe('roles on every admin route', () => {
  test('every admin route declares a permission, and the owner-only ones are the ones a marketer must not reach', () => {
    expect(routes.length).toBeGreaterThan(50);
    for (const r of routes) expect(r.permission, `${r.method} ${r.path}`).toBeDefined();
    const permissionOf = (method: string, path: string) => routes.find((r) => r.method === method && r.path === path)?.permission;
    // The rules of the issue, spelled out for the routes they name.
    expect(permissionOf('GET', '/admin/v1/projects/{projectId}/credentials')).toBe('project:admin');
    expect(permissionOf('POST', '/admin/v1/projects/{projectId}/credentials/{kind}/reissue')).toBe('project:admin');
    expect(permissionOf('PUT', '/admin/v1/projects/{projectId}/channels/{channel}')).toBe('project:admin');
    expect(permissionOf('DELETE', '/admin/v1/projects/{projectId}/channels/{channel}')).toBe('project:admin');
    expect(permissionOf('GET', '/admin/v1/projects/{projectId}/audit')).toBe('project:admin');
    expect(permissionOf('POST', '/admin/v1/projects/{projectId}/campaigns')).toBe('content:write');
    expect(permissionOf('POST', '/admin/v1/projects/{projectId}/audiences')).toBe('content:write');
    expect(permissionOf('POST', '/admin/v1/projects')).toBe('instance:admin');
    expect(permissionOf('GET', '/admin/v1/projects/{projectId}/campaigns')).toBe('project:read');
  });

  test.each(ROLES)(
    '%s: every call its role does not allow is 403 and changes nothing',
    async (role) => {
      const client = users[role];
      const forbidden = routes.filter((r) => r.permission !== 'public' && r.permission !== 'signed-in' && !roleGrants(role, r.permission as Permission));
      if (role !== 'owner') expect(forbidden.length).toBeGreaterThan(5);
      const before = await snapshot();
      for (const r of forbidden) {
        const res = await client.request({ method: r.method, url: url(r.path), payload: ['GET', 'DELETE'].includes(r.method) ? undefined : {} });
        expect(res.statusCode, `${role} ${r.method} ${r.path}: ${res.body}`).toBe(403);
        expect(res.json().error.code).toBe('forbidden');
      }
      // Nothing at all in another project, where the user has no role.
      for (const r of routes.filter((x) => x.path.includes('{projectId}'))) {
        const res = await client.request({
          method: r.method,
          url: url(r.path, otherProjectId),
          payload: ['GET', 'DELETE'].includes(r.method) ? undefined : {},
        });
        expect(res.statusCode, `${role} ${r.method} ${r.path} in another project`).toBe(403);
      }
      expect(await snapshot()).toBe(before);
    },
    120_000,
  );

  test.each(ROLES)(
    '%s: every call its role allows gets past the guard',
    async (role) => {
      const client = users[role];
      const allowed = routes.filter((r) => r.permission === 'signed-in' || (r.permission !== 'public' && roleGrants(role, r.permission as Permission)));
      for (const r of allowed) {
        if (r.method === 'DELETE' && r.path === '/admin/v1/session') continue; // signs out
        const res = await client.request({ method: r.method, url: url(r.path), payload: ['GET', 'DELETE'].includes(r.method) ? undefined : {} });
        expect([401, 403], `${role} ${r.method} ${r.path}: ${res.statusCode} ${res.body}`).not.toContain(res.statusCode);
      }
    },
    120_000,
  );

  test('without a session or token every guarded route is 401', async () => {
    for (const r of routes.filter((x) => x.permission !== 'public')) {
      const res = await t.app.inject({ method: r.method as 'GET', url: url(r.path) });
      expect(res.statusCode, `${r.method} ${r.path}`).toBe(401);
    }
  });
});
