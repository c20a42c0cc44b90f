import { takeSendSlot } from '../../src/core/deliveries/deliveries.repository.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { addUser, campaignWorld, createCampaign, deliveriesOf, drain, outboxOf, totals, type CampaignWorld } from './campaign-helpers.ts';

let w: CampaignWorld;
afterEach(async () => {
  await w?.close();
});

const send = async (campaignId: string, body: unknown) => {
  const r = await w.notifly('POST', `/campaign/${w.project.id}/${campaignId}/send`, body);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r;
};
const users = (...ids: string[]) => ({ recipients: ids.map((userId) => ({ userId })) });
/** [recipient, state, metric, reason] of each delivery, sorted. */
const outcomes = async (id: string) => (await deliveriesOf(w, id)).map((d) => [d.recipient.value, d.state, d.metric, d.reason]).sort();
const settings = async (body: unknown) => {
  const r = await w.admin('PUT', '/campaign-settings', body);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
};
const PUSH = { title: 'Sale', body: '50% off' };
const device = (id: string) => [{ deviceId: `${id}-phone`, platform: 'android' as const, pushToken: `tok-${id}` }];

describe('filters, each counted under its metric', () => {
  it('consent (D10): advertising needs the channel opt-in; informational does not', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, { userId: 'yes', properties: { df_push_ads_optin: true }, devices: device('yes') });
    await addUser(w.runtime, w.project.id, { userId: 'no', properties: { df_push_ads_optin: false }, devices: device('no') });
    await addUser(w.runtime, w.project.id, { userId: 'unset', devices: device('unset') });
    const ad = await createCampaign(w, { name: 'ad', channel: 'push', consent_class: 'advertising', template: PUSH });
    const info = await createCampaign(w, { name: 'info', channel: 'push', consent_class: 'informational', template: PUSH });
    await send(ad, users('yes', 'no', 'unset'));
    await send(info, users('yes', 'no', 'unset'));
    await drain(w);
    expect(await outcomes(ad)).toEqual([
      ['no', 'skipped', 'skipped__excluded_user_filter', 'no_consent:df_push_ads_optin'],
      ['unset', 'skipped', 'skipped__excluded_user_filter', 'no_consent:df_push_ads_optin'],
      ['yes', 'sent', 'send_success', null],
    ]);
    expect(await totals(w, ad)).toEqual({ send_success: 1, skipped__excluded_user_filter: 2 });
    expect(await totals(w, info)).toEqual({ send_success: 3 });
    expect((await outboxOf(w, ad)).map((o) => o.recipient)).toEqual(['tok-yes']);
  });

  it('consent of a phone-number recipient is the consent of the profile holding that number', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, { userId: 'kim', phone: '01011110000', properties: { df_sms_ads_optin: true } });
    const ad = await createCampaign(w, { name: 'ad', channel: 'text_message', consent_class: 'advertising', template: { body: '(광고) sale' } });
    await send(ad, {
      recipients: [
        { type: 'phone-number', phoneNumber: '010-1111-0000' },
        { type: 'phone-number', phoneNumber: '010-2222-0000' },
      ],
    });
    await drain(w);
    expect(await outcomes(ad)).toEqual([
      ['010-1111-0000', 'sent', 'send_success', null],
      ['010-2222-0000', 'skipped', 'skipped__excluded_user_filter', 'no_consent:df_sms_ads_optin'],
    ]);
  });

  it("night-time ads (21:00–08:00 project time) also need the channel's night opt-in: push df_push_night_ads_optin, text df_sms_night_ads_optin; email none", async () => {
    w = await campaignWorld({ start: '2025-01-06T13:30:00.000Z' }); // 22:30 KST
    await addUser(w.runtime, w.project.id, {
      userId: 'day',
      properties: { df_push_ads_optin: true, df_sms_ads_optin: true },
      phone: '01033330000',
      devices: device('day'),
    });
    await addUser(w.runtime, w.project.id, {
      userId: 'night',
      properties: { df_push_ads_optin: true, df_push_night_ads_optin: true },
      devices: device('night'),
    });
    const ad = await createCampaign(w, { name: 'ad', channel: 'push', consent_class: 'advertising', template: PUSH });
    const sms = await createCampaign(w, { name: 'sms', channel: 'text_message', consent_class: 'advertising', template: { body: 'sale' } });
    await send(ad, users('day', 'night'));
    await send(sms, users('day'));
    await drain(w);
    expect(await outcomes(ad)).toEqual([
      ['day', 'skipped', 'skipped__forbidden_timing_filter', 'night_ads_without_consent'],
      ['night', 'sent', 'send_success', null],
    ]);
    expect(await outcomes(sms)).toEqual([['day', 'skipped', 'skipped__forbidden_timing_filter', 'night_ads_without_consent']]);
    // 08:00 KST: day-time again.
    w.clock.set('2025-01-06T23:00:00.000Z');
    await w.reauth();
    await send(ad, users('day'));
    await drain(w);
    expect(await totals(w, ad)).toEqual({ send_success: 2, skipped__forbidden_timing_filter: 1 });
  });

  it('quiet hours of the project, overridden per campaign', async () => {
    w = await campaignWorld({ start: '2025-01-06T03:30:00.000Z' }); // 12:30 KST
    await settings({ quietHours: { start: '12:00', end: '13:00' } });
    await addUser(w.runtime, w.project.id, { userId: 'u', devices: device('u') });
    const quiet = await createCampaign(w, { name: 'q', channel: 'push', template: PUSH });
    const loud = await createCampaign(w, { name: 'l', channel: 'push', template: PUSH, quiet_hours: null });
    await send(quiet, users('u'));
    await send(loud, users('u'));
    await drain(w);
    expect(await outcomes(quiet)).toEqual([['u', 'skipped', 'skipped__forbidden_timing_filter', 'quiet_hours']]);
    expect(await outcomes(loud)).toEqual([['u', 'sent', 'send_success', null]]);
    w.clock.set('2025-01-06T04:00:00.000Z'); // 13:00 KST: the window has ended
    await send(quiet, users('u'));
    await drain(w);
    expect(await totals(w, quiet)).toEqual({ send_success: 1, skipped__forbidden_timing_filter: 1 });
  });

  it('fatigue: at most N advertising messages per person per period, across campaigns; informational ones do not count', async () => {
    w = await campaignWorld();
    await settings({ fatigue: { max: 2, periodHours: 24 } });
    await addUser(w.runtime, w.project.id, { userId: 'u', properties: { df_push_ads_optin: true }, devices: device('u') });
    const a = await createCampaign(w, { name: 'a', channel: 'push', consent_class: 'advertising', template: PUSH });
    const b = await createCampaign(w, { name: 'b', channel: 'push', consent_class: 'advertising', template: PUSH });
    const exempt = await createCampaign(w, { name: 'c', channel: 'push', consent_class: 'advertising', template: PUSH, fatigue: false });
    const info = await createCampaign(w, { name: 'i', channel: 'push', template: PUSH });
    for (const id of [info, a, info, b]) {
      await send(id, users('u'));
      await drain(w);
      w.clock.advance(60_000);
    }
    await send(a, users('u'));
    await send(exempt, users('u'));
    await drain(w);
    expect(await totals(w, a)).toEqual({ send_success: 1, skipped__fatigue_management: 1 });
    expect(await totals(w, b)).toEqual({ send_success: 1 });
    expect(await totals(w, exempt)).toEqual({ send_success: 1 });
    expect(await totals(w, info)).toEqual({ send_success: 2 });
    expect((await deliveriesOf(w, a)).find((d) => d.state === 'skipped').reason).toBe('fatigue');
    // Ads went out at +1 min (a), +3 min (b) and +4 min (exempt); 24 h after b only the exempt one is in the period.
    w.clock.advance(24 * 3_600_000 - 60_000);
    await w.reauth();
    await send(b, users('u'));
    await drain(w);
    expect(await totals(w, b)).toEqual({ send_success: 2 });
  });

  it('noisy filter: the same campaign to the same person again within the window', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, { userId: 'u', email: 'u@example.com' });
    const id = await createCampaign(w, { name: 'n', channel: 'email', template: { subject: 's', text: 't' }, noisy_window_seconds: 3600 });
    await send(id, users('u'));
    await drain(w);
    w.clock.advance(3_599_000);
    await send(id, users('u'));
    await send(id, { recipients: [{ type: 'email', email: 'U@example.com' }] }); // the same address, given directly
    await drain(w);
    w.clock.advance(1000);
    await w.reauth();
    await send(id, users('u'));
    await drain(w);
    expect(await totals(w, id)).toEqual({ send_success: 2, email_send: 2, skipped__noisy_filter: 2 });
    expect((await deliveriesOf(w, id)).filter((d) => d.state === 'skipped').map((d) => d.reason)).toEqual(['noisy_window', 'noisy_window']);
  });

  it('excluded users of the campaign and of the project', async () => {
    w = await campaignWorld();
    await settings({ excludedUserIds: ['carol'] });
    for (const u of ['alice', 'bob', 'carol']) await addUser(w.runtime, w.project.id, { userId: u, devices: device(u) });
    // Excluded ids follow the one identifier rule (identifiers.ts): trimmed as stored, at most 512 characters.
    const tooLong = await w.admin('POST', '/campaigns', {
      name: 'y',
      channel: 'push',
      consent_class: 'informational',
      template: PUSH,
      excluded_user_ids: ['ok', 'x'.repeat(513)],
    });
    expect([tooLong.status, tooLong.body.error.field, tooLong.body.error.message]).toEqual([
      400,
      'excluded_user_ids[1]',
      'excluded_user_ids[1] must be at most 512 characters',
    ]);
    const id = await createCampaign(w, { name: 'x', channel: 'push', template: PUSH, excluded_user_ids: [' bob '] });
    await send(id, users('alice', 'bob', 'carol'));
    await drain(w);
    expect(await outcomes(id)).toEqual([
      ['alice', 'sent', 'send_success', null],
      ['bob', 'skipped', 'skipped__excluded_user_filter', 'excluded_user'],
      ['carol', 'skipped', 'skipped__excluded_user_filter', 'excluded_user'],
    ]);
  });

  it("the project's daily send cap per channel (D14), per local day", async () => {
    w = await campaignWorld({ start: '2025-01-06T14:00:00.000Z' }); // 23:00 KST
    await settings({ dailyCap: { text_message: 2 } });
    const id = await createCampaign(w, { name: 'x', channel: 'text_message', template: { body: 'hi' } });
    const phones = (...n: number[]) => ({ recipients: n.map((i) => ({ type: 'phone-number', phoneNumber: `0105555000${i}` })) });
    await send(id, phones(1, 2, 3));
    await drain(w);
    expect((await deliveriesOf(w, id)).map((d) => d.state).sort()).toEqual(['sent', 'sent', 'skipped']);
    w.clock.set('2025-01-06T15:00:00.000Z'); // 00:00 KST, a new day
    await w.reauth();
    await send(id, phones(4));
    await drain(w);
    const stats = await w.notifly('GET', `/projects/${w.project.id}/campaigns/${id}/stats?start=2025-01-05T15:00:00.000Z&end=2025-01-07T14:59:59.999Z`);
    const daily = Object.fromEntries(
      stats.body.data.stats.filter((s: any) => s.totalCount > 0).map((s: any) => [s.metricName, s.dailyCounts.map((d: any) => [d.date, d.count])]),
    );
    expect(daily).toEqual({
      send_success: [
        ['2025-01-06', 2],
        ['2025-01-07', 1],
      ],
      skipped__global_frequency_limit_filter: [['2025-01-06', 1]],
    });
    expect((await deliveriesOf(w, id)).find((d) => d.state === 'skipped').reason).toBe('daily_cap');
  });

  it('the daily cap holds under concurrent units: each place is taken once (PostgreSQL let two deliveries read the same count)', async () => {
    w = await campaignWorld();
    const taken = await Promise.all(
      Array.from({ length: 12 }, () => w.runtime.store.write((tx) => takeSendSlot(tx, w.project.id, 'text_message', '2025-01-06', 5))),
    );
    expect(taken.filter(Boolean)).toHaveLength(5);
    expect(await w.runtime.store.write((tx) => takeSendSlot(tx, w.project.id, 'text_message', '2025-01-07', 0))).toBe(false);
  });

  it('de-duplicates recipients within one send by device token and by email address', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, { userId: 'u', email: 'u@example.com', devices: device('u') });
    const push = await createCampaign(w, { name: 'p', channel: 'push', template: PUSH });
    const mail = await createCampaign(w, { name: 'm', channel: 'email', template: { subject: 's', text: 't' } });
    await send(push, users('u', 'u', 'u'));
    await send(mail, { recipients: [{ userId: 'u' }, { type: 'email', email: ' U@Example.com ' }] });
    await drain(w);
    expect((await outboxOf(w, push)).map((o) => [o.recipient, o.calls])).toEqual([['tok-u', 1]]);
    expect((await outboxOf(w, mail)).map((o) => [o.recipient, o.calls])).toEqual([['u@example.com', 1]]);
    expect(await totals(w, push)).toEqual({ send_success: 1, skipped__noisy_filter: 2 });
    expect(await totals(w, mail)).toEqual({ send_success: 1, email_send: 1, skipped__noisy_filter: 1 });
  });

  it('rejects bad campaign settings naming the field, and changes nothing', async () => {
    w = await campaignWorld();
    const cases: [unknown, string][] = [
      [{ quietHours: { start: '25:00', end: '08:00' } }, 'campaigns.quietHours.start'],
      [{ fatigue: { max: -1, periodHours: 24 } }, 'campaigns.fatigue.max'],
      [{ dailyCap: { fax: 3 } }, 'campaigns.dailyCap.fax'],
      [{ bogus: 1 }, 'campaigns.bogus'],
    ];
    for (const [body, field] of cases) {
      const r = await w.admin('PUT', '/campaign-settings', body);
      expect(r.status).toBe(400);
      expect(r.body.error.field).toBe(field);
    }
    expect((await w.admin('GET', '/campaign-settings')).body).toEqual({ campaigns: {} });
  });
});
