import { afterEach, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { addUser, campaignWorld, createCampaign, drain, type CampaignWorld } from '../campaigns/campaign-helpers.ts';
import { adminHeaders, createProject } from '../helpers/app.ts';
import { PROJECT_TABLES } from '../../src/core/projects/project-erasure.repository.ts';
import { runCli } from '../../src/cli/commands.ts';
import { signedIn } from '../helpers/console.ts';

/** Deleting a project (admin API and `maru project delete`) erases every row of it, on SQLite and PostgreSQL. */

let w: CampaignWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

/** Every table with a project_id column, read from the database itself (so a new table cannot be missed). */
async function projectTables(world: CampaignWorld): Promise<string[]> {
  const tables = await world.runtime.store.db.introspection.getTables();
  return tables
    .filter((t) => !t.isView && t.columns.some((c) => c.name === 'project_id'))
    .map((t) => t.name)
    .filter((n) => !/^events_(default|y\d{4}m\d{2})$/.test(n)) // PostgreSQL partitions of events
    .sort();
}

async function rowsOf(world: CampaignWorld, projectId: string): Promise<Record<string, number>> {
  const db = world.runtime.store.db as unknown as Kysely<any>;
  const out: Record<string, number> = {};
  for (const table of await projectTables(world)) {
    const r = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('project_id', '=', projectId)
      .executeTakeFirstOrThrow();
    out[table] = Number(r.n);
  }
  const p = await db
    .selectFrom('projects')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('id', '=', projectId)
    .executeTakeFirstOrThrow();
  out.projects = Number(p.n);
  return out;
}

/** A project with data in as many tables as the public APIs reach: events, profiles, campaigns, deliveries, jobs, ... */
async function populate(world: CampaignWorld, projectId: string, importToken: string): Promise<void> {
  const dfinery = (body: unknown) =>
    world.t.app.inject({ method: 'POST', url: `/api/v1/events?service_id=${projectId}`, headers: { access_token: importToken }, payload: body as object });
  const event = (i: number, name = 'df_login') => ({
    event_log_id: `00000000-0000-4000-8000-00000000000${i}`,
    event_name: name,
    event_datetime: '2025-01-06T00:00:00.000Z',
    event_properties: name === 'df_purchase' ? { df_order_id: 'o1' } : null,
  });
  expect(
    (await dfinery({ common: { identity: { external_id: 'u1', email: 'u1@example.com' } }, events: [event(1), event(2, 'df_purchase')] })).json().status,
  ).toBe(true);
  expect((await dfinery({ common: { identity: { external_id: 'u1' } }, events: [{ ...event(3), event_datetime: 'yesterday' }] })).json().status).toBe(false); // a rejected request
  await world.runtime.events.flush();
  await addUser(world.runtime, projectId, {
    userId: 'alice',
    email: 'alice@example.com',
    devices: [{ deviceId: 'a-phone', platform: 'ios', pushToken: 'tok-alice' }],
  });
  const admin = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, payload?: unknown, headers: Record<string, string> = {}) =>
    world.t.app.inject({
      method,
      url: `/admin/v1/projects/${projectId}${path}`,
      headers: { ...adminHeaders, ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const c = await admin('POST', '/campaigns', {
    name: 'mail',
    channel: 'email',
    consent_class: 'informational',
    template: { subject: 'Hi', text: 'hello' },
    send_time: { type: 'api' },
    status: 'active',
  });
  expect(c.statusCode).toBe(201);
  const campaignId = c.json().campaign.id;
  expect(
    (
      await admin(
        'POST',
        `/campaigns/${campaignId}/send`,
        {
          recipients: [
            { type: 'user-id', userId: 'alice' },
            { type: 'user-id', userId: 'u1' },
          ],
        },
        { 'idempotency-key': 'k1' },
      )
    ).statusCode,
  ).toBe(202);
  expect((await admin('POST', '/audiences', { name: 'all', rule: { property: 'df_gender', op: 'not_exists' } })).statusCode).toBe(201);
  const profile = await world.runtime.profiles.findByIdentifier(projectId, 'external_id', 'alice');
  expect((await admin('PUT', `/profiles/${profile}/consents`, { df_email_ads_optin: true })).statusCode).toBe(200);
  expect((await admin('POST', '/messaging/sender-numbers', { number: '1544-6859' })).statusCode).toBe(201);
  await drain(world);
}

describe('deleting a project', () => {
  it('every table with a project_id column is erased by project deletion (PROJECT_TABLES)', async () => {
    w = await campaignWorld();
    const sqliteOnly = w.runtime.store.dialect === 'sqlite' ? [] : ['event_log'];
    expect([...PROJECT_TABLES].filter((t) => !sqliteOnly.includes(t)).sort()).toEqual((await projectTables(w)).filter((t) => t !== 'projects'));
  });

  it('DELETE /admin/v1/projects/{id} erases all its rows and answers the counts; another project is untouched', async () => {
    w = await campaignWorld();
    const other = await createProject(w.runtime, { name: 'other' });
    await populate(w, w.project.id, w.credentials.import_token);
    await populate(w, other.project.id, other.credentials.import_token);
    const before = await rowsOf(w, w.project.id);
    const otherBefore = await rowsOf(w, other.project.id);
    const filled = Object.entries(before)
      .filter(([, n]) => n > 0)
      .map(([t]) => t);
    // The data reached the tables that matter.
    expect(filled).toEqual(
      expect.arrayContaining([
        'events',
        'event_types',
        'properties',
        'profiles',
        'identifiers',
        'devices',
        'campaigns',
        'deliveries',
        'jobs',
        'audiences',
        'consent_records',
        'credentials',
        'idempotency_keys',
        'rejected_requests',
        'sandbox_outbox',
        'messaging_sender_numbers',
        'audit_log',
        'projects',
      ]),
    );

    const r = await w.t.app.inject({ method: 'DELETE', url: `/admin/v1/projects/${w.project.id}`, headers: adminHeaders });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.deleted).toBe(true);
    expect(body.project_id).toBe(w.project.id);
    for (const t of filled) if (t !== 'audit_log') expect([t, body.rows[t]]).toEqual([t, before[t]]);

    expect(Object.entries(await rowsOf(w, w.project.id)).filter(([, n]) => n > 0)).toEqual([]);
    expect(await rowsOf(w, other.project.id)).toEqual(otherBefore);
    // The project is gone for every face; the audit log keeps one instance-level entry.
    expect((await w.t.app.inject({ method: 'GET', url: `/admin/v1/projects/${w.project.id}`, headers: adminHeaders })).statusCode).toBe(404);
    const dfinery = await w.t.app.inject({
      method: 'POST',
      url: `/api/v1/identities?service_id=${w.project.id}`,
      headers: { access_token: w.credentials.import_token },
      payload: { identity: { external_id: 'u9' } },
    });
    expect(dfinery.json().status).toBe(false);
    const audit = await w.runtime.store.db.selectFrom('audit_log').select(['project_id', 'action', 'target']).where('action', '=', 'project.deleted').execute();
    expect(audit).toEqual([{ project_id: null, action: 'project.deleted', target: `project:${w.project.id}` }]);
    expect((await w.t.app.inject({ method: 'DELETE', url: `/admin/v1/projects/${w.project.id}`, headers: adminHeaders })).statusCode).toBe(404);
  });

  it("needs the instance admin: a project owner's console session is 403 and nothing is deleted", async () => {
    w = await campaignWorld();
    const owner = await signedIn(w.t.app, w.runtime, { email: 'owner@example.com', roles: [{ projectId: w.project.id, role: 'owner' }] });
    const before = await rowsOf(w, w.project.id);
    const r = await owner.request({ method: 'DELETE', url: `/admin/v1/projects/${w.project.id}` });
    expect([r.statusCode, r.json().error.code]).toEqual([403, 'forbidden']);
    expect(await rowsOf(w, w.project.id)).toEqual(before);
    const admin = await signedIn(w.t.app, w.runtime, { email: 'root@example.com', instanceOwner: true });
    expect((await admin.request({ method: 'DELETE', url: `/admin/v1/projects/${w.project.id}` })).statusCode).toBe(200);
    expect((await rowsOf(w, w.project.id)).projects).toBe(0);
  });

  it('maru project delete refuses without --yes and erases with it', async () => {
    w = await campaignWorld();
    await createCampaign(w, { name: 'm', channel: 'email', template: { subject: 'Hi', text: 'x' } });
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      out: (s: string) => out.push(s),
      err: (s: string) => err.push(s),
      env: { ...w.t.storeEnv, MARU_LOG_LEVEL: 'silent', MARU_DATA_DIR: w.t.dataDir },
    };
    const before = await rowsOf(w, w.project.id);

    expect(await runCli(['project', 'delete', w.project.id], io)).toBe(1);
    expect(err.join('')).toContain(`this erases project ${w.project.id} (${w.project.name}) and all its data for good; run again with --yes`);
    expect(await rowsOf(w, w.project.id)).toEqual(before);
    expect(await runCli(['project', 'delete'], io)).toBe(2);
    expect(await runCli(['project', 'delete', 'nope', '--yes'], io)).toBe(1);

    expect(await runCli(['project', 'delete', w.project.id, '--yes', '--json'], io)).toBe(0);
    const printed = JSON.parse(out.join(''));
    expect(printed).toMatchObject({ deleted: true, project_id: w.project.id, rows: { campaigns: 1, projects: 1, credentials: before.credentials } });
    expect(Object.entries(await rowsOf(w, w.project.id)).filter(([, n]) => n > 0)).toEqual([]);
  });
});
