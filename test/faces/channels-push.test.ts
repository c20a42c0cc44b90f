import { afterEach, describe, expect, it } from 'vitest';
import { startFcmFake } from '../fakes/fcm.fake.ts';
import { loopbackTls, startApnsFake } from '../fakes/apns.fake.ts';
import { startWebPushFake } from '../fakes/webpush.fake.ts';
import { startWebhookFake } from '../fakes/webhook.fake.ts';
import { startNhnCloudFake } from '../fakes/nhn-cloud.fake.ts';
import { startTwilioFake } from '../fakes/twilio.fake.ts';
import { generateVapidKeys } from '../../src/channels/webpush/vapid.provider.ts';
import { signWebhookBody } from '../../src/channels/webhook/webhook.provider.ts';
import { campaign, channelWorld, deliveries, drain, totals, user, type ChannelWorld } from '../helpers/channels.ts';

/**
 * Push, web push, webhook, text and Kakao end to end: each channel's provider configured through the admin API to
 * point at its loopback fake, an API campaign send, and what the fake received; unregistered tokens and
 * subscriptions are removed from the device.
 */
let w: ChannelWorld;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await w?.close();
  for (const c of closers.splice(0)) await c();
});

const IOS_TOKEN = 'a1'.repeat(32);
const IOS_TOKEN_2 = 'b2'.repeat(32);

async function configure(channel: string, vendor: string, config: unknown) {
  const r = await w.admin('PUT', `/channels/${channel}`, { vendor, config });
  expect(r.status, r.text).toBe(200);
  return r.body.channel;
}

describe('push: fcm+apns routes by device platform', () => {
  it('sends android tokens to FCM and ios tokens to APNs with the rendered message', async () => {
    const fcm = await startFcmFake();
    const apns = await startApnsFake();
    closers.push(
      () => fcm.close(),
      () => apns.close(),
    );
    w = await channelWorld();
    await configure('push', 'fcm+apns', {
      fcm: { serviceAccount: JSON.stringify(fcm.serviceAccount), baseUrl: fcm.baseUrl },
      apns: { keyId: apns.keyId, teamId: apns.teamId, privateKey: apns.privateKey, bundleId: apns.bundleId, baseUrl: apns.baseUrl, ca: loopbackTls.cert },
    });
    await user(w, {
      userId: 'kim',
      properties: { name: '김' },
      devices: [
        { deviceId: 'kim-android', platform: 'android', pushToken: 'fcm-token-kim' },
        { deviceId: 'kim-iphone', platform: 'ios', pushToken: IOS_TOKEN },
      ],
    });
    const id = await campaign(w, {
      channel: 'push',
      template: { title: '{{ event_params["title"] }}', body: '{{ user["name"] }}님 안녕하세요', deep_link: 'shop://sale' },
    });
    expect((await w.send(id, [{ type: 'user-id', userId: 'kim', eventParams: { title: '세일' } }])).status).toBe(200);
    await drain(w);

    const list = await deliveries(w, id);
    expect(list.map((d) => [d.address, d.state, d.provider]).sort()).toEqual([
      [IOS_TOKEN, 'sent', 'fcm+apns'],
      ['fcm-token-kim', 'sent', 'fcm+apns'],
    ]);
    expect(fcm.sends).toHaveLength(1);
    expect(fcm.sends[0].problems).toEqual([]);
    expect(fcm.sends[0].path).toBe(`/v1/projects/${fcm.serviceAccount.project_id}/messages:send`);
    const android = list.find((d) => d.address === 'fcm-token-kim');
    expect(fcm.sends[0].body!.message).toEqual({
      token: 'fcm-token-kim',
      notification: { title: '세일', body: '김님 안녕하세요' },
      data: { maru_delivery_id: android.id, maru_campaign_id: id, deepLink: 'shop://sale' },
      android: { priority: 'HIGH' },
    });
    expect(apns.requests).toHaveLength(1);
    expect(apns.requests[0].problems).toEqual([]);
    expect(apns.requests[0].deviceToken).toBe(IOS_TOKEN);
    expect(apns.requests[0].headers['apns-topic']).toBe(apns.bundleId);
    expect(apns.requests[0].payload).toMatchObject({ aps: { alert: { title: '세일', body: '김님 안녕하세요' } }, deepLink: 'shop://sale' });
    expect(await totals(w, id)).toEqual({ send_success: 2 });
  });

  it('removes the device token FCM answers UNREGISTERED and the one APNs answers 410 for', async () => {
    const fcm = await startFcmFake();
    const apns = await startApnsFake();
    closers.push(
      () => fcm.close(),
      () => apns.close(),
    );
    w = await channelWorld();
    await configure('push', 'fcm+apns', {
      fcm: { serviceAccount: fcm.serviceAccount, baseUrl: fcm.baseUrl },
      apns: { keyId: apns.keyId, teamId: apns.teamId, privateKey: apns.privateKey, bundleId: apns.bundleId, baseUrl: apns.baseUrl, ca: loopbackTls.cert },
    });
    await user(w, {
      userId: 'lee',
      devices: [
        { deviceId: 'lee-android', platform: 'android', pushToken: 'fcm-token-gone' },
        { deviceId: 'lee-old-iphone', platform: 'ios', pushToken: IOS_TOKEN },
        { deviceId: 'lee-new-iphone', platform: 'ios', pushToken: IOS_TOKEN_2 },
      ],
    });
    fcm.failToken('fcm-token-gone', 'unregistered');
    apns.failToken(IOS_TOKEN, 'unregistered');
    const id = await campaign(w, { channel: 'push', template: { title: 'hi', body: 'there' } });
    await w.send(id, [{ type: 'user-id', userId: 'lee' }]);
    await drain(w);

    const list = await deliveries(w, id);
    const byAddress = Object.fromEntries(list.map((d) => [d.address, d]));
    expect(byAddress['fcm-token-gone']).toMatchObject({
      state: 'failed',
      metric: 'send_failure',
      attempts: 1,
      provider_response: { ok: false, retryable: false, invalidRecipient: true },
    });
    expect(byAddress[IOS_TOKEN]).toMatchObject({ state: 'failed', attempts: 1, provider_response: { invalidRecipient: true } });
    expect(byAddress[IOS_TOKEN]?.reason).toContain('410');
    expect(byAddress[IOS_TOKEN_2].state).toBe('sent');

    const devices = Object.fromEntries((await w.runtime.devices.listForProfile(w.project.id, list[0].profile_id)).map((d) => [d.deviceId, d.pushToken]));
    expect(devices).toEqual({ 'lee-android': null, 'lee-old-iphone': null, 'lee-new-iphone': IOS_TOKEN_2 });

    // The next send goes only to the token that still works.
    await w.send(id, [{ type: 'user-id', userId: 'lee' }]);
    await drain(w);
    expect(fcm.sends).toHaveLength(1);
    expect(apns.requests.filter((r) => r.deviceToken === IOS_TOKEN)).toHaveLength(1);
    expect(apns.requests.filter((r) => r.deviceToken === IOS_TOKEN_2)).toHaveLength(2);
  });

  it('vendor apns alone fails android deliveries visibly instead of dropping them', async () => {
    const apns = await startApnsFake();
    closers.push(() => apns.close());
    w = await channelWorld();
    await configure('push', 'apns', {
      keyId: apns.keyId,
      teamId: apns.teamId,
      privateKey: apns.privateKey,
      bundleId: apns.bundleId,
      baseUrl: apns.baseUrl,
      ca: loopbackTls.cert,
    });
    await user(w, { userId: 'park', devices: [{ deviceId: 'park-android', platform: 'android', pushToken: 'fcm-token-park' }] });
    const id = await campaign(w, { channel: 'push', template: { title: 'hi', body: 'there' } });
    await w.send(id, [{ type: 'user-id', userId: 'park' }]);
    await drain(w);
    const [d] = await deliveries(w, id);
    expect(d).toMatchObject({ state: 'failed', metric: 'send_failure' });
    expect(d.reason).toContain('does not send to android devices');
    expect(apns.requests).toHaveLength(0);
    expect((await w.runtime.devices.get(w.project.id, 'park-android'))!.pushToken).toBe('fcm-token-park');
  });
});

