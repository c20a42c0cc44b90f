import { Type, type TSchema } from '@sinclair/typebox';
import { IDENTIFIER_TYPES } from '../../core/identity/identifiers.ts';
import { content, described, Nullable, Timestamp } from '../shared/openapi.ts';

/** An identifier type (D6), in priority order. */
const IdentifierType = Type.Union(IDENTIFIER_TYPES.map((t) => Type.Literal(t)));

/**
 * Response schemas of the console's data endpoints (console-data.routes.ts): what each answers on success. The test
 * app checks every answer against them (test/helpers/response-check.ts).
 */

const Time = Type.String({ format: 'date-time' });
const Props = Type.Record(Type.String(), Type.Unknown());
const Obj = <T extends Record<string, TSchema>>(properties: T) => Type.Object(properties, { additionalProperties: false });
const Page = (item: TSchema, extra: Record<string, TSchema> = {}) =>
  Obj({ items: Type.Array(item), ...extra, next: Nullable(Type.String({ description: 'cursor of the next page; null on the last' })) });

const Rejected = Obj({
  id: Type.String(),
  at: Time,
  method: Type.String(),
  route: Type.String(),
  status: Type.Integer(),
  code: Type.String(),
  message: Type.String(),
  field: Nullable(Type.String()),
});
const DayCount = Obj({ date: Type.String({ description: 'yyyy-MM-dd, project time zone' }), count: Type.Integer() });
const EventItem = Obj({
  name: Type.String(),
  eventKey: Type.String(),
  occurredAt: Time,
  receivedAt: Time,
  profileId: Type.String(),
  source: Type.String(),
  properties: Props,
  items: Type.Array(Type.Unknown()),
});
const ProfileSummary = Obj({ id: Type.String(), properties: Props, createdAt: Time, updatedAt: Time });
const Job = Obj({
  id: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('running'), Type.Literal('completed'), Type.Literal('failed')]),
  requested: Type.Integer(),
  deleted: Type.Integer(),
  counts: Type.Unknown(),
  error: Nullable(Type.String()),
  createdAt: Time,
  startedAt: Timestamp,
  completedAt: Timestamp,
});
const Setting = <T extends TSchema>(value: T) => Obj({ value: Nullable(value), default: value, effective: value });

export const OverviewBody = Obj({
  timezone: Type.String(),
  today: Type.String(),
  eventsToday: Obj({
    total: Type.Integer(),
    byFace: Type.Record(Type.String(), Type.Integer(), { description: 'events received today per face (dfinery, marketap, notifly)' }),
  }),
  eventsPerDay: Type.Array(Obj({ ...DayCount.properties, byFace: Type.Record(Type.String(), Type.Integer()) }), {
    description: 'events received per local day, last 30 days',
  }),
  lastEvent: Nullable(Obj({ name: Type.String(), occurredAt: Time, receivedAt: Time })),
  profileCount: Type.Integer(),
  messagesSentToday: Type.Integer(),
  latestRejected: Type.Array(Rejected),
});
export const RejectedPage = Page(Rejected);
export const EventsPage = Page(EventItem);
export const EventCounts = Obj({ timezone: Type.String(), days: Type.Array(DayCount) });
export const ProfileSearch = Page(Obj({ ...ProfileSummary.properties, identifiers: Type.Array(Obj({ type: IdentifierType, value: Type.String() })) }), {
  matchedBy: Type.Array(Obj({ type: Type.String(), profileId: Type.String() })),
});
export const ProfileDetail = Obj({
  profile: ProfileSummary,
  properties: Props,
  identifiers: Type.Array(Obj({ type: IdentifierType, value: Type.String(), asReceived: Nullable(Type.String()), addedAt: Time })),
  mergedProfiles: Type.Array(Obj({ profileId: Type.String(), mergedAt: Timestamp })),
  devices: Type.Array(
    Obj({
      deviceId: Type.String(),
      platform: Type.String(),
      pushToken: Nullable(Type.String()),
      webPush: Type.Boolean(),
      properties: Props,
      createdAt: Time,
      updatedAt: Time,
    }),
  ),
  consent: Type.Record(Type.String(), Type.Boolean()),
  recentEvents: Type.Array(EventItem),
  messages: Type.Array(
    Obj({
      deliveryId: Type.String(),
      campaignId: Nullable(Type.String()),
      channel: Type.String(),
      state: Type.String(),
      metric: Nullable(Type.String()),
      reason: Nullable(Type.String()),
      createdAt: Time,
      sentAt: Timestamp,
      finishedAt: Timestamp,
      deliveredAt: Timestamp,
      openedAt: Timestamp,
      clickedAt: Timestamp,
    }),
  ),
});
export const JobBody = Obj({ job: Job });
export const TaxonomyEntries = Page(
  Obj({
    kind: Type.Union([Type.Literal('event'), Type.Literal('property')]),
    scope: Nullable(Type.Union([Type.Literal('event'), Type.Literal('item'), Type.Literal('user')])),
    name: Type.String(),
    type: Nullable(Type.String()),
    origin: Type.Union([Type.Literal('standard'), Type.Literal('registered'), Type.Literal('observed')], {
      description: 'standard taxonomy, registered (API, CLI, console) or first seen in data',
    }),
  }),
  { total: Type.Integer() },
);
export const IssuedBody = Obj({ credentials: Type.Record(Type.String(), Type.String({ description: 'the secret, shown once' })) });
export const CredentialSummary = Obj({
  graceDays: Type.Number(),
  credentials: Type.Array(
    Obj({
      id: Type.String(),
      kind: Type.String(),
      prefix: Type.String(),
      createdAt: Time,
      expiresAt: Timestamp,
      state: Type.Union([Type.Literal('active'), Type.Literal('grace'), Type.Literal('expired')]),
    }),
  ),
});
export const SettingsBody = Obj({
  timezone: Type.String(),
  phoneRegion: Setting(Type.String()),
  strictTaxonomy: Setting(Type.Boolean()),
  limits: Type.Array(
    Obj({ name: Type.String(), window: Nullable(Type.String()), default: Type.Integer(), value: Nullable(Type.Integer()), effective: Type.Integer() }),
  ),
});

/** A streamed CSV download. */
export const csv = (what: string) =>
  content('text/csv', Type.String(), `${what} as CSV (UTF-8, formula cells neutralised), streamed`, 'profile_id,df_email\np_1,a@example.com\n');

export const ok = (schema: TSchema) => ({ 200: described(200, schema) });
export const accepted = (schema: TSchema) => ({ 202: described(202, schema) });
export const created = (schema: TSchema) => ({ 201: described(201, schema) });
