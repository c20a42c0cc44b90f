import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { CONSENT_NOTICE_QUEUE } from '../../src/core/consent/consent.service.ts';
import { addUser, campaignWorld, createCampaign, deliveriesOf, drain, outboxOf, totals, type CampaignWorld } from './campaign-helpers.ts';

/**
 * Korean advertising law on every channel (issue 19; docs/korean-messaging.md "Advertising"): campaigns are sent
 * through the public APIs and the exact messages that reached the provider (the sandbox outbox) are read back.
 */
let w: CampaignWorld;
afterEach(async () => {
  await w?.close();
});

const send = async (campaignId: string, body: unknown) => {
  const r = await w.notifly('POST', `/campaign/${w.project.id}/${campaignId}/send`, body);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
};
const users = (...ids: string[]) => ({ recipients: ids.map((userId) => ({ userId })) });
const sub = (n: string) => ({ endpoint: `https://push.example/${n}`, keys: { p256dh: `p-${n}`, auth: `a-${n}` } });
const ALL_CONSENTS = { df_push_ads_optin: true, df_sms_ads_optin: true, df_email_ads_optin: true, df_push_night_ads_optin: true, df_sms_night_ads_optin: true };

async function everyone(userId: string, properties: Record<string, unknown>) {
  await addUser(w.runtime, w.project.id, {
    userId,
    phone: `010${String(10_000_000 + Math.floor(Math.random() * 89_999_999)).slice(0, 8)}`,
    email: `${userId}@example.com`,
    properties,
    devices: [
      { deviceId: `${userId}-a`, platform: 'android', pushToken: `tok-${userId}` },
      { deviceId: `${userId}-w`, platform: 'web', webPush: sub(userId) },
    ],
  });
}

