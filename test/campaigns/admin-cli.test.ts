import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/commands.ts';
import { addUser, campaignWorld, type CampaignWorld } from './campaign-helpers.ts';

let w: CampaignWorld;
afterEach(async () => {
  await w?.close();
});

const PUSH = {
  name: 'welcome',
  channel: 'push',
  consent_class: 'informational',
  template: { title: 'Hi', body: '{{ user["name"] }}님 {{ eventParams.x }}' },
  stats_dimensions: ['region'],
};

describe('admin API: campaigns', () => {
  it('creates, reads, lists, changes and moves a campaign through its statuses', async () => {
    w = await campaignWorld();
    const created = await w.admin('POST', '/campaigns', PUSH);
    expect(created.status).toBe(201);
    const id = created.body.campaign.id;
    expect(created.body.campaign).toEqual({
      id,
      name: 'welcome',
      channel: 'push',
      consent_class: 'informational',
      status: 'draft',
      template: { title: 'Hi', body: '{{ user["name"] }}님 {{ eventParams.x }}' },
      send_time: { type: 'api' },
      stats_dimensions: ['region'],
      created_at: '2025-01-06T01:00:00.000Z',
      updated_at: '2025-01-06T01:00:00.000Z',
    });
    expect((await w.admin('GET', `/campaigns/${id}`)).body.campaign).toEqual(created.body.campaign);
    expect((await w.admin('GET', '/campaigns')).body.campaigns.map((c: any) => c.id)).toEqual([id]);

    w.clock.advance(1000);
    const patched = await w.admin('PATCH', `/campaigns/${id}`, { template: { title: 'Hello', body: 'b' }, noisy_window_seconds: 600 });
    expect(patched.status).toBe(200);
    expect(patched.body.campaign).toMatchObject({ template: { title: 'Hello', body: 'b' }, noisy_window_seconds: 600, updated_at: '2025-01-06T01:00:01.000Z' });

    expect((await w.admin('POST', `/campaigns/${id}/status`, { status: 'paused' })).status).toBe(409);
    expect((await w.admin('POST', `/campaigns/${id}/status`, { status: 'active' })).body.campaign.status).toBe('active');
    const channel = await w.admin('PATCH', `/campaigns/${id}`, { channel: 'email' });
    expect(channel.status).toBe(400);
    expect(channel.body.error.field).toBe('channel');
    expect((await w.admin('GET', '/campaigns?status=active')).body.campaigns).toHaveLength(1);
    expect((await w.admin('POST', `/campaigns/${id}/status`, { status: 'archived' })).body.campaign.status).toBe('archived');
    const revive = await w.admin('POST', `/campaigns/${id}/status`, { status: 'active' });
    expect(revive.status).toBe(409);
    expect(revive.body.error).toEqual({ code: 'conflict', message: 'the campaign is archived and cannot become active (allowed: none)', field: 'status' });
    expect((await w.admin('GET', `/campaigns/nope`)).status).toBe(404);
  });

  it('rejects bad documents naming the field, and stores nothing', async () => {
    w = await campaignWorld();
    const cases: [Record<string, unknown>, string][] = [
      [{ ...PUSH, id: 'mine' }, 'id'],
      [{ ...PUSH, project_id: 'x' }, 'project_id'],
      [{ ...PUSH, channel: 'fax' }, 'channel'],
      [{ ...PUSH, consent_class: undefined }, 'consent_class'],
      [{ ...PUSH, template: { title: 't' } }, 'template.body'],
      [{ ...PUSH, template: { title: 't', body: 'b', sound: 'x' } }, 'template.sound'],
      [{ ...PUSH, send_time: { type: 'event' } }, 'send_time.event'],
      [{ ...PUSH, send_time: { type: 'event', event: 'a', conditions: [{ param: 'p', op: 'gt', value: 'x' }] } }, 'send_time.conditions[0].value'],
      [{ ...PUSH, send_time: { type: 'scheduled', at: '2025-01-06 09:00:00' } }, 'send_time.at'],
      [{ ...PUSH, stats_dimensions: ['ok', 'bad name'] }, 'stats_dimensions[1]'],
      [{ ...PUSH, quiet_hours: { start: '9am', end: '10:00' } }, 'quiet_hours.start'],
      [{ ...PUSH, status: 'paused' }, 'status'],
      [{ name: 'k', channel: 'kakao_alimtalk', consent_class: 'advertising', template: { template_code: 'T', content: 'x' } }, 'consent_class'],
      [
        {
          name: 'k',
          channel: 'kakao_alimtalk',
          consent_class: 'informational',
          template: { template_code: 'T', content: '#{a} #{b}', parameters: { a: 'x' } },
        },
        'template.parameters',
      ],
      [{ name: 'e', channel: 'email', consent_class: 'informational', template: { subject: 's' } }, 'template.html'],
    ];
    for (const [doc, field] of cases) {
      const r = await w.admin('POST', '/campaigns', doc);
      expect(r.status, JSON.stringify(doc)).toBe(400);
      expect(r.body.error.field, JSON.stringify(r.body)).toBe(field);
    }
    expect((await w.admin('GET', '/campaigns')).body.campaigns).toEqual([]);
    const unauth = await w.t.app.inject({ method: 'GET', url: `/admin/v1/projects/${w.project.id}/campaigns` });
    expect(unauth.statusCode).toBe(401);
  });

  it('previews against a real profile (by id or identifier) and sample parameters, and reports a rendering failure', async () => {
    w = await campaignWorld();
    const profileId = await addUser(w.runtime, w.project.id, { userId: 'kim', properties: { name: '김민수' } });
    const id = (await w.admin('POST', '/campaigns', PUSH)).body.campaign.id;
    expect((await w.admin('POST', `/campaigns/${id}/preview`, { profile_id: profileId, event_params: { x: 1 } })).body).toEqual({
      ok: true,
      profile_id: profileId,
      message: { title: 'Hi', body: '김민수님 1' },
    });
    expect((await w.admin('POST', `/campaigns/${id}/preview`, { identifier: { type: 'external_id', value: 'kim' } })).body.message.body).toBe('김민수님 ');
    expect((await w.admin('POST', `/campaigns/${id}/preview`, {})).body).toEqual({ ok: true, profile_id: null, message: { title: 'Hi', body: '님 ' } });
    expect((await w.admin('POST', `/campaigns/${id}/preview`, { identifier: { type: 'external_id', value: 'nobody' } })).status).toBe(404);

    await w.admin('PATCH', `/campaigns/${id}`, { template: { title: 'x', body: '{% render "nope" %}' } });
    expect((await w.admin('POST', `/campaigns/${id}/preview`, { profile_id: profileId })).body).toMatchObject({
      ok: false,
      profile_id: profileId,
      rendering_failure: { field: 'template.body' },
    });
  });
});

