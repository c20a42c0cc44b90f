import { invalid } from '../../core/errors.ts';
import type { BulkDeletionBody, DeletionBody, DevicesBody, EventsBody, ProfilesBody } from './schemas.ts';
import { isPlainObject, type EventInput, type EventWireNames } from '../../core/events/events.service.ts';
import type { DeviceUpdate } from '../../core/devices/devices.types.ts';
import { MAX_IDENTIFIER_LENGTH, parseExternalId, type IdentifierType } from '../../core/identity/identifiers.ts';
import { checkText, ownValue, setOwn } from '../../core/input/input-checks.ts';
import type { IdentifierInput, ProfileUpdate } from '../../core/profiles/profiles.service.ts';
import type { PropertyType } from '../../core/taxonomy/taxonomy.types.ts';
import { checkValue, parseDatetime } from '../../core/taxonomy/values.ts';

/**
 * Marketap's standard user properties (`mkt_*`, D8) and what they become in the core. An `identifier` also joins the
 * identity graph (D6). Values are checked against `type` here so errors name the `mkt_*` field the client sent.
 * The same table is in docs/marketap.md.
 */
export const STANDARD_PROPERTIES: Readonly<Record<string, { property: string; type: PropertyType; identifier?: IdentifierType }>> = {
  mkt_name: { property: 'df_name', type: 'string' },
  mkt_email: { property: 'df_email', type: 'string', identifier: 'email' },
  mkt_phone_number: { property: 'df_phone', type: 'string', identifier: 'phone' },
  mkt_gender: { property: 'df_gender', type: 'string' },
  mkt_birth_date: { property: 'df_birth', type: 'date' },
  mkt_membership: { property: 'df_membership', type: 'string' },
  mkt_push_opt_in: { property: 'df_push_ads_optin', type: 'boolean' },
  mkt_push_night_opt_in: { property: 'df_push_night_ads_optin', type: 'boolean' },
  mkt_text_message_opt_in: { property: 'df_sms_ads_optin', type: 'boolean' },
  mkt_text_message_night_opt_in: { property: 'df_sms_night_ads_optin', type: 'boolean' },
  mkt_email_opt_in: { property: 'df_email_ads_optin', type: 'boolean' },
  mkt_kakao_opt_in: { property: 'df_kakao_ads_optin', type: 'boolean' },
  mkt_kakao_night_opt_in: { property: 'df_kakao_night_ads_optin', type: 'boolean' },
};

/** Field names of POST /v1/api/events, so the core's errors name what the client wrote. */
export const EVENT_WIRE: EventWireNames = {
  events: 'events',
  key: 'event_id',
  name: 'name',
  occurredAt: 'timestamp',
  properties: 'properties',
  items: 'items',
  identity: 'user_id',
  occurredAtExample: '2025-01-17T05:39:22+09:00',
};

/** A user id (external_id): the core's one parser (a non-empty string or integer that identifies someone). */
const userId = (value: unknown, field: string): string => parseExternalId(value, field, { required: true })!;

/** An optional id (user_id or device_id of an event): a string or integer of at most MAX_IDENTIFIER_LENGTH, D16 text. */
function optionalId(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const v = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof v !== 'string') throw invalid(field, `${field} must be a string`);
  if (v.length > MAX_IDENTIFIER_LENGTH) throw invalid(field, `${field} must be at most ${MAX_IDENTIFIER_LENGTH} characters`);
  return checkText(v, field);
}

function checkTimestamp(value: unknown, field: string): void {
  if (value === undefined || value === null) return;
  if (parseDatetime(value) === undefined) {
    throw invalid(field, `${field} must be an ISO 8601 datetime with Z or an offset, e.g. "2025-01-17T05:39:22Z" or "2025-01-17T05:39:22+09:00"`);
  }
}

/**
 * POST /v1/api/profile/user → profile updates. `mkt_*` properties map through STANDARD_PROPERTIES (email and phone
 * also become identifiers); other properties are custom and go to the core as they are (D4 applies there).
 */
