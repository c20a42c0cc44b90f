import { afterEach, describe, expect, it } from 'vitest';
import { generateVapidKeys } from '../../src/channels/webpush/vapid.provider.ts';
import { channelWorld, user, type ChannelWorld } from '../helpers/channels.ts';

/** The SDK endpoints for browsers: the VAPID public key and Web Push subscription registration. */
let w: ChannelWorld;
afterEach(async () => {
  await w?.close();
});

const SUB = {
  endpoint: 'https://fcm.googleapis.com/fcm/send/abc:def',
  keys: { p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM', auth: 'tBHItJI5svbpez7KI4CCXg' },
};
const url = (path: string) => `${path}?project_id=${w.project.id}`;

describe('GET /sdk/v1/webpush/vapid-public-key', () => {
  it('is public, answers the configured key with CORS headers, and 404 when web push is not configured', async () => {
    w = await channelWorld();
    const missing = await w.inject('GET', url('/sdk/v1/webpush/vapid-public-key'));
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    expect(missing.headers['access-control-allow-origin']).toBe('*');
    expect((await w.inject('GET', '/sdk/v1/webpush/vapid-public-key?project_id=nosuchproject')).status).toBe(404);
    expect((await w.inject('GET', '/sdk/v1/webpush/vapid-public-key')).status).toBe(400);

    const keys = generateVapidKeys();
    expect((await w.admin('PUT', '/channels/web_push', { vendor: 'vapid', config: { vapid: { subject: 'https://shop.example', ...keys } } })).status).toBe(200);
    const r = await w.inject('GET', url('/sdk/v1/webpush/vapid-public-key'));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ project_id: w.project.id, public_key: keys.publicKey });
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.text).not.toContain(keys.privateKey);

    const preflight = await w.inject('OPTIONS', url('/sdk/v1/webpush/subscriptions'), undefined, {
      origin: 'https://shop.example',
      'access-control-request-method': 'POST',
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    expect(preflight.headers['access-control-allow-headers']).toContain('content-type');
  });
});

describe('POST /sdk/v1/webpush/subscriptions', () => {
  it('anonymous: registers the subscription on a new web device, without a user', async () => {
    w = await channelWorld();
    const r = await w.inject('POST', url('/sdk/v1/webpush/subscriptions'), { device_id: 'browser-a', subscription: SUB, properties: { browser: 'firefox' } });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({ device_id: 'browser-a' });
    expect(r.headers['x-ratelimit-limit']).toBe('5000');
    const device = (await w.runtime.devices.get(w.project.id, 'browser-a'))!;
    expect(device).toMatchObject({ platform: 'web', webPush: SUB, pushToken: null, properties: { browser: 'firefox' } });
    expect((await w.runtime.profiles.get(w.project.id, device.profileId))!.identifiers).toEqual([{ type: 'device_id', value: 'browser-a' }]);

    // The subscription rotates: the same device takes the new one.
    const rotated = { ...SUB, endpoint: 'https://fcm.googleapis.com/fcm/send/new' };
    expect((await w.inject('POST', url('/sdk/v1/webpush/subscriptions'), { device_id: 'browser-a', subscription: rotated })).status).toBe(200);
    expect((await w.runtime.devices.get(w.project.id, 'browser-a'))!.webPush).toEqual(rotated);
  });

  it('anonymous callers cannot link a user, touch app devices, or register when the project turned it off', async () => {
    w = await channelWorld();
    await user(w, { userId: 'victim', devices: [{ deviceId: 'victim-phone', platform: 'ios', pushToken: 'c3'.repeat(32) }] });

    const linked = await w.inject('POST', url('/sdk/v1/webpush/subscriptions'), { device_id: 'browser-x', user_id: 'victim', subscription: SUB });
    expect(linked.status).toBe(403);
    expect(linked.body.error).toMatchObject({ code: 'forbidden', field: 'user_id' });
    expect(await w.runtime.devices.get(w.project.id, 'browser-x')).toBeUndefined();

    const app = await w.inject('POST', url('/sdk/v1/webpush/subscriptions'), { device_id: 'victim-phone', subscription: SUB });
    expect(app.status).toBe(409);
    expect(app.body.error).toMatchObject({ code: 'conflict', field: 'device_id' });
    expect(await w.runtime.devices.get(w.project.id, 'victim-phone')).toMatchObject({ platform: 'ios', webPush: null, pushToken: 'c3'.repeat(32) });

    const bad = await w.inject('POST', url('/sdk/v1/webpush/subscriptions'), {
      device_id: 'browser-y',
      subscription: { ...SUB, endpoint: 'http://push.example.com/x' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('subscription.endpoint');

    await w.runtime.projects.update(w.project.id, { settings: { sdk: { anonymousWebPush: false } } });
    const off = await w.inject('POST', url('/sdk/v1/webpush/subscriptions'), { device_id: 'browser-z', subscription: SUB });
    expect(off.status).toBe(401);
    expect(await w.runtime.devices.get(w.project.id, 'browser-z')).toBeUndefined();
    // ...while the API key still works.
    const withKey = await w.inject(
      'POST',
      url('/sdk/v1/webpush/subscriptions'),
      { device_id: 'browser-z', subscription: SUB },
      { authorization: `Bearer ${w.credentials.api_key}` },
    );
    expect(withKey.status).toBe(200);
  });

  it('with the project API key: links the browser to the user; a wrong or foreign key is 401', async () => {
    w = await channelWorld();
    const profileId = await user(w, { userId: 'kim' });
    const wrong = await w.inject(
      'POST',
      url('/sdk/v1/webpush/subscriptions'),
      { device_id: 'browser-k', user_id: 'kim', subscription: SUB },
      { authorization: `Bearer ${w.credentials.import_token}` },
    );
    expect(wrong.status).toBe(401);
    expect(await w.runtime.devices.get(w.project.id, 'browser-k')).toBeUndefined();

    const r = await w.inject(
      'POST',
      url('/sdk/v1/webpush/subscriptions'),
      { device_id: 'browser-k', user_id: 'kim', subscription: SUB },
      { authorization: `Bearer ${w.credentials.api_key}` },
    );
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({ device_id: 'browser-k', profile_id: profileId });
    expect(await w.runtime.devices.webPushSubscriptionsForProfile(w.project.id, profileId)).toEqual([{ deviceId: 'browser-k', subscription: SUB }]);
  });
});

describe('DELETE /sdk/v1/webpush/subscriptions', () => {
  it('removes the subscription of a web device; 404 for an unknown device', async () => {
    w = await channelWorld();
    await w.inject('POST', url('/sdk/v1/webpush/subscriptions'), { device_id: 'browser-d', subscription: SUB });
    const r = await w.inject('DELETE', url('/sdk/v1/webpush/subscriptions'), { device_id: 'browser-d' });
    expect(r.status).toBe(204);
    expect((await w.runtime.devices.get(w.project.id, 'browser-d'))!.webPush).toBeNull();
    expect((await w.inject('DELETE', url('/sdk/v1/webpush/subscriptions'), { device_id: 'no-such-browser' })).status).toBe(404);
  });
});
