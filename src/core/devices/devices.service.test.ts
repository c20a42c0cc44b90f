import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MaruError } from '../errors.ts';
import { buildTestApp, createProject, ManualClock, type TestApp } from '../../../test/helpers/app.ts';
import type { DeviceUpdate } from './devices.types.ts';

const fields = (i = 0): DeviceUpdate['fields'] => ({
  deviceId: `devices[${i}].device_id`,
  externalId: `devices[${i}].user_id`,
  platform: `devices[${i}].platform`,
  pushToken: `devices[${i}].push_token`,
  webPush: `devices[${i}].push_token`,
  properties: `devices[${i}].properties`,
});

describe('DevicesService', () => {
  let t: TestApp;
  let clock: ManualClock;
  let projectId: string;
  beforeEach(async () => {
    clock = new ManualClock();
    t = await buildTestApp({ clock, env: { MARU_IDENTIFIERS_PER_TYPE: '2' } });
    projectId = (await createProject(t.runtime)).project.id;
  });
  afterEach(() => t.close());

  const upsert = (...devices: Omit<DeviceUpdate, 'fields'>[]) =>
    t.runtime.devices.upsert({ projectId, devices: devices.map((d, i) => ({ ...d, fields: fields(i) })) });
  const owner = (type: 'external_id' | 'device_id', value: string) => t.runtime.profiles.findByIdentifier(projectId, type, value);

  it('a user at the device_id limit still gets the device row; the identifier is not attached (and leaves its old owner)', async () => {
    await upsert({ deviceId: 'd1', externalId: 'u', platform: 'ios', pushToken: 't1' }, { deviceId: 'd2', externalId: 'u', platform: 'ios', pushToken: 't2' });
    await upsert({ deviceId: 'd3', externalId: 'other', platform: 'ios', pushToken: 't3' });
    const u = await owner('external_id', 'u');
    const [{ profileId }] = await upsert({ deviceId: 'd3', externalId: 'u', platform: 'ios' });
    expect(profileId).toBe(u);
    expect((await t.runtime.devices.tokensForProfile(projectId, u!)).map((x) => x.deviceId).sort()).toEqual(['d1', 'd2', 'd3']);
    expect(await owner('device_id', 'd3')).toBeUndefined();
    expect(
      (await t.runtime.profiles.get(projectId, u!))?.identifiers
        .filter((i) => i.type === 'device_id')
        .map((i) => i.value)
        .sort(),
    ).toEqual(['d1', 'd2']);
  });

  it('removeToken forgets a token wherever it is; setWebPushSubscription needs an existing web device', async () => {
    await upsert({ deviceId: 'a', externalId: 'u', platform: 'android', pushToken: 'dead-token' }, { deviceId: 'w', externalId: 'u', platform: 'web' });
    expect(await t.runtime.devices.removeToken(projectId, 'dead-token')).toBe(1);
    expect(await t.runtime.devices.removeToken(projectId, 'dead-token')).toBe(0);
    const u = (await owner('external_id', 'u'))!;
    expect(await t.runtime.devices.tokensForProfile(projectId, u)).toEqual([]);

    const subscription = { endpoint: 'https://push.example/abc', keys: { p256dh: 'p', auth: 'a' } };
    await t.runtime.devices.setWebPushSubscription({ projectId, deviceId: 'w', subscription });
    expect(await t.runtime.devices.webPushSubscriptionsForProfile(projectId, u)).toEqual([{ deviceId: 'w', subscription }]);
    await t.runtime.devices.setWebPushSubscription({ projectId, deviceId: 'w', subscription: null });
    expect(await t.runtime.devices.webPushSubscriptionsForProfile(projectId, u)).toEqual([]);

    const missing = await t.runtime.devices.setWebPushSubscription({ projectId, deviceId: 'nope', subscription }).catch((e: unknown) => e);
    expect((missing as MaruError).code).toBe('not_found');
    const notWeb = await t.runtime.devices.setWebPushSubscription({ projectId, deviceId: 'a', subscription }).catch((e: unknown) => e);
    expect([(notWeb as MaruError).code, (notWeb as MaruError).field]).toEqual(['invalid_input', 'subscription']);
  });

  it('reads through absorbed profile ids, and keeps other projects apart', async () => {
    await upsert({ deviceId: 'anon-device', platform: 'ios', pushToken: 'tok' });
    const anonymous = (await owner('device_id', 'anon-device'))!;
    clock.advance(1000);
    const [{ profileId: userProfile }] = await t.runtime.profiles.upsert({
      projectId,
      strict: false,
      updates: [{ identifiers: [{ type: 'external_id', value: 'u' }] }],
    });
    await upsert({ deviceId: 'anon-device', externalId: 'u', platform: 'ios' });
    const u = (await owner('external_id', 'u'))!;
    // The older (anonymous) profile survives the merge; the user's first profile id is now an alias of it.
    expect(u).toBe(anonymous);
    expect(userProfile).not.toBe(anonymous);
    for (const id of [u, userProfile]) {
      expect(await t.runtime.devices.tokensForProfile(projectId, id)).toEqual([{ deviceId: 'anon-device', platform: 'ios', token: 'tok' }]);
    }
    const other = (await createProject(t.runtime)).project.id;
    expect(await t.runtime.devices.tokensForProfile(other, u)).toEqual([]);
    expect(await t.runtime.devices.removeToken(other, 'tok')).toBe(0);
    expect(await t.runtime.devices.get(other, 'anon-device')).toBeUndefined();
  });

  it('a token set on one device is cleared from the others within the same request', async () => {
    await upsert(
      { deviceId: 'x', externalId: 'u1', platform: 'android', pushToken: 'same' },
      { deviceId: 'y', externalId: 'u2', platform: 'android', pushToken: 'same' },
    );
    const rows = await t.runtime.store.db
      .selectFrom('devices')
      .select(['device_id', 'push_token'])
      .where('project_id', '=', projectId)
      .orderBy('device_id')
      .execute();
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { device_id: 'x', push_token: null },
      { device_id: 'y', push_token: 'same' },
    ]);
  });
});
