import type { Clock } from '../../platform/clock.ts';
import type { Db, Store } from '../../platform/db/store.ts';
import { MaruError, invalid } from '../errors.ts';
import { isIdentifier, parseExternalId, parseIdentifier, type Identifier } from '../identity/identifiers.ts';
import type { IdentityService } from '../identity/identity.service.ts';
import * as identityRepo from '../identity/identity.repository.ts';
import { checkName } from '../taxonomy/taxonomy.service.ts';
import { isPlainObject } from '../events/events.service.ts';
import * as repo from './devices.repository.ts';
import { ownRecord, setOwn } from '../input/input-checks.ts';
import { PLATFORMS, type Device, type DeviceUpdate, type Platform, type PushTarget, type WebPushSubscription, type WebPushTarget } from './devices.types.ts';

export const MAX_TOKEN_LENGTH = 4096;
const MAX_DEVICE_PROPERTIES = 100;

interface PreparedDevice {
  device: Identifier;
  external: Identifier | undefined;
  platform: Platform;
  /** undefined: keep; null: remove */
  pushToken: string | null | undefined;
  webPush: WebPushSubscription | null | undefined;
  properties: Record<string, unknown>;
  removals: string[];
  fields: DeviceUpdate['fields'];
}

/**
 * Devices of profiles: platform, push token, Web Push subscription and device attributes.
 *
 * A device is an identifier of the identity graph (type `device_id`) and a row of the `devices` table, which is what
 * channels read. Rules:
 * - registering a device with a user (external_id) resolves the pair through identity resolution (D6): a device
 *   first seen anonymously joins its user (the anonymous profile merges into the user's); a device registered to
 *   another user moves — its row and its `device_id` identifier are re-pointed, its past events stay where they were;
 * - a device registered without a user keeps its current owner; a new one gets an anonymous profile;
 * - a push token belongs to one device: setting it on one device clears it from any other device of the project;
 * - when the user already holds the most `device_id` identifiers allowed, the device row still points at the user,
 *   but the identifier is not attached (and is removed from its previous owner).
 *
 * Read side (channels, campaign engine): `tokensForProfile`, `webPushSubscriptionsForProfile`, `listForProfile`;
 * feedback from providers: `removeToken` (token unregistered), `setWebPushSubscription(..., null)` (subscription gone).
 */
export class DevicesService {
  #store: Store;
  #clock: Clock;
  #identity: IdentityService;
  #perType: number;

  constructor(deps: { store: Store; clock: Clock; identity: IdentityService; identifiersPerType: number }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#identity = deps.identity;
    this.#perType = deps.identifiersPerType;
  }

