import { afterEach, describe, expect, it } from 'vitest';
import { startFcmFake, type FcmFake } from '../fakes/fcm.fake.ts';
import { loopbackTls, startApnsFake, type ApnsFake } from '../fakes/apns.fake.ts';
import { startWebPushFake, type WebPushFake } from '../fakes/webpush.fake.ts';
import { generateVapidKeys } from '../../src/channels/webpush/vapid.provider.ts';
import { campaign, channelWorld, deliveries, drain, totals, user, type ChannelWorld, type Reply } from '../helpers/channels.ts';

/**
 * Korean advertising law on push and web push (issue 19; D10; docs/korean-messaging.md "Advertising"), read off the
 * wire: campaigns sent through the Notifly campaign send and the admin API send, to FCM, APNs and web push providers
 * configured through the admin API to point at their loopback fakes. What is asserted is the exact notification that
 * reached each fake (FCM's message, APNs's aps.alert, the decrypted web push payload).
 */
let w: ChannelWorld;
let fcm: FcmFake;
let apns: ApnsFake;
let webPush: WebPushFake;
afterEach(async () => {
  await w?.close();
  await fcm?.close();
  await apns?.close();
  await webPush?.close();
});

const ADVERTISER = { senderName: '마루샵', contact: '02-555-0100', optOutNumber: '080-123-4567', pushOptOut: '수신거부: 설정 > 알림' };
const MARKED = { title: '(광고) 마루샵 봄 세일', body: '50% 할인\n문의 02-555-0100\n수신거부: 설정 > 알림' };
const AD = { title: '봄 세일', body: '50% 할인' };
const IOS = (n: number) => String(n).padStart(2, '0').repeat(32);

/** Fakes up, push (fcm+apns) and web push (vapid) configured through the admin API, at `start` (UTC). */
async function world(start?: string): Promise<void> {
  fcm = await startFcmFake();
  apns = await startApnsFake();
  webPush = await startWebPushFake();
  w = await channelWorld({ settings: { advertising: ADVERTISER } });
  if (start) w.clock.set(start);
  const put = async (channel: string, vendor: string, config: unknown) => {
    const r = await w.admin('PUT', `/channels/${channel}`, { vendor, config });
    expect(r.status, r.text).toBe(200);
  };
  await put('push', 'fcm+apns', {
    fcm: { serviceAccount: fcm.serviceAccount, baseUrl: fcm.baseUrl },
    apns: { keyId: apns.keyId, teamId: apns.teamId, privateKey: apns.privateKey, bundleId: apns.bundleId, baseUrl: apns.baseUrl, ca: loopbackTls.cert },
  });
  await put('web_push', 'vapid', { vapid: { subject: 'mailto:ops@shop.example', ...generateVapidKeys() }, ca: loopbackTls.cert });
}

/** A user with an android token, an iPhone token and a browser subscription; returns the web push subscription id. */
let n = 0;
async function person(userId: string, properties: Record<string, unknown>): Promise<{ android: string; ios: string; web: string }> {
  n++;
  const { id, subscription } = webPush.subscribe();
  const ids = { android: `fcm-${userId}`, ios: IOS(n), web: id };
  await user(w, {
    userId,
    properties,
    devices: [
      { deviceId: `${userId}-a`, platform: 'android', pushToken: ids.android },
      { deviceId: `${userId}-i`, platform: 'ios', pushToken: ids.ios },
      { deviceId: `${userId}-w`, platform: 'web', webPush: subscription },
    ],
  });
  return ids;
}

const ok = (r: Reply, status: number) => {
  expect(r.status, r.text).toBe(status);
  return r;
};
const adminSend = async (campaignId: string, userIds: string[]) =>
  ok(await w.admin('POST', `/campaigns/${campaignId}/send`, { recipients: userIds.map((userId) => ({ type: 'user-id', userId })) }), 202);
