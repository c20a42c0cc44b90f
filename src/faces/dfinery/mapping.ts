import { MaruError } from '../../core/errors.ts';
import type { EventInput, EventWireNames } from '../../core/events/events.service.ts';
import type { IdentifierInput, ProfileUpdate } from '../../core/profiles/profiles.service.ts';
import { parseDatetime } from '../../core/taxonomy/values.ts';
import { invalid } from '../../core/errors.ts';
import { MAX_ITEMS, type EventsBody, type IdentitiesBody, type UserProfileBody } from './schemas.ts';

/**
 * DFINERY request bodies → the core's inputs. The shapes are checked by Fastify with schemas.ts before these run
 * (unknown fields, types, required fields, counts); what is left here is what a schema cannot say.
 */

const IDENTITY_TYPES: Record<keyof EventsBody['common']['identity'], IdentifierInput['type']> = {
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

type Identity = EventsBody['common']['identity'];

function mapIdentity(identity: Identity, field: string): IdentifierInput[] {
  return (Object.keys(identity) as (keyof Identity)[]).map((k) => ({ type: IDENTITY_TYPES[k], value: identity[k], field: `${field}.${k}` }));
}

function checkRequestDatetime(value: string | null | undefined, field: string) {
  if (value !== undefined && value !== null && parseDatetime(value) === undefined) {
    throw invalid(field, `${field} must be an ISO 8601 datetime with Z or an offset (yyyy-MM-dd'T'HH:mm:ss(.SSS)Z)`);
  }
}

/** POST /api/v1/events body → events with the shared identity. */
export function mapEventsBody(body: EventsBody): EventInput[] {
  const identifiers = mapIdentity(body.common.identity, 'common.identity');
  const items = body.events.reduce((n, e) => n + (e.event_items?.length ?? 0), 0);
  if (items > MAX_ITEMS) throw new MaruError('too_many_items', `at most ${MAX_ITEMS} event items per request, got ${items}`, { details: { kind: 'events' } });
  return body.events.map((e) => ({
    key: e.event_log_id,
    name: e.event_name,
    occurredAt: e.event_datetime,
    properties: e.event_properties,
    items: e.event_items,
    identifiers,
  }));
}

/** POST /api/v1/identities body → identifiers. */
export function mapIdentitiesBody(body: IdentitiesBody): IdentifierInput[] {
  checkRequestDatetime(body.request_datetime, 'request_datetime');
  return mapIdentity(body.identity, 'identity');
}

/** POST /api/v1/user-profile body (one object, or an array of them) → profile updates. */
export function mapUserProfileBody(body: UserProfileBody): ProfileUpdate[] {
  const list = Array.isArray(body) ? body : [body];
  const prefix = (i: number) => (Array.isArray(body) ? `[${i}].` : '');
  return list.map((b, i) => {
    checkRequestDatetime(b.request_datetime, `${prefix(i)}request_datetime`);
    return {
      identifiers: mapIdentity(b.identity, `${prefix(i)}identity`),
      properties: b.user_properties ?? {},
      identityField: `${prefix(i)}identity`,
      propertiesField: `${prefix(i)}user_properties`,
    };
  });
}