export function mapProfilesBody(body: ProfilesBody): ProfileUpdate[] {
  return body.profiles.map((p, i) => {
    const at = `profiles[${i}]`;
    const identifiers: IdentifierInput[] = [{ type: 'external_id', value: userId(p.user_id, `${at}.user_id`), field: `${at}.user_id` }];
    checkTimestamp(p.timestamp, `${at}.timestamp`);
    const properties: Record<string, unknown> = {};
    if (p.properties !== undefined && p.properties !== null) {
      const mappedFrom = new Map<string, string>();
      for (const [name, value] of Object.entries(p.properties)) {
        const field = `${at}.properties.${name}`;
        const std = ownValue(STANDARD_PROPERTIES, name);
        if (!std) {
          if (name.startsWith('mkt_')) {
            throw invalid(
              field,
              `${field}: ${name} is not a Marketap standard property (${Object.keys(STANDARD_PROPERTIES).join(', ')}); custom properties must not start with mkt_`,
            );
          }
          if (mappedFrom.has(name)) throw invalid(field, `${field}: set either ${mappedFrom.get(name)} or ${name}, not both`);
          mappedFrom.set(name, name);
          setOwn(properties, name, value);
          continue;
        }
        if (value !== null) {
          const checked = checkValue(std.type, value);
          if (!checked.ok) throw invalid(field, `${field} ${checked.reason}`);
        }
        if (mappedFrom.has(std.property)) throw invalid(field, `${field}: set either ${mappedFrom.get(std.property)} or ${name}, not both`);
        mappedFrom.set(std.property, name);
        properties[std.property] = value;
        if (std.identifier && value !== null) identifiers.push({ type: std.identifier, value, field });
      }
    }
    return { identifiers, properties, identityField: `${at}.user_id`, propertiesField: `${at}.properties` };
  });
}

/** POST /v1/api/events → events (validated against the taxonomy by the core). */
export function mapEventsBody(body: EventsBody): EventInput[] {
  return body.events.map((e, i) => {
    const at = `events[${i}]`;
    const user = optionalId(e.user_id, `${at}.user_id`);
    const device = optionalId(e.device_id, `${at}.device_id`);
    if (user === undefined && device === undefined) throw invalid(`${at}.user_id`, `${at}: one of user_id or device_id is required`);
    if (e.name !== undefined && e.event_name !== undefined && e.name !== e.event_name) {
      throw invalid(`${at}.event_name`, `${at}: name and event_name differ; send one of them`);
    }
    const name = e.name ?? e.event_name;
    if (typeof name !== 'string' || name.length === 0) throw invalid(`${at}.name`, `${at}.name (or event_name) is required and must be a non-empty string`);
    const identifiers: IdentifierInput[] = [];
    if (user !== undefined) identifiers.push({ type: 'external_id', value: user, field: `${at}.user_id` });
    if (device !== undefined) identifiers.push({ type: 'device_id', value: device, field: `${at}.device_id` });
    return { key: e.event_id, name, occurredAt: e.timestamp, properties: e.properties, items: e.items, identifiers };
  });
}

/**
 * POST /v1/api/profile/user/device/bulk → device updates. For a `web` device, `push_token` may be a Web Push
 * subscription (an object, or its JSON string) instead of an FCM token.
 */
export function mapDevicesBody(body: DevicesBody): DeviceUpdate[] {
  return body.devices.map((d, i) => {
    const at = `devices[${i}]`;
    if (d.user_id !== undefined && d.user_id !== null) userId(d.user_id, `${at}.user_id`);
    const isWeb = typeof d.platform === 'string' && d.platform.trim().toLowerCase() === 'web';
    const token = d.push_token;
    const subscription = isWeb && (isPlainObject(token) || (typeof token === 'string' && token.trim().startsWith('{')));
    return {
      deviceId: d.device_id,
      externalId: d.user_id,
      platform: d.platform,
      pushToken: subscription ? undefined : token,
      webPush: subscription ? token : token === null && isWeb ? null : undefined,
      properties: d.properties,
      fields: {
        deviceId: `${at}.device_id`,
        externalId: `${at}.user_id`,
        platform: `${at}.platform`,
        pushToken: `${at}.push_token`,
        webPush: `${at}.push_token`,
        properties: `${at}.properties`,
      },
    };
  });
}

/** POST /v1/api/profile/user/deletion-job → the one user id. */
export function mapDeletionBody(body: DeletionBody): string {
  return userIdForDeletion(body.user_id, 'user_id');
}

/** POST /v1/api/profile/user/deletion-job/bulk → the user ids (1..1,000). */
export function mapBulkDeletionBody(body: BulkDeletionBody): string[] {
  return body.user_ids.map((v, i) => userIdForDeletion(v, `user_ids[${i}]`));
}

/** Deleting accepts any non-empty id, even one that could never have identified anyone (it then deletes nothing). */
function userIdForDeletion(value: unknown, field: string): string {
  const v = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof v !== 'string' || v.trim().length === 0) throw invalid(field, `${field} is required and must be a non-empty string`);
  if (v.length > MAX_IDENTIFIER_LENGTH) throw invalid(field, `${field} must be at most ${MAX_IDENTIFIER_LENGTH} characters`);
  return checkText(v, field);
}
