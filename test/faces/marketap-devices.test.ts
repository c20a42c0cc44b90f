import { afterEach, describe, expect, it } from 'vitest';
import { marketapFixture, rows, type MarketapFixture } from './marketap.helpers.ts';

const SUBSCRIPTION = {
  endpoint: 'https://fcm.googleapis.com/fcm/send/abc123',
  keys: { p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM', auth: 'tBHItJI5svbpez7KI4CCXg' },
};

describe('Marketap face: POST /v1/api/profile/user/device/bulk', () => {
  let f: MarketapFixture;
  afterEach(() => f.close());

  const devices = () => f.t.runtime.devices;
  const profileOf = (type: 'external_id' | 'device_id', value: string) => f.t.runtime.profiles.findByIdentifier(f.project.id, type, value);
  const put = async (...list: object[]) => {
    const r = await f.post('/v1/api/profile/user/device/bulk', { devices: list });
    expect(r.statusCode, r.body).toBe(202);
    expect(r.json()).toEqual({ accepted: list.length });
    f.clock.advance(1000);
  };

  it('registers devices of users: platform, push token and properties; the device joins the identity graph', async () => {
    f = await marketapFixture();
    await put(
      {
        device_id: 'ios-1',
        user_id: 'user-1',
        platform: 'ios',
        push_token: 'apns-token-1',
        properties: { app_version: '3.2.0', os_version: 17.4, beta: false, langs: ['ko', 'en'] },
      },
      { device_id: 'android-1', user_id: 'user-1', platform: 'Android', push_token: 'fcm-token-1' },
    );
    const user1 = await profileOf('external_id', 'user-1');
    expect(user1).toBeDefined();
    expect(await profileOf('device_id', 'ios-1')).toBe(user1);
    expect(await profileOf('device_id', 'android-1')).toBe(user1);
    const list = await devices().listForProfile(f.project.id, user1!);
    expect(list.map((d) => [d.deviceId, d.platform, d.pushToken, d.properties])).toEqual([
      ['android-1', 'android', 'fcm-token-1', {}],
      ['ios-1', 'ios', 'apns-token-1', { app_version: '3.2.0', os_version: 17.4, beta: false, langs: ['ko', 'en'] }],
    ]);
    expect(await devices().tokensForProfile(f.project.id, user1!)).toEqual([
      { deviceId: 'android-1', platform: 'android', token: 'fcm-token-1' },
      { deviceId: 'ios-1', platform: 'ios', token: 'apns-token-1' },
    ]);
    expect(await devices().tokensForProfile(f.project.id, user1!, 'ios')).toEqual([{ deviceId: 'ios-1', platform: 'ios', token: 'apns-token-1' }]);
  });

  it('a device moves to another user (existing or new): its row and its device_id identifier follow; past events stay', async () => {
    f = await marketapFixture();
    await put({ device_id: 'shared-tablet', user_id: 'alice', platform: 'android', push_token: 'tok-tablet' });
    expect((await f.post('/v1/api/events', { events: [{ user_id: 'alice', device_id: 'shared-tablet', name: 'app_open' }] })).statusCode).toBe(202);
    await f.t.runtime.queue.drain();
    await put({ device_id: 'bob-phone', user_id: 'bob', platform: 'ios' });
    const alice = await profileOf('external_id', 'alice');
    const bob = await profileOf('external_id', 'bob');

    await put({ device_id: 'shared-tablet', user_id: 'bob', platform: 'android' }); // to an existing user; token kept
    expect(await profileOf('device_id', 'shared-tablet')).toBe(bob);
    expect(await devices().tokensForProfile(f.project.id, alice!)).toEqual([]);
    expect(await devices().tokensForProfile(f.project.id, bob!)).toEqual([{ deviceId: 'shared-tablet', platform: 'android', token: 'tok-tablet' }]);
    expect((await rows(f.t, 'events', f.project.id)).map((e) => e.profile_id)).toEqual([alice]);
    expect(await profileOf('external_id', 'alice')).toBe(alice); // alice is untouched otherwise

    await put({ device_id: 'shared-tablet', user_id: 'carol', platform: 'android' }); // to a user seen for the first time
    const carol = await profileOf('external_id', 'carol');
    expect(carol).toBeDefined();
    expect(new Set([alice, bob, carol]).size).toBe(3);
    expect(await profileOf('device_id', 'shared-tablet')).toBe(carol);
    expect((await devices().get(f.project.id, 'shared-tablet'))?.profileId).toBe(carol);
    expect(await devices().tokensForProfile(f.project.id, bob!)).toEqual([]);
  });

  it('a device first seen anonymously joins its user when registered with a user_id: its profile and events merge in', async () => {
    f = await marketapFixture();
    await put({ device_id: 'new-phone', platform: 'ios', push_token: 'tok' });
    const anonymous = await profileOf('device_id', 'new-phone');
    expect(anonymous).toBeDefined();
    expect((await f.post('/v1/api/events', { events: [{ device_id: 'new-phone', name: 'app_open' }] })).statusCode).toBe(202);
    await f.t.runtime.queue.drain();
    expect((await rows(f.t, 'events', f.project.id)).map((e) => e.profile_id)).toEqual([anonymous]);

    expect((await f.post('/v1/api/profile/user', { profiles: [{ user_id: 'dave' }] })).statusCode).toBe(202);
    f.clock.advance(1000);
    await put({ device_id: 'new-phone', user_id: 'dave', platform: 'ios' });
    const survivor = await profileOf('external_id', 'dave');
    expect(await profileOf('device_id', 'new-phone')).toBe(survivor);
    expect((await f.t.runtime.profiles.get(f.project.id, anonymous!))?.id).toBe(survivor); // the absorbed id still resolves
    expect(await devices().tokensForProfile(f.project.id, survivor!)).toEqual([{ deviceId: 'new-phone', platform: 'ios', token: 'tok' }]);
    expect(await rows(f.t, 'profiles', f.project.id)).toHaveLength(1);
    // Without a user_id a known device keeps its owner.
    await put({ device_id: 'new-phone', platform: 'ios', push_token: 'tok-2' });
    expect((await devices().get(f.project.id, 'new-phone'))?.profileId).toBe(survivor);
  });

  it('a token is replaced on its device, moves with a reinstall to another device, is kept when absent and removed by null', async () => {
    f = await marketapFixture();
    await put({ device_id: 'd1', user_id: 'u', platform: 'android', push_token: 'token-A' });
    await put({ device_id: 'd1', user_id: 'u', platform: 'android', push_token: 'token-B' });
    const u = (await profileOf('external_id', 'u'))!;
    expect(await devices().tokensForProfile(f.project.id, u)).toEqual([{ deviceId: 'd1', platform: 'android', token: 'token-B' }]);
    expect((await rows(f.t, 'devices', f.project.id)).map((d) => d.push_token)).toEqual(['token-B']);

    await put({ device_id: 'd1', user_id: 'u', platform: 'android', properties: { app_version: '2' } }); // no push_token: kept
    expect((await devices().get(f.project.id, 'd1'))?.pushToken).toBe('token-B');

    await put({ device_id: 'd2', user_id: 'u', platform: 'android', push_token: 'token-B' }); // the app was reinstalled as d2
    expect(await devices().tokensForProfile(f.project.id, u)).toEqual([{ deviceId: 'd2', platform: 'android', token: 'token-B' }]);

    await put({ device_id: 'd2', platform: 'android', push_token: null });
    expect(await devices().tokensForProfile(f.project.id, u)).toEqual([]);
    expect((await devices().get(f.project.id, 'd1'))?.properties).toEqual({ app_version: '2' });
  });

  it('a web device carries a Web Push subscription (object or JSON string) in push_token', async () => {
    f = await marketapFixture();
    await put({ device_id: 'browser-1', user_id: 'w', platform: 'web', push_token: SUBSCRIPTION });
    await put({
      device_id: 'browser-2',
      user_id: 'w',
      platform: 'web',
      push_token: JSON.stringify({ ...SUBSCRIPTION, endpoint: 'https://updates.push.services.mozilla.com/wpush/v2/x' }),
    });
    const w = (await profileOf('external_id', 'w'))!;
    expect(await devices().webPushSubscriptionsForProfile(f.project.id, w)).toEqual([
      { deviceId: 'browser-2', subscription: { ...SUBSCRIPTION, endpoint: 'https://updates.push.services.mozilla.com/wpush/v2/x' } },
      { deviceId: 'browser-1', subscription: SUBSCRIPTION },
    ]);
    expect(await devices().tokensForProfile(f.project.id, w)).toEqual([]);
    const bad = await f.post('/v1/api/profile/user/device/bulk', {
      devices: [{ device_id: 'b3', platform: 'web', push_token: { ...SUBSCRIPTION, endpoint: 'http://insecure.example/x' } }],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({
      error: { code: 'invalid_input', message: 'devices[0].push_token.endpoint must be an https URL', field: 'devices[0].push_token.endpoint' },
    });
    await put({ device_id: 'browser-1', platform: 'web', push_token: null });
    expect((await devices().webPushSubscriptionsForProfile(f.project.id, w)).map((s) => s.deviceId)).toEqual(['browser-2']);
  });

  it('names each malformed field; nothing of the request is stored', async () => {
    f = await marketapFixture({ limits: { bulk_requests: 1000 } });
    const ok = { device_id: 'fine', user_id: 'someone', platform: 'ios', push_token: 't' };
    const cases: [object, string, string][] = [
      [{ platform: 'ios' }, 'devices[1].device_id', 'devices[1].device_id is required'],
      [{ device_id: 7, platform: 'ios' }, 'devices[1].device_id', 'devices[1].device_id must be a string'],
      [
        { device_id: '00000000-0000-0000-0000-000000000000', platform: 'ios' },
        'devices[1].device_id',
        'devices[1].device_id does not identify a device (empty, null-like, placeholder and all-zero values are not accepted)',
      ],
      [{ device_id: 'd' }, 'devices[1].platform', 'devices[1].platform is required'],
      [{ device_id: 'd', platform: 'windows' }, 'devices[1].platform', 'devices[1].platform is required and must be one of ios, android, web'],
      [{ device_id: 'd', platform: 'ios', push_token: 123 }, 'devices[1].push_token', 'devices[1].push_token must be a string, a JSON object or null'],
      [
        { device_id: 'd', platform: 'ios', push_token: { endpoint: 'https://x' } },
        'devices[1].push_token',
        'devices[1].push_token must be a non-empty string of at most 4096 characters, or null to remove it',
      ],
      [
        { device_id: 'd', platform: 'web', push_token: { endpoint: 'https://x.example/1' } },
        'devices[1].push_token.keys',
        'devices[1].push_token.keys must hold the p256dh and auth strings of the subscription',
      ],
      [
        { device_id: 'd', platform: 'ios', user_id: 'null' },
        'devices[1].user_id',
        'devices[1].user_id "null" does not identify a user (empty, null-like, placeholder and all-zero values are not accepted)',
      ],
      [
        { device_id: 'd', platform: 'ios', properties: { nested: { a: 1 } } },
        'devices[1].properties.nested',
        'devices[1].properties.nested must be a string, number, boolean, an array of them, or null to remove it',
      ],
      [{ device_id: 'd', platform: 'ios', properties: ['x'] }, 'devices[1].properties', 'devices[1].properties must be a JSON object or null'],
      [
        { device_id: 'd', platform: 'ios', token: 'x' },
        'devices[1].token',
        'devices[1].token is not a field of this request; use device_id, user_id, platform, push_token, properties',
      ],
    ];
    for (const [bad, field, message] of cases) {
      const r = await f.post('/v1/api/profile/user/device/bulk', { devices: [ok, bad] });
      expect(r.statusCode, JSON.stringify(bad)).toBe(400);
      expect(r.json(), JSON.stringify(bad)).toEqual({ error: { code: 'invalid_input', message, field } });
    }
    expect(await rows(f.t, 'devices', f.project.id)).toEqual([]);
    expect(await rows(f.t, 'profiles', f.project.id)).toEqual([]);
    expect(await rows(f.t, 'identifiers', f.project.id)).toEqual([]);
  });
});