describe('maru campaign ... (CLI)', () => {
  it('creates, lists, previews and activates a campaign on a data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maru-cli-'));
    try {
      w = await campaignWorld({ dataDir: dir });
      await addUser(w.runtime, w.project.id, { userId: 'kim', properties: { name: '김' } });
      const file = join(dir, 'campaign.json');
      writeFileSync(file, JSON.stringify(PUSH));
      const run = async (...argv: string[]) => {
        let out = '';
        let err = '';
        const code = await runCli([...argv, '--data-dir', dir], {
          out: (t) => (out += t),
          err: (t) => (err += t),
          env: { MARU_LOG_LEVEL: 'silent', ...w.t.storeEnv },
        });
        return { code, out, err };
      };
      const created = await run('campaign', 'create', '--project', w.project.id, '--file', file, '--json');
      expect(created.code).toBe(0);
      const id = JSON.parse(created.out).campaign.id;
      const listed = await run('campaign', 'list', '--project', w.project.id);
      expect(listed.out).toBe(`${id}  draft    push           api       welcome\n`);
      const preview = await run('campaign', 'preview', '--project', w.project.id, '--campaign', id, '--user-id', 'kim', '--params', '{"x":"!"}');
      expect(preview.code).toBe(0);
      expect(JSON.parse(preview.out).message).toEqual({ title: 'Hi', body: '김님 !' });
      expect((await run('campaign', 'activate', '--project', w.project.id, '--campaign', id)).out).toBe(`campaign ${id} is active\n`);
      expect((await w.admin('GET', `/campaigns/${id}`)).body.campaign.status).toBe('active');
      const bad = await run('campaign', 'create', '--project', w.project.id, '--file', join(dir, 'missing.json'));
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/cannot read .*missing\.json/);
    } finally {
      await w.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
