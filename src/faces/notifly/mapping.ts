import { invalid } from '../../core/errors.ts';
import type { DeleteUsersBody, SetUserPropertiesBody, TrackEventBody } from './schemas.ts';
import type { ProfileSelector } from '../../core/deletion/deletion.service.ts';
import { isPlainObject, type EventInput, type EventWireNames } from '../../core/events/events.service.ts';
import { SEGMENTATION_KEYS_PROPERTY, checkSegmentationKeys } from '../../core/events/segmentation-keys.ts';
import { parseExternalId } from '../../core/identity/identifiers.ts';
import { ownValue, setOwn } from '../../core/input/input-checks.ts';
import type { IdentifierInput, ProfileUpdate } from '../../core/profiles/profiles.service.ts';

/**
 * The user properties Notifly treats specially: identifiers as well as properties. They are stored under the
 * core's standard user properties (df_email, df_phone), as written (trimmed), so every face and export sees one name.
 */
export const SPECIAL_USER_PROPERTIES = {
  $email: { identifier: 'email', property: 'df_email' },
  $phone_number: { identifier: 'phone', property: 'df_phone' },
} as const;

/** Field names of track-event as the core's event input sees them (errors name `body[i].<field>`). */
export const TRACK_EVENT_WIRE: EventWireNames = {
  events: 'body',
  key: 'eventId',
  name: 'eventName',
  occurredAt: 'timestamp',
  properties: 'eventParams',
  items: 'items',
  identity: 'userId',
};

type Element = { value: Record<string, unknown>; at: string };

/** A body is one object or an array of them (D9), shape checked by its schema; each element is named `body[i]`. */
function elements(body: object | object[]): Element[] {
  return (Array.isArray(body) ? body : [body]).map((value, i) => ({ value: value as Record<string, unknown>, at: `body[${i}]` }));
}

/** The current field name or its legacy spelling (projectID, userID); both given must agree. Returns the name used. */
function pick(e: Element, current: string, legacy: string): { value: unknown; field: string } {
  const a = e.value[current];
  const b = e.value[legacy];
  if (a !== undefined && b !== undefined && a !== b) {
    throw invalid(`${e.at}.${current}`, `${e.at}.${current} and ${e.at}.${legacy} (its legacy name) disagree`);
  }
  return a !== undefined ? { value: a, field: `${e.at}.${current}` } : { value: b, field: `${e.at}.${b !== undefined ? legacy : current}` };
}

function requireProjectId(e: Element): void {
  const p = pick(e, 'projectId', 'projectID');
  if (typeof p.value !== 'string' || p.value.length === 0) throw invalid(p.field, `${p.field} is required and must be a string`);
}

/** A user id: the core's one external-id parser (a string or integer that identifies someone, D6). */
function userId(e: Element, required: boolean): string | undefined {
  const u = pick(e, 'userId', 'userID');
  return parseExternalId(u.value, u.field, { required });
}

/** Every project id a body names (current and legacy spelling), for the token scope check before any work. */
export function projectIdsInBody(body: unknown): { value: unknown; field: string }[] {
  const list = Array.isArray(body) ? body : [body];
  const out: { value: unknown; field: string }[] = [];
  list.forEach((e, i) => {
    if (!isPlainObject(e)) return;
    if (e.projectId !== undefined) out.push({ value: e.projectId, field: `body[${i}].projectId` });
    if (e.projectID !== undefined) out.push({ value: e.projectID, field: `body[${i}].projectID` });
  });
  return out;
}

/** POST /track-event body → events (received now, keyed by maru, for the external_id `userId`). */
export function mapTrackEventBody(body: TrackEventBody): EventInput[] {
  return elements(body).map((e) => {
    requireProjectId(e);
    const user = userId(e, true)!;
    const params = e.value.eventParams;
    const properties: Record<string, unknown> = { ...((params as Record<string, unknown> | null | undefined) ?? {}) };
    if (Object.hasOwn(properties, SEGMENTATION_KEYS_PROPERTY)) {
      throw invalid(
        `${e.at}.eventParams.${SEGMENTATION_KEYS_PROPERTY}`,
        `${e.at}.eventParams.${SEGMENTATION_KEYS_PROPERTY} is reserved; use segmentationEventParamKeys`,
      );
    }
    const keys = checkSegmentationKeys({ value: e.value.segmentationEventParamKeys, field: `${e.at}.segmentationEventParamKeys` });
    if (keys.length > 0) properties[SEGMENTATION_KEYS_PROPERTY] = keys;
    return { name: e.value.eventName, properties, identifiers: [{ type: 'external_id', value: user }] };
  });
}

