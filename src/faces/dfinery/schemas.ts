import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from '../shared/openapi.ts';
import { TOO_MANY } from '../shared/schema-errors.ts';

/** Most events, and most items across them, in one events request (seed: "up to 100"). */
export const MAX_EVENTS = 100;
export const MAX_ITEMS = 100;
/** Most profiles in one user-profile request when the body is an array (the seed gives no number; see docs). */
export const MAX_PROFILES = 100;

const EVENTS_EXAMPLE = {
  common: { identity: { external_id: 'dfn-user-123', email: 'dfn@gmail.com' } },
  events: [
    {
      event_log_id: 'b0c9cf18-f3c0-4879-bb2e-92c65858dabc',
      event_name: 'df_login',
      event_datetime: '2024-06-24T06:01:48.501Z',
      event_properties: null,
      event_items: null,
    },
  ],
};

/**
 * The request bodies, declared once: Fastify validates each request with them (the first error becomes the face's
 * 40001 naming the field, or 40402/40403 for too many events or profiles — schema-errors.ts), the OpenAPI document
 * shows them, and mapping.ts translates what passed. Values (identifiers, datetimes, property types) are the core's.
 */
const Identifier = () => Type.Optional(Nullable(Type.String()));
const Identity = Type.Object(
  { external_id: Identifier(), email: Identifier(), phone_no: Identifier(), kakao_user_id: Identifier(), line_user_id: Identifier() },
  { additionalProperties: false },
);
const Properties = Type.Record(Type.String(), Type.Unknown(), { description: 'Registered properties with values of their type (docs/taxonomy.md)' });
const RequestDatetime = Type.Optional(Nullable(Type.String({ description: 'ISO 8601 with Z or an offset; checked, not stored' })));
export const EventsBodySchema = Type.Object(
  {
    common: Type.Object({ identity: Identity }, { additionalProperties: false }),
    events: Type.Array(
      Type.Object(
        {
          event_log_id: Type.String({ description: 'Idempotency key of the event' }),
          event_name: Type.String(),
          event_datetime: Type.String({ description: 'ISO 8601 with Z or an offset' }),
          event_properties: Type.Optional(Nullable(Properties)),
          event_items: Type.Optional(Nullable(Type.Array(Properties, { description: `At most ${MAX_EVENTS} items across the events of a request` }))),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: MAX_EVENTS, [TOO_MANY]: { kind: 'events', noun: 'events' } },
    ),
  },
  { additionalProperties: false, examples: [EVENTS_EXAMPLE] },
);
export const IdentitiesBodySchema = Type.Object(
  { identity: Identity, request_datetime: RequestDatetime },
  { additionalProperties: false, examples: [{ identity: { external_id: 'dfn-user-123', email: 'dfn@gmail.com', phone_no: '821012345678' } }] },
);
const OneProfile = Type.Object(
  { identity: Identity, user_properties: Type.Optional(Nullable(Properties)), request_datetime: RequestDatetime },
  { additionalProperties: false },
);
export const UserProfileBodySchema = Type.Union(
  [OneProfile, Type.Array(OneProfile, { minItems: 1, maxItems: MAX_PROFILES, [TOO_MANY]: { kind: 'profiles', noun: 'user profiles' } })],
  { examples: [{ identity: { external_id: 'dfn-user-123' }, user_properties: { df_name: '홍길동', df_push_ads_optin: true } }] },
);

export type EventsBody = Static<typeof EventsBodySchema>;
export type IdentitiesBody = Static<typeof IdentitiesBodySchema>;
export type UserProfileBody = Static<typeof UserProfileBodySchema>;

const Condition = Type.Union([Type.Literal('all'), Type.Literal('include'), Type.Literal('exclude')]);
const Names = (description: string) => Type.Optional(Nullable(Type.Array(Type.String({ minLength: 1 }), { description })));
const filterProps = {
  properties: Names('Property columns to filter on; absent or empty: all'),
  properties_condition_type: Type.Optional(Nullable(Condition)),
  audience: Type.Optional(Nullable(Type.String({ description: 'Audience id; only its profiles' }))),
};
const ExportDate = () => Type.Optional(Nullable(Type.String({ format: 'date', description: 'yyyy-MM-dd in the project time zone, inclusive' })));

/** Export API bodies (seed 000): filters; absent, empty or null means everything. */
export const EventExportBodySchema = Type.Union(
  [
    Type.Object(
      {
        events: Names('Event names; absent or empty: all'),
        events_condition_type: Type.Optional(Nullable(Condition)),
        from_date: ExportDate(),
        to_date: ExportDate(),
        ...filterProps,
      },
      { additionalProperties: false },
    ),
    Type.Null(),
  ],
  {
    description: 'Filters; an empty body exports everything',
    examples: [{ events: ['df_purchase'], events_condition_type: 'include', from_date: '2025-01-01', to_date: '2025-01-31' }],
  },
);
export const ProfileExportBodySchema = Type.Union([Type.Object(filterProps, { additionalProperties: false }), Type.Null()], {
  description: 'Filters; an empty body exports everything',
  examples: [{ audience: 'aud_vip', properties_condition_type: 'all' }],
});
export type ExportBody = Static<typeof EventExportBodySchema>;
