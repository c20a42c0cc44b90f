import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Nullable } from '../shared/openapi.ts';
import { TOO_MANY } from '../shared/schema-errors.ts';

/** Most profiles, events, devices or user ids in one request (seed: "1,000개 이하"). */
export const MAX_ITEMS = 1000;

/**
 * The request bodies of the Marketap face, declared once: Fastify validates each request with them (the first error
 * becomes the face's 400 naming the field as the client wrote it, `events[3].timestamp`; too many entries is
 * `too_many_items` — schema-errors.ts), the OpenAPI document shows them, and mapping.ts translates what passed.
 * Values (identifiers, datetimes, property types) are the core's to check.
 */

/** A user id: the seed documents a string; integers are accepted and stored as their decimal text (docs/marketap.md). */
const UserId = (description = 'The user id (external_id): a non-empty string, or an integer') => Type.Union([Type.String(), Type.Integer()], { description });
const Props = Type.Record(Type.String(), Type.Unknown());
const Timestamp = Type.Optional(Nullable(Type.String({ description: 'ISO 8601 with Z or an offset, e.g. 2025-01-17T05:39:22+09:00' })));

const list = <T extends TSchema>(name: string, item: T, example: unknown) =>
  Type.Object(
    { [name]: Type.Array(item, { minItems: 1, maxItems: MAX_ITEMS, [TOO_MANY]: { kind: name, noun: name } }) } as Record<
      string,
      ReturnType<typeof Type.Array<T>>
    >,
    { additionalProperties: false, examples: [{ [name]: [example] }] },
  );

const Profile = Type.Object({ user_id: UserId(), properties: Type.Optional(Nullable(Props)), timestamp: Timestamp }, { additionalProperties: false });
export const ProfilesBodySchema = list('profiles', Profile, {
  user_id: 'test-user-123',
  properties: { mkt_name: '홍길동', mkt_email: 'hong@example.com', tier: 'gold' },
});

const Event = Type.Object(
  {
    user_id: Type.Optional(Nullable(UserId('The user id; user_id or device_id is required'))),
    device_id: Type.Optional(Nullable(UserId('The device id; user_id or device_id is required'))),
    name: Type.Optional(Type.String({ description: 'The event name (or event_name)' })),
    event_name: Type.Optional(Type.String()),
    event_id: Type.Optional(Type.String({ description: 'Idempotency key of the event' })),
    timestamp: Timestamp,
    properties: Type.Optional(Nullable(Props)),
    items: Type.Optional(Nullable(Type.Array(Props))),
  },
  { additionalProperties: false },
);
export const EventsBodySchema = list('events', Event, {
  user_id: 'test-user-123',
  name: 'purchase',
  timestamp: '2025-01-17T05:39:22+09:00',
  properties: { amount: 4000 },
});

const Device = Type.Object(
  {
    device_id: Type.String(),
    user_id: Type.Optional(Nullable(UserId())),
    platform: Type.String({ description: 'android, ios or web' }),
    push_token: Type.Optional(
      Nullable(Type.Union([Type.String(), Props], { description: 'An FCM/APNs token; for web, a Web Push subscription (an object or its JSON text)' })),
    ),
    properties: Type.Optional(Nullable(Props)),
  },
  { additionalProperties: false },
);
export const DevicesBodySchema = list('devices', Device, { device_id: 'device-1', user_id: 'test-user-123', platform: 'android', push_token: 'fcm-token' });

export const DeletionBodySchema = Type.Object({ user_id: UserId() }, { additionalProperties: false, examples: [{ user_id: 'test-user-123' }] });
export const BulkDeletionBodySchema = Type.Object(
  { user_ids: Type.Array(UserId(), { minItems: 1, maxItems: MAX_ITEMS, [TOO_MANY]: { kind: 'user_ids', noun: 'user_ids' } }) },
  { additionalProperties: false, examples: [{ user_ids: ['test-user-123', 'test-user-456'] }] },
);

export type ProfilesBody = { profiles: Static<typeof Profile>[] };
export type EventsBody = { events: Static<typeof Event>[] };
export type DevicesBody = { devices: Static<typeof Device>[] };
export type DeletionBody = Static<typeof DeletionBodySchema>;
export type BulkDeletionBody = Static<typeof BulkDeletionBodySchema>;