/** POST /set-user-properties body → profile updates (`$email`/`$phone_number` as identifiers and df_email/df_phone). */
export function mapSetUserPropertiesBody(body: SetUserPropertiesBody): ProfileUpdate[] {
  return elements(body).map((e) => {
    requireProjectId(e);
    const user = userId(e, true)!;
    const props = e.value.userProperties as Record<string, unknown>;
    const identifiers: IdentifierInput[] = [{ type: 'external_id', value: user, field: pick(e, 'userId', 'userID').field }];
    const properties: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(props)) {
      const special = ownValue(SPECIAL_USER_PROPERTIES, k);
      if (!special) {
        setOwn(properties, k, v);
        continue;
      }
      const field = `${e.at}.userProperties.${k}`;
      if (v === null || v === undefined || (typeof v === 'string' && v.trim() === '')) {
        properties[special.property] = null; // clears the property; identifiers are removed only by deleting the user
        continue;
      }
      if (typeof v !== 'string') throw invalid(field, `${field} must be a string`);
      identifiers.push({ type: special.identifier, value: v.trim(), field });
      properties[special.property] = v.trim();
    }
    return { identifiers, properties, identityField: `${e.at}.userId`, propertiesField: `${e.at}.userProperties` };
  });
}

/**
 * DELETE /users body → selectors. Each entry names a user by `userId`, `userProperties.$email` and/or
 * `userProperties.$phone_number`; every profile any of them selects is deleted. The phone matches only the number
 * exactly as it was written (seed: 010-1234-1234 ≠ 01012341234).
 */
export function mapDeleteUsersBody(body: DeleteUsersBody): ProfileSelector[] {
  const selectors: ProfileSelector[] = [];
  for (const e of elements(body)) {
    requireProjectId(e);
    const before = selectors.length;
    const user = userId(e, false);
    if (user !== undefined) selectors.push({ type: 'external_id', value: user });
    const props = e.value.userProperties as Record<string, string | null | undefined> | null | undefined;
    if (props !== undefined && props !== null) {
      for (const [k, v] of Object.entries(props)) {
        const field = `${e.at}.userProperties.${k}`;
        const special = ownValue(SPECIAL_USER_PROPERTIES, k)!;
        if (v === null || v === undefined) continue;
        if (v.trim() === '') throw invalid(field, `${field} must be a non-empty string`);
        selectors.push(special.identifier === 'phone' ? { type: 'phone', value: v, exactRaw: true } : { type: 'email', value: v });
      }
    }
    if (selectors.length === before) {
      throw invalid(e.at, `${e.at} must name the user to delete: userId, userProperties.$email or userProperties.$phone_number`);
    }
  }
  return selectors;
}

/**
 * The campaign send body (seed 004 §5) with Notifly's legacy `userID` (D9) given the core's name `userId`; both given
 * must agree. Everything else is checked by the core (DeliveriesService.sendApi).
 */
export function mapCampaignSendBody(body: unknown): unknown {
  if (!isPlainObject(body) || !Array.isArray(body.recipients)) return body;
  const recipients = body.recipients.map((r, i) => {
    if (!isPlainObject(r) || r.userID === undefined) return r;
    const { userID, ...rest } = r;
    if (rest.userId !== undefined && rest.userId !== userID)
      throw invalid(`recipients[${i}].userId`, `recipients[${i}].userId and recipients[${i}].userID (its legacy name) disagree`);
    return { ...rest, userId: rest.userId ?? userID };
  });
  return { ...body, recipients };
}
