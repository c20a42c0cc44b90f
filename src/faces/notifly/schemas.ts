import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { MaruError, type ErrorCode } from '../../core/errors.ts';
import { described, errorResponses, Nullable } from '../shared/openapi.ts';
import { renderCampaignError, renderDataError } from './envelope.ts';
import { TOO_MANY } from '../shared/schema-errors.ts';
import { dottedField, type FieldNamer } from '../../core/input/input-checks.ts';

const CODE_OF: Record<number, ErrorCode> = {
  400: 'invalid_input',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'idempotency_key_reused',
  429: 'rate_limited',
  500: 'internal',
  501: 'not_implemented',
  503: 'unavailable',
};
export const exampleError = (status: number) =>
  new MaruError(CODE_OF[status], status === 422 ? 'Idempotency-Key was used with another body' : 'see docs/notifly.md');

/** The data envelope `{data, error}` (seed 004 §1–4). */
export const DataError = Type.Object({ data: Type.Null(), error: Type.String() }, { additionalProperties: false });
export const dataOk = (data: TSchema, example: unknown) => ({
  200: described(200, Type.Object({ data, error: Type.Null() }, { additionalProperties: false }), { data: example, error: null }),
});
export const DATA_ERRORS = errorResponses(DataError, [400, 401, 403, 413, 415, 429, 500, 503], (s) => renderDataError(exampleError(s)).body);

/** The campaign envelope `{code, success, error}` (seed 004 §5). */
export const CampaignEnvelope = Type.Object({ code: Type.Integer(), success: Type.Boolean(), error: Nullable(Type.String()) }, { additionalProperties: false });
export const CAMPAIGN_RESPONSES = {
  200: described(200, CampaignEnvelope, { code: 200, success: true, error: null }, 'Triggered'),
  ...errorResponses(CampaignEnvelope, [400, 401, 404, 413, 415, 422, 429, 500, 501, 503], (s) => renderCampaignError(exampleError(s)).body),
};

/** The messaging envelope `{success}` / `{error}` (seed 004 §6–9). */
export const MessagesError = Type.Object({ error: Type.String() }, { additionalProperties: false });
export const MessagesSuccess = Type.Object({ success: Type.Literal(true) }, { additionalProperties: false });
export const MESSAGES_ERRORS = errorResponses(MessagesError, [400, 401, 404, 413, 415, 422, 429, 500, 503], (s) => ({
  error: s === 413 ? 'Payload Too Large' : s === 500 ? 'Internal Server Error' : renderDataError(exampleError(s)).body.error,
}));

/** Batch caps (seed 004 §2–4, D9). */
export const MAX_EVENTS = 500;
export const MAX_USERS = 1000;
export const MAX_DELETIONS = 1000;

/** One object, or an array of 1..max of them (D9); more than max is too_many_items naming `body`. */
const oneOrMany = <T extends TSchema>(item: T, max: number, kind: string, example: unknown) =>
  Type.Union([item, Type.Array(item, { minItems: 1, maxItems: max, [TOO_MANY]: { kind, noun: `${kind}s` } })], { examples: [example] });

/**
 * Field names in errors: every element of a one-object-or-array body is `body[i]` (a single object is `body[0]`), so a
 * client can find the culprit in what it sent. Schema errors of the array branch start with the index; of the
 * object branch, with the field.
 */
export const elementField: FieldNamer = (path) =>
  path.length === 0 || typeof path[0] === 'number' ? dottedField(['body', ...path]) : dottedField(['body', 0, ...path]);

/**
 * The data bodies (seed 004 §2–4), declared once: Fastify validates with them (errors in the data envelope naming
 * `body[i].field`), the document shows them, mapping.ts translates. The legacy spellings `projectID`/`userID` (D9)
 * are accepted beside the current ones; that one of them is present is checked in mapping.ts.
 */
const UserId = (description: string) => Type.Optional(Type.Union([Type.String(), Type.Integer()], { description }));
const legacyIds = {
  projectId: Type.Optional(Type.String({ description: 'The project id (or projectID, legacy); required' })),
  projectID: Type.Optional(Type.String({ description: 'Legacy spelling of projectId' })),
  userId: UserId('The user id (external_id; or userID, legacy): a string, or an integer'),
  userID: UserId('Legacy spelling of userId'),
};
const TrackEvent = Type.Object(
  {
    ...legacyIds,
    eventName: Type.String(),
    eventParams: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown()))),
    segmentationEventParamKeys: Type.Optional(Nullable(Type.Array(Type.String(), { description: 'eventParams keys to segment on (at most 5)' }))),
  },
  { additionalProperties: false },
);
export const TrackEventBodySchema = oneOrMany(TrackEvent, MAX_EVENTS, 'event', {
  projectId: 'PROJECT_ID',
  userId: 'user-1',
  eventName: 'purchase',
  eventParams: { amount: 4000 },
});
const SetUserProperties = Type.Object(
  { ...legacyIds, userProperties: Type.Record(Type.String(), Type.Unknown(), { description: 'Properties; $email and $phone_number are identifiers too' }) },
  { additionalProperties: false },
);
export const SetUserPropertiesBodySchema = oneOrMany(SetUserProperties, MAX_USERS, 'user', {
  projectId: 'PROJECT_ID',
  userId: 'user-1',
  userProperties: { $email: 'user1@example.com', tier: 'gold' },
});
const DeleteUser = Type.Object(
  {
    ...legacyIds,
    userProperties: Type.Optional(
      Nullable(
        Type.Object(
          {
            $email: Type.Optional(Nullable(Type.String())),
            $phone_number: Type.Optional(Nullable(Type.String({ description: 'Matched exactly as written' }))),
          },
          { additionalProperties: false, description: 'Users can be deleted by $email or $phone_number only' },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);
export const DeleteUsersBodySchema = oneOrMany(DeleteUser, MAX_DELETIONS, 'user', { projectId: 'PROJECT_ID', userId: 'user-1' });

export type TrackEventBody = Static<typeof TrackEventBodySchema>;
export type SetUserPropertiesBody = Static<typeof SetUserPropertiesBodySchema>;
export type DeleteUsersBody = Static<typeof DeleteUsersBodySchema>;

/**
 * The campaign send body (seed 004 §5). Fastify checks its shape; which recipient types the campaign's channel takes,
 * and the identifiers themselves, are the core's (parseApiRecipients), shared with the admin API's send.
 */
const Recipient = Type.Object(
  {
    type: Type.Optional(
      Type.Union([Type.Literal('user-id'), Type.Literal('phone-number'), Type.Literal('email')], {
        description: 'Default user-id; the channel decides which are taken',
      }),
    ),
    userId: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: 'For a user-id recipient (or userID, legacy)' })),
    userID: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: 'Legacy spelling of userId' })),
    phoneNumber: Type.Optional(Type.String({ description: 'For a phone-number recipient' })),
    email: Type.Optional(Type.String({ description: 'For an email recipient' })),
    eventParams: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'Template variables ({{ event.x }})' }))),
  },
  { additionalProperties: false },
);
export const CampaignSendBodySchema = Type.Object(
  { recipients: Type.Array(Recipient, { minItems: 1, maxItems: 1000, [TOO_MANY]: { kind: 'recipients', noun: 'recipients' } }) },
  { additionalProperties: false, examples: [{ recipients: [{ type: 'user-id', userId: 'user-1', eventParams: { coupon: 'WELCOME10' } }] }] },
);
export type CampaignSendBody = Static<typeof CampaignSendBodySchema>;
