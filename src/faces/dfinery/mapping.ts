import { MaruError, invalid } from '../../core/errors.ts';
import { isPlainObject, type EventInput, type EventWireNames } from '../../core/events/events.service.ts';
import type { IdentifierInput, ProfileUpdate } from '../../core/profiles/profiles.service.ts';
import { parseDatetime } from '../../core/taxonomy/values.ts';
import { ownValue } from '../../core/input/input-checks.ts';

/** Most events, and most items across them, in one events request (seed: "up to 100"). */
export const MAX_EVENTS = 100;
export const MAX_ITEMS = 100;
/** Most profiles in one user-profile request when the body is an array (the seed gives no number; see docs). */
export const MAX_PROFILES = 100;

const IDENTITY_FIELDS: Record<string, IdentifierInput['type']> = {
  external_id: 'external_id',
  phone_no: 'phone',
  email: 'email',
  kakao_user_id: 'kakao_user_id',
  line_user_id: 'line_user_id',
};

export const EVENT_WIRE: EventWireNames = {
  events: 'events',
  key: 'event_log_id',
  name: 'event_name',
  occurredAt: 'event_datetime',
  properties: 'event_properties',
  items: 'event_items',
  identity: 'common.identity',
  sharedIdentity: true,
};

function requireObject(value: unknown, field: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw invalid(field, `${field} is required and must be an object`);
  return value;
}

export function mapIdentity(value: unknown, field: string): IdentifierInput[] {
  const identity = requireObject(value, field);
  const out: IdentifierInput[] = [];
  for (const [k, v] of Object.entries(identity)) {
    const type = ownValue(IDENTITY_FIELDS, k);
    if (!type) throw invalid(`${field}.${k}`, `${field}.${k} is not an identifier; use ${Object.keys(IDENTITY_FIELDS).join(', ')}`);
    if (v !== null && v !== undefined && typeof v !== 'string') throw invalid(`${field}.${k}`, `${field}.${k} must be a String`);
    out.push({ type, value: v, field: `${field}.${k}` });
  }
  return out;
}

function checkRequestDatetime(body: Record<string, unknown>) {
  if (body.request_datetime !== undefined && body.request_datetime !== null && parseDatetime(body.request_datetime) === undefined) {
    throw invalid('request_datetime', "request_datetime must be an ISO 8601 datetime with Z or an offset (yyyy-MM-dd'T'HH:mm:ss(.SSS)Z)");
  }
}

/** POST /api/v1/events body → events with the shared identity. */
export function mapEventsBody(body: unknown): EventInput[] {
  const b = requireObject(body, 'body');
  const common = requireObject(b.common, 'common');
  const identifiers = mapIdentity(common.identity, 'common.identity');
  if (!Array.isArray(b.events)) throw invalid('events', 'events is required and must be an array');
  if (b.events.length === 0) throw invalid('events', 'events must contain at least one event');
  if (b.events.length > MAX_EVENTS) {
    throw new MaruError('too_many_items', `at most ${MAX_EVENTS} events per request, got ${b.events.length}`, { details: { kind: 'events' } });
  }
  let items = 0;
  return b.events.map((raw, i) => {
    const e = requireObject(raw, `events[${i}]`);
    if (e.event_log_id === undefined || e.event_log_id === null) throw invalid(`events[${i}].event_log_id`, `events[${i}].event_log_id is required`);
    if (e.event_datetime === undefined || e.event_datetime === null) throw invalid(`events[${i}].event_datetime`, `events[${i}].event_datetime is required`);
    if (Array.isArray(e.event_items)) {
      items += e.event_items.length;
      if (items > MAX_ITEMS) {
        throw new MaruError('too_many_items', `at most ${MAX_ITEMS} event items per request`, { details: { kind: 'events' } });
      }
    }
    for (const k of Object.keys(e)) {
      if (!['event_log_id', 'event_name', 'event_datetime', 'event_properties', 'event_items'].includes(k)) {
        throw invalid(`events[${i}].${k}`, `events[${i}].${k} is not a field of an event`);
      }
    }
    return { key: e.event_log_id, name: e.event_name, occurredAt: e.event_datetime, properties: e.event_properties, items: e.event_items, identifiers };
  });
}

/** POST /api/v1/identities body → identifiers. */
export function mapIdentitiesBody(body: unknown): IdentifierInput[] {
  const b = requireObject(body, 'body');
  checkRequestDatetime(b);
  return mapIdentity(b.identity, 'identity');
}

/** POST /api/v1/user-profile body (one object, or an array of them) → profile updates. */
export function mapUserProfileBody(body: unknown): ProfileUpdate[] {
  const list = Array.isArray(body) ? body : [body];
  if (list.length === 0) throw invalid('body', 'body must contain at least one user profile');
  if (list.length > MAX_PROFILES) {
    throw new MaruError('too_many_items', `at most ${MAX_PROFILES} user profiles per request, got ${list.length}`, { details: { kind: 'profiles' } });
  }
  const prefix = (i: number) => (Array.isArray(body) ? `[${i}].` : '');
  return list.map((raw, i) => {
    const b = requireObject(raw, Array.isArray(body) ? `[${i}]` : 'body');
    checkRequestDatetime(b);
    if (b.user_properties !== undefined && b.user_properties !== null && !isPlainObject(b.user_properties)) {
      throw invalid(`${prefix(i)}user_properties`, `${prefix(i)}user_properties must be an object`);
    }
    return {
      identifiers: mapIdentity(b.identity, `${prefix(i)}identity`),
      properties: (b.user_properties as Record<string, unknown> | undefined) ?? {},
      identityField: `${prefix(i)}identity`,
      propertiesField: `${prefix(i)}user_properties`,
    };
  });
}