  /** Registers or updates devices: validated whole, then applied in one write unit (all or nothing). */
  async upsert(input: { projectId: string; devices: DeviceUpdate[] }): Promise<{ deviceId: string; profileId: string }[]> {
    const prepared = input.devices.map((d) => prepare(d));
    const now = this.#clock.now();
    return this.#store.write(async (tx) => {
      const out: { deviceId: string; profileId: string }[] = [];
      for (const p of prepared) out.push(await this.#apply(tx, input.projectId, p, now));
      return out;
    });
  }

  async #apply(tx: Db, projectId: string, p: PreparedDevice, now: number): Promise<{ deviceId: string; profileId: string }> {
    const existing = await repo.findDevice(tx, projectId, p.device.value);
    let profileId: string;
    if (p.external) {
      const r = await this.#identity.resolve(tx, { projectId, identifiers: [p.external, p.device], now });
      profileId = r.profileId;
      await this.#attachDeviceIdentifier(tx, projectId, profileId, p.device, now);
    } else if (existing) {
      profileId = existing.profileId;
    } else {
      profileId = (await this.#identity.resolve(tx, { projectId, identifiers: [p.device], now })).profileId;
    }

    const properties = { ...(existing?.properties ?? {}), ...p.properties };
    for (const k of p.removals) delete properties[k];
    if (Object.keys(properties).length > MAX_DEVICE_PROPERTIES) {
      throw invalid(p.fields.properties, `${p.fields.properties}: a device holds at most ${MAX_DEVICE_PROPERTIES} properties`);
    }
    const device: Device = {
      deviceId: p.device.value,
      profileId,
      platform: p.platform,
      pushToken: p.pushToken === undefined ? (existing?.pushToken ?? null) : p.pushToken,
      webPush: p.webPush === undefined ? (existing?.webPush ?? null) : p.webPush,
      properties,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    if (device.platform !== 'web') device.webPush = null;
    // A replayed registration changes nothing, not even updated_at (D6: replay-safe).
    if (existing && sameDevice(existing, device)) return { deviceId: device.deviceId, profileId };
    if (device.pushToken) await repo.clearToken(tx, projectId, device.pushToken, now, device.deviceId);
    await repo.saveDevice(tx, projectId, device);
    return { deviceId: device.deviceId, profileId };
  }

  /** Makes the device_id identifier point at `profileId` when the profile has room for it; otherwise detaches it. */
  async #attachDeviceIdentifier(tx: Db, projectId: string, profileId: string, device: Identifier, now: number): Promise<void> {
    const [owner] = await identityRepo.findOwners(tx, projectId, [device]);
    if (owner?.profile_id === profileId) return;
    const held = (await identityRepo.identifiersOf(tx, projectId, [profileId])).filter((i) => i.type === 'device_id').length;
    if (held < this.#perType) {
      if (owner) await identityRepo.moveIdentifiers(tx, projectId, profileId, [device]);
      else await identityRepo.insertIdentifiers(tx, projectId, profileId, [device], now);
    } else if (owner) {
      await repo.deleteIdentifier(tx, projectId, device.type, device.value);
    }
  }

  /** A device by id. */
  get(projectId: string, deviceId: string): Promise<Device | undefined> {
    return repo.findDevice(this.#store.db, projectId, deviceId.trim());
  }

  /** Every device of a profile (an absorbed profile id resolves to its survivor), most recently updated first. */
  async listForProfile(projectId: string, profileId: string): Promise<Device[]> {
    const live = await identityRepo.resolveAlias(this.#store.db, projectId, profileId);
    return repo.devicesOf(this.#store.db, projectId, live);
  }

  /** The push tokens (FCM/APNs) of a profile's devices, optionally of one platform, most recently updated first. */
  async tokensForProfile(projectId: string, profileId: string, platform?: Platform): Promise<PushTarget[]> {
    const devices = await this.listForProfile(projectId, profileId);
    return devices
      .filter((d) => d.pushToken !== null && (platform === undefined || d.platform === platform))
      .map((d) => ({ deviceId: d.deviceId, platform: d.platform, token: d.pushToken! }));
  }

  /** The Web Push subscriptions of a profile's browsers. */
  async webPushSubscriptionsForProfile(projectId: string, profileId: string): Promise<WebPushTarget[]> {
    const devices = await this.listForProfile(projectId, profileId);
    return devices.filter((d) => d.webPush !== null).map((d) => ({ deviceId: d.deviceId, subscription: d.webPush! }));
  }

  /** Forgets a push token (a provider reported it unregistered); returns how many devices held it. */
  async removeToken(projectId: string, token: string): Promise<number> {
    return this.#store.write((tx) => repo.clearToken(tx, projectId, token, this.#clock.now()));
  }

  /**
   * Sets (or, with null, removes — e.g. after a 404/410 from the push service) the Web Push subscription of an existing
   * web device. Throws not_found for an unknown device.
   */
  async setWebPushSubscription(input: { projectId: string; deviceId: string; subscription: unknown }): Promise<void> {
    const subscription = input.subscription === null ? null : checkWebPush(input.subscription, 'subscription');
    const deviceId = input.deviceId.trim();
    await this.#store.write(async (tx) => {
      const d = await repo.findDevice(tx, input.projectId, deviceId);
      if (!d) throw new MaruError('not_found', 'no such device', { field: 'device_id' });
      if (subscription && d.platform !== 'web') throw invalid('subscription', 'only a web device has a Web Push subscription');
      await repo.setWebPush(tx, input.projectId, deviceId, subscription, this.#clock.now());
    });
  }
}

/** Checks one update whole, before anything is written. (The phone region is unused for these identifier types.) */
function prepare(d: DeviceUpdate): PreparedDevice {
  const f = d.fields;
  if (typeof d.deviceId !== 'string' || d.deviceId.trim().length === 0) throw invalid(f.deviceId, `${f.deviceId} is required and must be a non-empty string`);
  const device = parseIdentifier('device_id', d.deviceId, { field: f.deviceId, region: 'KR' });
  if (!isIdentifier(device))
    throw invalid(f.deviceId, `${f.deviceId} does not identify a device (empty, null-like, placeholder and all-zero values are not accepted)`);
  const externalId = parseExternalId(d.externalId, f.externalId, { required: false });
  const external: Identifier | undefined = externalId === undefined ? undefined : { type: 'external_id', value: externalId, raw: externalId };

  const platform = typeof d.platform === 'string' ? d.platform.trim().toLowerCase() : undefined;
  if (!platform || !(PLATFORMS as readonly string[]).includes(platform)) {
    throw invalid(f.platform, `${f.platform} is required and must be one of ${PLATFORMS.join(', ')}`);
  }

  let pushToken: string | null | undefined;
  if (d.pushToken === null) pushToken = null;
  else if (d.pushToken !== undefined) {
    if (typeof d.pushToken !== 'string' || d.pushToken.trim().length === 0 || d.pushToken.length > MAX_TOKEN_LENGTH) {
      throw invalid(f.pushToken, `${f.pushToken} must be a non-empty string of at most ${MAX_TOKEN_LENGTH} characters, or null to remove it`);
    }
    pushToken = d.pushToken.trim();
  }

  let webPush: WebPushSubscription | null | undefined;
  if (d.webPush === null) webPush = null;
  else if (d.webPush !== undefined) {
    if (platform !== 'web') throw invalid(f.webPush, `${f.webPush}: only a web device has a Web Push subscription`);
    webPush = checkWebPush(d.webPush, f.webPush);
  }

  const properties = ownRecord();
  const removals: string[] = [];
  if (d.properties !== undefined && d.properties !== null) {
    if (!isPlainObject(d.properties)) throw invalid(f.properties, `${f.properties} must be an object`);
    const entries = Object.entries(d.properties);
    if (entries.length > MAX_DEVICE_PROPERTIES) throw invalid(f.properties, `${f.properties} has more than ${MAX_DEVICE_PROPERTIES} properties`);
    for (const [name, value] of entries) {
      const field = `${f.properties}.${name}`;
      checkName(field, name);
      if (value === null) removals.push(name);
      else if (isScalar(value) || (Array.isArray(value) && value.every(isScalar))) setOwn(properties, name, value);
      else throw invalid(field, `${field} must be a string, number, boolean, an array of them, or null to remove it`);
    }
  }
  return { device, external, platform: platform as Platform, pushToken, webPush, properties, removals, fields: f };
}

const sameDevice = (a: Device, b: Device) =>
  a.profileId === b.profileId &&
  a.platform === b.platform &&
  a.pushToken === b.pushToken &&
  JSON.stringify(a.webPush) === JSON.stringify(b.webPush) &&
  JSON.stringify(a.properties) === JSON.stringify(b.properties);

const isScalar = (v: unknown) => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/** A Web Push subscription: `{endpoint: "https://...", keys: {p256dh, auth}}` (or the same as a JSON string). */
export function checkWebPush(value: unknown, field: string): WebPushSubscription {
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      throw invalid(field, `${field} must be a Web Push subscription object {endpoint, keys: {p256dh, auth}}`);
    }
  }
  if (!isPlainObject(v)) throw invalid(field, `${field} must be a Web Push subscription object {endpoint, keys: {p256dh, auth}}`);
  const endpoint = v.endpoint;
  let url: URL | undefined;
  try {
    url = typeof endpoint === 'string' ? new URL(endpoint) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'https:' || (endpoint as string).length > 2048) throw invalid(`${field}.endpoint`, `${field}.endpoint must be an https URL`);
  const keys = v.keys;
  if (!isPlainObject(keys) || typeof keys.p256dh !== 'string' || !keys.p256dh || typeof keys.auth !== 'string' || !keys.auth) {
    throw invalid(`${field}.keys`, `${field}.keys must hold the p256dh and auth strings of the subscription`);
  }
  if (keys.p256dh.length > 256 || keys.auth.length > 256) throw invalid(`${field}.keys`, `${field}.keys are too long`);
  const out: WebPushSubscription = { endpoint: endpoint as string, keys: { p256dh: keys.p256dh, auth: keys.auth } };
  if (typeof v.expirationTime === 'number') out.expirationTime = v.expirationTime;
  return out;
}