describe('advertising campaigns on every channel', () => {
  it('carry (광고), the sender name and the opt-out on push, web push, text and email; informational ones are untouched', async () => {
    w = await campaignWorld({
      settings: { advertising: { senderName: '마루샵', optOutNumber: '080-123-4567', contact: '02-555-0100', pushOptOut: '수신거부: 설정 > 알림' } },
    });
    await everyone('kim', ALL_CONSENTS);
    const push = { title: '봄 세일', body: '50% 할인' };
    const ids = {
      push: await createCampaign(w, { name: 'p', channel: 'push', consent_class: 'advertising', template: push }),
      web: await createCampaign(w, { name: 'w', channel: 'web_push', consent_class: 'advertising', template: push }),
      text: await createCampaign(w, {
        name: 't',
        channel: 'text_message',
        consent_class: 'advertising',
        template: { kind: 'lms', title: '세일', body: '봄 세일 50% 할인', from: '15446859' },
      }),
      email: await createCampaign(w, { name: 'e', channel: 'email', consent_class: 'advertising', template: { subject: '봄 세일', text: '50% 할인' } }),
      info: await createCampaign(w, { name: 'i', channel: 'push', consent_class: 'informational', template: { title: '배송', body: '출발했습니다' } }),
    };
    for (const id of Object.values(ids)) await send(id, users('kim'));
    await drain(w);
    const only = async (id: string) => {
      const out = await outboxOf(w, id);
      expect(out).toHaveLength(1);
      return out[0].message;
    };
    expect(await only(ids.push)).toMatchObject({ title: '(광고) 마루샵 봄 세일', body: '50% 할인\n문의 02-555-0100\n수신거부: 설정 > 알림' });
    expect(await only(ids.web)).toMatchObject({ title: '(광고) 마루샵 봄 세일', body: '50% 할인\n문의 02-555-0100\n수신거부: 설정 > 알림' });
    expect(await only(ids.text)).toMatchObject({
      kind: 'lms',
      title: '세일',
      body: '(광고) 마루샵 봄 세일 50% 할인\n문의 02-555-0100\n무료수신거부 080-123-4567',
    });
    const email = await only(ids.email);
    expect(email.subject).toBe('(광고) 봄 세일');
    expect(email.text).toMatch(/^50% 할인\n마루샵 · 02-555-0100\n수신거부\(Unsubscribe\): https?:\/\/[^/]+\/u\/\S+$/);
    expect(email.headers['List-Unsubscribe']).toMatch(/\/u\//);
    expect(await only(ids.info)).toMatchObject({ title: '배송', body: '출발했습니다' });
  });

  it('refuses a campaign whose marked text no longer fits its kind, or an advertising text campaign without an 080 number, naming the field', async () => {
    w = await campaignWorld();
    const tooLong = await w.admin('POST', '/campaigns', {
      name: 't',
      channel: 'text_message',
      consent_class: 'advertising',
      template: { kind: 'sms', body: '가'.repeat(26) },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.field).toBe('template.body');
    expect(tooLong.body.error.message).toMatch(/^template\.body is 92 bytes once marked as advertising .*SMS allows at most 90 bytes/);
    expect(
      (
        await w.admin('POST', '/campaigns', {
          name: 't',
          channel: 'text_message',
          consent_class: 'advertising',
          template: { kind: 'sms', body: '가'.repeat(25) },
        })
      ).status,
    ).toBe(201);
    // The same body as informational: no marking, fits.
    expect(
      (
        await w.admin('POST', '/campaigns', {
          name: 't',
          channel: 'text_message',
          consent_class: 'informational',
          template: { kind: 'sms', body: '가'.repeat(45) },
        })
      ).status,
    ).toBe(201);
    expect((await w.admin('PUT', '/messaging/advertising', { optOutNumber: null })).status).toBe(200);
    const no080 = await w.admin('POST', '/campaigns', {
      name: 't',
      channel: 'text_message',
      consent_class: 'advertising',
      template: { kind: 'lms', body: 'x' },
    });
    expect([no080.status, no080.body.error.field]).toEqual([400, 'advertising.optOutNumber']);
    const bad = await w.admin('PUT', '/messaging/advertising', { optOutNumber: '02-123-4567' });
    expect([bad.status, bad.body.error.field]).toEqual([400, 'advertising.optOutNumber']);
  });

  it('night-time advertising without night consent: skipped by default, held until 08:00 when the campaign says so, counted once', async () => {
    w = await campaignWorld({ start: '2025-01-06T13:30:00.000Z' }); // 22:30 KST
    await everyone('day', { df_push_ads_optin: true, df_email_ads_optin: true });
    const skip = await createCampaign(w, { name: 's', channel: 'push', consent_class: 'advertising', template: { title: 'a', body: 'b' } });
    const hold = await createCampaign(w, { name: 'h', channel: 'push', consent_class: 'advertising', night_ads: 'hold', template: { title: 'a', body: 'b' } });
    const email = await createCampaign(w, { name: 'e', channel: 'email', consent_class: 'advertising', template: { subject: 's', text: 't' } });
    await send(skip, users('day'));
    await send(hold, users('day'));
    await send(email, users('day'));
    await drain(w);
    expect((await deliveriesOf(w, skip)).map((d) => [d.state, d.reason])).toEqual([['skipped', 'night_ads_without_consent']]);
    const [held] = await deliveriesOf(w, hold);
    expect([held.state, held.run_at]).toEqual(['pending', '2025-01-06T23:00:00.000Z']);
    expect(await outboxOf(w, hold)).toEqual([]);
    expect(await outboxOf(w, email)).toHaveLength(1); // email has no night rule (제50조제3항)
    w.clock.set('2025-01-06T22:59:59.000Z');
    await drain(w);
    expect(await outboxOf(w, hold)).toEqual([]);
    w.clock.set('2025-01-06T23:00:00.000Z'); // 08:00 KST
    await drain(w);
    expect((await outboxOf(w, hold)).map((o) => o.message.title)).toEqual(['(광고) 마루샵 a']);
    expect(await totals(w, hold)).toEqual({ send_success: 1 });
    expect(await totals(w, skip)).toEqual({ skipped__forbidden_timing_filter: 1 });
  });

  it('property: no advertising message leaves without its marking and opt-out line; informational ones leave as written', async () => {
    w = await campaignWorld({ settings: { advertising: { senderName: '마루샵', optOutNumber: '0801234567' } } });
    await everyone('kim', ALL_CONSENTS);
    const text = fc
      .string({ minLength: 1, maxLength: 30, unit: fc.constantFrom('가', '나', 'a', 'b', ' ', '[', ']', '(', ')', '광', '고', '1') })
      .filter((s) => s.trim().length > 0 && !/[{}%]/.test(s));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('push', 'web_push', 'text_message', 'email'), fc.boolean(), text, text, async (channel, advertising, title, body) => {
        n++;
        const template =
          channel === 'text_message' ? { kind: 'lms', title: 't', body } : channel === 'email' ? { subject: title, text: body } : { title, body };
        const id = await createCampaign(w, { name: `c${n}`, channel, consent_class: advertising ? 'advertising' : 'informational', template });
        await send(id, users('kim'));
        await drain(w);
        const out = await outboxOf(w, id);
        expect(out.length).toBeGreaterThan(0);
        for (const { message: m } of out) {
          if (!advertising) {
            if (channel === 'email') expect([m.subject, m.text]).toEqual([title, body]);
            else expect(m.body).toBe(body);
            continue;
          }
          if (channel === 'text_message') {
            expect(m.body.startsWith('(광고) 마루샵')).toBe(true);
            expect(m.body.endsWith('\n무료수신거부 080-123-4567')).toBe(true);
          } else if (channel === 'email') {
            expect(m.subject.startsWith('(광고)')).toBe(true);
            expect(m.text).toMatch(/\n수신거부\(Unsubscribe\): \S+\/u\/\S+$/);
          } else {
            expect(m.title.startsWith('(광고) 마루샵')).toBe(true);
            expect(m.body.endsWith('\n수신거부: 앱 설정 > 알림에서 변경')).toBe(true);
          }
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});

describe('consent records and notices', () => {
  it('records every advertising consent change with time, channel, value and source; readable per profile (paged) and as CSV', async () => {
    w = await campaignWorld();
    const r1 = await w.notifly('POST', '/set-user-properties', {
      projectId: w.project.id,
      userId: 'kim',
      userProperties: { df_sms_ads_optin: true, df_sms_night_ads_optin: true, tier: 'gold' },
    });
    expect(r1.status, JSON.stringify(r1.body)).toBe(200);
    w.clock.advance(60_000);
    const r2 = await w.notifly('POST', '/set-user-properties', { projectId: w.project.id, userId: 'kim', userProperties: { df_sms_ads_optin: true } });
    expect(r2.status).toBe(200); // unchanged: nothing recorded
    const profileId = (await w.runtime.profiles.findByIdentifier(w.project.id, 'external_id', 'kim'))!;
    w.clock.advance(60_000);
    expect((await w.admin('PUT', `/profiles/${profileId}/consents`, { df_sms_ads_optin: false, df_email_ads_optin: true })).status).toBe(200);
    expect((await w.admin('PUT', `/profiles/${profileId}/consents`, { tier: true })).body.error.field).toBe('tier');

    const page1 = await w.admin('GET', `/profiles/${profileId}/consents?limit=2`);
    expect(page1.body.consents.map((c: any) => [c.property, c.channel, c.kind, c.value, c.source, c.at])).toEqual([
      ['df_email_ads_optin', 'email', 'ads', true, 'admin', '2025-01-06T01:02:00.000Z'],
      ['df_sms_ads_optin', 'text_message', 'ads', false, 'admin', '2025-01-06T01:02:00.000Z'],
    ]);
    const page2 = await w.admin('GET', `/profiles/${profileId}/consents?limit=2&before=${page1.body.next}`);
    expect(page2.body.consents.map((c: any) => [c.property, c.kind, c.value, c.source])).toEqual([
      ['df_sms_night_ads_optin', 'night', true, 'notifly'],
      ['df_sms_ads_optin', 'ads', true, 'notifly'],
    ]);
    expect(page2.body.next).toBeNull();

    const csv = await w.t.app.inject({
      method: 'GET',
      url: `/admin/v1/projects/${w.project.id}/consents.csv`,
      headers: { authorization: `Bearer ${process.env.MARU_ADMIN_TOKEN ?? ''}`, ...(await adminHeaders()) },
    });
    expect(csv.statusCode).toBe(200);
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,profile_id,channel,kind,property,value,source,at,at_local');
    expect(lines.slice(1).map((l) => l.split(',').slice(2, 9))).toEqual([
      ['text_message', 'ads', 'df_sms_ads_optin', 'true', 'notifly', '2025-01-06T01:00:00.000Z', '2025-01-06 10:00:00'],
      ['text_message', 'night', 'df_sms_night_ads_optin', 'true', 'notifly', '2025-01-06T01:00:00.000Z', '2025-01-06 10:00:00'],
      ['text_message', 'ads', 'df_sms_ads_optin', 'false', 'admin', '2025-01-06T01:02:00.000Z', '2025-01-06 10:02:00'],
      ['email', 'ads', 'df_email_ads_optin', 'true', 'admin', '2025-01-06T01:02:00.000Z', '2025-01-06 10:02:00'],
    ]);
  });

  it('sends the result notice once within 14 days and the two-yearly confirmation once per period (daily job, ManualClock)', async () => {
    w = await campaignWorld();
    const notice = await createCampaign(w, {
      name: 'notice',
      channel: 'email',
      template: {
        subject: '수신동의 안내',
        text: '{{ event_params["sender_name"] }}: {{ event_params["consent_channel"] }} {{ event_params["consent_value"] }} ({{ event_params["consent_at"] }})',
      },
    });
    expect((await w.admin('PUT', '/consent-notices', { result: { campaignId: notice }, confirmation: { campaignId: notice } })).status).toBe(200);
    const ad = await createCampaign(w, { name: 'ad', channel: 'email', consent_class: 'advertising', template: { subject: 's', text: 't' } });
    expect((await w.admin('PUT', '/consent-notices', { result: { campaignId: ad } })).body.error.field).toBe('result.campaignId');

    await addUser(w.runtime, w.project.id, { userId: 'kim', email: 'kim@example.com', properties: {} });
    const r = await w.notifly('POST', '/set-user-properties', { projectId: w.project.id, userId: 'kim', userProperties: { df_email_ads_optin: true } });
    expect(r.status).toBe(200);

    // The daily job (queued when notices were enabled) runs at 10:00 KST: the clock is there already.
    await drain(w);
    const texts = async () => (await outboxOf(w, notice)).map((o) => o.message.text).sort();
    expect(await texts()).toEqual(['마루샵: email true (2025-01-06 10:00:00)']);
    expect(await w.runtime.consent.runDue()).toEqual({ result: 0, confirmation: 0 });
    await drain(w);
    expect(await texts()).toHaveLength(1);

    // Day by day for two years and a bit: the job chain runs every day, the confirmation goes out once.
    const start = Date.parse('2025-01-06T01:00:00.000Z');
    for (let day = 1; day <= 735; day += 1) {
      w.clock.set(new Date(start + day * 86_400_000).toISOString());
      await w.runtime.queue.drain(CONSENT_NOTICE_QUEUE);
    }
    await drain(w);
    expect(await texts()).toEqual(['마루샵: email true (2025-01-06 10:00:00)', '마루샵: email true (2025-01-06 10:00:00)']);
    const deliveries = await deliveriesOf(w, notice);
    expect(deliveries.map((d) => [d.event_params.notice, d.state]).sort()).toEqual([
      ['confirmation', 'sent'],
      ['result', 'sent'],
    ]);
    // Counted like any delivery: the result notice on its day (the confirmation is counted in 2027).
    expect(await totals(w, notice)).toEqual({ send_success: 1, email_send: 1 });
  }, 120_000);
});

async function adminHeaders(): Promise<Record<string, string>> {
  const { adminHeaders: h } = await import('../helpers/app.ts');
  return h as Record<string, string>;
}
