/** Device platforms a push token or subscription belongs to. */
export const PLATFORMS = ['ios', 'android', 'web'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** A browser's Web Push subscription (PushSubscription.toJSON()). */
export interface WebPushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  expirationTime?: number | null;
}

/** A device of a profile, as the core sees it. */
export interface Device {
  deviceId: string;
  profileId: string;
  platform: Platform;
  /** FCM/APNs registration token; null when none is known (or it was reported unregistered). */
  pushToken: string | null;
  /** Web Push subscription (platform `web`); null when none. */
  webPush: WebPushSubscription | null;
  /** Free-form device attributes (app version, OS, ...): strings, numbers, booleans or arrays of them. */
  properties: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

/** Where a channel provider can deliver a push message. */
export interface PushTarget {
  deviceId: string;
  platform: Platform;
  token: string;
}

export interface WebPushTarget {
  deviceId: string;
  subscription: WebPushSubscription;
}

/** Field names as the client wrote them, so errors name the field the client sent. */
export interface DeviceFields {
  deviceId: string;
  externalId: string;
  platform: string;
  pushToken: string;
  webPush: string;
  properties: string;
}

/**
 * One device registration or update, as a face received it (values unchecked).
 * `undefined` keeps what is stored; `null` removes it (push token, subscription, a property).
 */
export interface DeviceUpdate {
  deviceId: unknown;
  /** The user (external_id) the device belongs to now. Absent: the device keeps its owner (a new device gets an anonymous profile). */
  externalId?: unknown;
  platform: unknown;
  pushToken?: unknown;
  webPush?: unknown;
  properties?: unknown;
  fields: DeviceFields;
}