describe('web push: vapid, with the subscription registered through the SDK endpoint', () => {
  it('sends the encrypted payload to the subscription and removes the subscription on 410', async () => {
    const push = await startWebPushFake();
    closers.push(() => push.close());
    w = await channelWorld();
    const keys = generateVapidKeys();
    const view = await configure('web_push', 'vapid', { vapid: { subject: 'mailto:ops@shop.example', ...keys }, ca: loopbackTls.cert });
    expect(view.config.vapid).toEqual({ subject: 'mailto:ops@shop.example', publicKey: keys.publicKey, privateKey: '[set]' });

    // The browser asks for the key (public), subscribes, and the site's server links the device to the user.
    const key = await w.inject('GET', `/sdk/v1/webpush/vapid-public-key?project_id=${w.project.id}`);
    expect(key.status).toBe(200);
    expect(key.body).toEqual({ project_id: w.project.id, public_key: keys.publicKey });
    const { id: subId, subscription } = push.subscribe();
    const reg = await w.inject(
      'POST',
      `/sdk/v1/webpush/subscriptions?project_id=${w.project.id}`,
      { device_id: 'browser-1', user_id: 'choi', subscription },
      { authorization: `Bearer ${w.credentials.api_key}` },
    );
    expect(reg.status, reg.text).toBe(200);

    const id = await campaign(w, { channel: 'web_push', template: { title: '{{ event_params["t"] }}', body: 'body', url: 'https://shop.example/x' } });
    await w.send(id, [{ type: 'user-id', userId: 'choi', eventParams: { t: 'Hello' } }]);
    await drain(w);
    expect(push.requests).toHaveLength(1);
    expect(push.requests[0].problems).toEqual([]);
    expect(push.requests[0].subscriptionId).toBe(subId);
    expect(push.requests[0].vapidPublicKey).toBe(keys.publicKey);
    const [d] = await deliveries(w, id);
    expect(push.requests[0].payload).toEqual({ title: 'Hello', body: 'body', url: 'https://shop.example/x', tag: d.idempotency_key });
    expect(d).toMatchObject({ state: 'sent', provider: 'vapid' });

    push.fail(subId, 'gone');
    await w.send(id, [{ type: 'user-id', userId: 'choi', eventParams: { t: 'Again' } }]);
    await drain(w);
    const failed = (await deliveries(w, id)).find((x) => x.state === 'failed');
    expect(failed).toMatchObject({ metric: 'send_failure', provider_response: { invalidRecipient: true } });
    expect(failed.reason).toContain('410');
    expect((await w.runtime.devices.get(w.project.id, 'browser-1'))!.webPush).toBeNull();
  });
});