const notiflySend = async (campaignId: string, userIds: string[]) =>
  ok(
    await w.send(
      campaignId,
      userIds.map((userId) => ({ type: 'user-id', userId })),
    ),
    200,
  );

const fcmMessage = (s: FcmFake['sends'][number]) => s.body!.message as any;

/** What each fake received, as [address, title, body]. */
const wire = () => ({
  fcm: fcm.sends.map((s) => [fcmMessage(s).token, fcmMessage(s).notification.title, fcmMessage(s).notification.body]),
  apns: apns.requests.map((r) => [r.deviceToken, (r.payload as any).aps.alert.title, (r.payload as any).aps.alert.body]),
  webPush: webPush.requests.map((r) => [r.subscriptionId, (r.payload as any).title, (r.payload as any).body]),
});
const noProblems = () => {
  expect(fcm.sends.flatMap((s) => s.problems)).toEqual([]);
  expect(apns.requests.flatMap((r) => r.problems)).toEqual([]);
  expect(webPush.requests.flatMap((r) => r.problems)).toEqual([]);
};

describe('advertising push and web push, on the wire', () => {
  it('daytime: only recipients with the push ads opt-in get it, marked with (광고) + sender name and the opt-out instruction; informational push is untouched', async () => {
    await world(); // 10:00 KST
    const yes = await person('yes', { df_push_ads_optin: true });
    const no = await person('no', { df_push_ads_optin: false });
    await person('unset', {});
    const adPush = await campaign(w, { channel: 'push', consent_class: 'advertising', template: AD });
    const adWeb = await campaign(w, { channel: 'web_push', consent_class: 'advertising', template: AD });
    const infoPush = await campaign(w, { channel: 'push', template: { title: '배송 출발', body: '오늘 도착합니다' } });
    const infoWeb = await campaign(w, { channel: 'web_push', template: { title: '배송 출발', body: '오늘 도착합니다' } });
    await notiflySend(adPush, ['yes', 'no', 'unset']);
    await adminSend(adWeb, ['yes', 'no', 'unset']);
    await drain(w);

    noProblems();
    expect(wire()).toEqual({
      fcm: [[yes.android, MARKED.title, MARKED.body]],
      apns: [[yes.ios, MARKED.title, MARKED.body]],
      webPush: [[yes.web, MARKED.title, MARKED.body]],
    });
    // The marking starts the title exactly; the instruction ends the body.
    expect(fcmMessage(fcm.sends[0]).notification.title.startsWith('(광고) 마루샵 ')).toBe(true);
    expect((apns.requests[0].payload as any).aps.alert.body.endsWith('\n수신거부: 설정 > 알림')).toBe(true);
    for (const id of [adPush, adWeb]) {
      const skipped = (await deliveries(w, id)).filter((d) => d.state === 'skipped');
      expect(skipped.map((d) => d.reason).sort()).toEqual(
        id === adPush ? Array(4).fill('no_consent:df_push_ads_optin') : Array(2).fill('no_consent:df_push_ads_optin'),
      );
    }
    expect(await totals(w, adPush)).toEqual({ send_success: 2, skipped__excluded_user_filter: 4 });
    expect(await totals(w, adWeb)).toEqual({ send_success: 1, skipped__excluded_user_filter: 2 });

    // Informational: everyone, exactly as written (consent and marking are for advertising only).
    fcm.sends.length = 0;
    apns.requests.length = 0;
    webPush.requests.length = 0;
    await adminSend(infoPush, ['no']);
    await notiflySend(infoWeb, ['no']);
    await drain(w);
    noProblems();
    expect(wire()).toEqual({
      fcm: [[no.android, '배송 출발', '오늘 도착합니다']],
      apns: [[no.ios, '배송 출발', '오늘 도착합니다']],
      webPush: [[no.web, '배송 출발', '오늘 도착합니다']],
    });
  });

  it('22:30 KST: without the night opt-in advertising push is skipped (skipped__forbidden_timing_filter) or held until 08:00; with it, it goes out marked', async () => {
    await world('2025-01-06T13:30:00.000Z'); // 22:30 in Seoul
    const day = await person('day', { df_push_ads_optin: true });
    const night = await person('night', { df_push_ads_optin: true, df_push_night_ads_optin: true });
    const skip = await campaign(w, { name: 'skip', channel: 'push', consent_class: 'advertising', template: AD });
    const skipWeb = await campaign(w, { name: 'skip web', channel: 'web_push', consent_class: 'advertising', template: AD });
    const hold = await campaign(w, { name: 'hold', channel: 'push', consent_class: 'advertising', night_ads: 'hold', template: AD } as never);
    const holdWeb = await campaign(w, { name: 'hold web', channel: 'web_push', consent_class: 'advertising', night_ads: 'hold', template: AD } as never);
    const info = await campaign(w, { name: 'info', channel: 'push', template: { title: '배송 출발', body: '오늘 도착합니다' } });
    await notiflySend(skip, ['day']);
    await adminSend(skipWeb, ['day']);
    await notiflySend(hold, ['day']);
    await adminSend(holdWeb, ['day']);
    await adminSend(info, ['day']);
    await notiflySend(skip, ['night']);
    await drain(w);

    noProblems();
    // At night: only the informational push to "day" and the advertising push to "night" (who gave night consent).
    expect(wire()).toEqual({
      fcm: expect.arrayContaining([
        [day.android, '배송 출발', '오늘 도착합니다'],
        [night.android, MARKED.title, MARKED.body],
      ]),
      apns: expect.arrayContaining([
        [day.ios, '배송 출발', '오늘 도착합니다'],
        [night.ios, MARKED.title, MARKED.body],
      ]),
      webPush: [],
    });
    expect(fcm.sends).toHaveLength(2);
    expect(apns.requests).toHaveLength(2);
    const dayDeliveries = async (id: string) => (await deliveries(w, id)).filter((d) => d.address !== night.android && d.address !== night.ios);
    expect((await dayDeliveries(skip)).map((d) => [d.state, d.reason])).toEqual([
      ['skipped', 'night_ads_without_consent'],
      ['skipped', 'night_ads_without_consent'],
    ]);
    expect((await deliveries(w, skipWeb)).map((d) => [d.state, d.reason])).toEqual([['skipped', 'night_ads_without_consent']]);
    for (const id of [hold, holdWeb]) {
      for (const d of await deliveries(w, id)) expect([d.state, d.run_at]).toEqual(['pending', '2025-01-06T23:00:00.000Z']);
    }
    expect(await totals(w, skip)).toEqual({ skipped__forbidden_timing_filter: 2, send_success: 2 });
    expect(await totals(w, skipWeb)).toEqual({ skipped__forbidden_timing_filter: 1 });

    // 07:59:59 KST: still held. 08:00 KST: the held ones go out, marked.
    w.clock.set('2025-01-06T22:59:59.000Z');
    await drain(w);
    expect(fcm.sends).toHaveLength(2);
    expect(webPush.requests).toHaveLength(0);
    w.clock.set('2025-01-06T23:00:00.000Z');
    await drain(w);
    noProblems();
    expect(fcm.sends.slice(2).map((s) => [fcmMessage(s).token, fcmMessage(s).notification.title, fcmMessage(s).notification.body])).toEqual([
      [day.android, MARKED.title, MARKED.body],
    ]);
    expect(apns.requests.slice(2).map((r) => [r.deviceToken, (r.payload as any).aps.alert.title, (r.payload as any).aps.alert.body])).toEqual([
      [day.ios, MARKED.title, MARKED.body],
    ]);
    expect(wire().webPush).toEqual([[day.web, MARKED.title, MARKED.body]]);
    expect(await totals(w, hold)).toEqual({ send_success: 2 });
    expect(await totals(w, holdWeb)).toEqual({ send_success: 1 });
  });
});
