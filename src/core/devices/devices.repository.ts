import type { Db } from '../../platform/db/store.ts';
import type { DeviceRow } from '../../platform/db/schema.ts';
import type { Device, Platform, WebPushSubscription } from './devices.types.ts';

const toDevice = (r: DeviceRow): Device => ({
  deviceId: r.device_id,
  profileId: r.profile_id,
  platform: r.platform as Platform,
  pushToken: r.push_token,
  webPush: r.webpush ? (JSON.parse(r.webpush) as WebPushSubscription) : null,
  properties: JSON.parse(r.properties) as Record<string, unknown>,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function findDevice(db: Db, projectId: string, deviceId: string): Promise<Device | undefined> {
  const r = await db.selectFrom('devices').selectAll().where('project_id', '=', projectId).where('device_id', '=', deviceId).executeTakeFirst();
  return r && toDevice(r);
}

export async function devicesOf(db: Db, projectId: string, profileId: string): Promise<Device[]> {
  const rows = await db
    .selectFrom('devices')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('profile_id', '=', profileId)
    .orderBy('updated_at', 'desc')
    .orderBy('device_id')
    .execute();
  return rows.map(toDevice);
}

/** Inserts the device or replaces every stored field of it (created_at is kept). */
export async function saveDevice(db: Db, projectId: string, d: Device): Promise<void> {
  const row = {
    project_id: projectId,
    device_id: d.deviceId,
    profile_id: d.profileId,
    platform: d.platform,
    push_token: d.pushToken,
    webpush: d.webPush ? JSON.stringify(d.webPush) : null,
    properties: JSON.stringify(d.properties),
    created_at: d.createdAt,
    updated_at: d.updatedAt,
  };
  await db
    .insertInto('devices')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['project_id', 'device_id']).doUpdateSet({
        profile_id: row.profile_id,
        platform: row.platform,
        push_token: row.push_token,
        webpush: row.webpush,
        properties: row.properties,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}

/** Clears a push token from every device holding it (except `keepDeviceId`); returns how many were cleared. */
export async function clearToken(db: Db, projectId: string, token: string, now: number, keepDeviceId?: string): Promise<number> {
  let q = db.updateTable('devices').set({ push_token: null, updated_at: now }).where('project_id', '=', projectId).where('push_token', '=', token);
  if (keepDeviceId !== undefined) q = q.where('device_id', '!=', keepDeviceId);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows ?? 0n);
}

export async function setWebPush(db: Db, projectId: string, deviceId: string, subscription: WebPushSubscription | null, now: number): Promise<number> {
  const r = await db
    .updateTable('devices')
    .set({ webpush: subscription ? JSON.stringify(subscription) : null, updated_at: now })
    .where('project_id', '=', projectId)
    .where('device_id', '=', deviceId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows ?? 0n);
}

/** Removes one identifier from the graph (a device that moved to a profile with no room for another device_id). */
export async function deleteIdentifier(db: Db, projectId: string, type: string, value: string): Promise<void> {
  await db.deleteFrom('identifiers').where('project_id', '=', projectId).where('type', '=', type).where('value', '=', value).execute();
}