describe('webhook, text and kakao vendors', () => {
  it('webhook: posts the rendered message signed with the configured secret', async () => {
    const secret = 'whsec_0123456789abcdef0123';
    const hook = await startWebhookFake({ secret });
    closers.push(() => hook.close());
    w = await channelWorld({ settings: { messaging: { textFrom: '0212345678' } } });
    const view = await configure('text_message', 'webhook', { url: hook.url, secret, headers: { authorization: 'Bearer receiver-token' } });
    expect(view.config).toEqual({ url: new URL(hook.url).origin + '/[set]', secret: '[set]', headers: { authorization: '[set]' } });
    await user(w, { userId: 'jung', phone: '010-2222-3333', properties: { name: '정' } });
    const id = await campaign(w, { channel: 'text_message', template: { kind: 'sms', body: '{{ user["name"] }}님 코드 {{ event_params["code"] }}' } });
    await w.send(id, [{ type: 'user-id', userId: 'jung', eventParams: { code: '1234' } }]);
    await drain(w);

    expect(hook.requests).toHaveLength(1);
    const r = hook.requests[0];
    expect(r.problems).toEqual([]);
    const [d] = await deliveries(w, id);
    expect(r.body).toEqual({ channel: 'text_message', message: { kind: 'sms', from: '0212345678', to: '+821022223333', body: '정님 코드 1234' } });
    expect(r.headers['x-maru-idempotency-key']).toBe(d.idempotency_key);
    expect(r.headers['x-maru-signature']).toBe(signWebhookBody({ secret, timestamp: Number(r.headers['x-maru-timestamp']), body: r.rawBody }));
    expect(r.headers.authorization).toBe('Bearer receiver-token');
    expect(d).toMatchObject({ state: 'sent', provider: 'webhook' });
  });

  it('nhn-cloud SMS, twilio SMS and nhn-bizmessage alimtalk send through their fakes', async () => {
    const appKey = 'nhn-app-key';
    const secretKey = 'nhn-secret-key';
    const nhn = await startNhnCloudFake({ appKey, secretKey });
    const accountSid = 'AC' + '0'.repeat(32);
    const twilio = await startTwilioFake({ accountSid, username: accountSid, password: 'twilio-auth-token' });
    closers.push(
      () => nhn.close(),
      () => twilio.close(),
    );
    w = await channelWorld({ settings: { messaging: { textFrom: '0212345678', kakaoSenderKey: 'sender-key-1' } } });
    await user(w, { userId: 'han', phone: '010-4444-5555' });
    const text = await campaign(w, { channel: 'text_message', template: { kind: 'sms', body: 'hello' } });
    const kakao = await campaign(w, {
      channel: 'kakao_alimtalk',
      template: { template_code: 'T001', content: '#{name}님 주문 완료', parameters: { name: '한' } },
    });

    await configure('text_message', 'nhn-cloud', { appKey, secretKey, baseUrl: nhn.baseUrl });
    await configure('kakao_alimtalk', 'nhn-bizmessage', { appKey, secretKey, baseUrl: nhn.baseUrl });
    await w.send(text, [{ type: 'user-id', userId: 'han' }]);
    await w.send(kakao, [{ type: 'user-id', userId: 'han' }]);
    await drain(w);
    expect(nhn.violations).toEqual([]);
    expect(nhn.accepted.map((a) => [a.channel, a.recipientNo]).sort()).toEqual([
      ['alimtalk', '01044445555'],
      ['sms', '01044445555'],
    ]);
    expect(nhn.accepted.find((a) => a.channel === 'alimtalk')!.body).toMatchObject({ senderKey: 'sender-key-1', templateCode: 'T001' });

    await configure('text_message', 'twilio', { accountSid, authToken: 'twilio-auth-token', baseUrl: twilio.baseUrl });
    await w.send(text, [{ type: 'user-id', userId: 'han' }]);
    await drain(w);
    expect(twilio.violations).toEqual([]);
    expect(twilio.accepted.map((a) => [a.params.To, a.params.Body])).toEqual([['+821044445555', 'hello']]);
    expect((await deliveries(w, text)).map((d) => [d.state, d.provider]).sort()).toEqual([
      ['sent', 'nhn-cloud'],
      ['sent', 'twilio'],
    ]);
  });
});
