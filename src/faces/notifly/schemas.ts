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

/**
 * The direct-message bodies (seed 004 §6–8), every field the seed lists and maru's `isAd` on text messages. Optional
 * fields may be null (absent). Case of `type`/`resendType`, blank values, numbers and templates are the mapping's and
 * the core's (messages-mapping.ts, DirectMessagesService), naming the field as written.
 */
const Opt = (schema: TSchema) => Type.Optional(Nullable(schema));
const Str = (o: Record<string, unknown> = {}) => Type.String(o);
const messagesProject = { projectId: Opt(Str({ description: "The token's project (or projectID, legacy); required" })), projectID: Opt(Str()) };
const recipientList = <T extends TSchema>(item: T) =>
  Type.Array(item, { minItems: 1, maxItems: 1000, [TOO_MANY]: { kind: 'recipients', noun: 'recipients' }, description: 'At most 1,000 recipients' });
export const TextMessageBodySchema = Type.Object(
  {
    ...messagesProject,
    type: Opt(Str({ description: 'sms, lms or mms (any case); required' })),
    title: Opt(Str({ description: 'LMS/MMS only; at most 40 bytes (EUC-KR)' })),
    body: Opt(Str({ description: 'Required; SMS at most 90 bytes, LMS/MMS at most 2,000 bytes (EUC-KR/CP949)' })),
    sendNo: Opt(Str({ description: "a registered sender number (default: the project's default)" })),
    isAd: Opt(Type.Boolean({ description: 'maru extension: advertising (marked "(광고)", 080 block list applies)' })),
    recipientList: recipientList(Type.Object({ recipientNo: Str() }, { additionalProperties: false })),
  },
  {
    additionalProperties: false,
    examples: [{ projectId: 'PROJECT_ID', type: 'sms', body: '주문이 접수되었습니다.', recipientList: [{ recipientNo: '01012345678' }] }],
  },
);
export const AlimtalkBodySchema = Type.Object(
  {
    ...messagesProject,
    templateId: Opt(Str({ description: 'Required: a registered alimtalk template' })),
    channelId: Opt(Str()),
    resendSendNo: Opt(Str({ description: "The failover's sender number (default: the project's default)" })),
    senderGroupingKey: Opt(Str({ description: 'At most 100 characters' })),
    recipientList: recipientList(
      Type.Object(
        {
          recipientNo: Str({ description: 'At most 15 characters' }),
          templateParameter: Opt(Type.Record(Type.String(), Type.Unknown(), { description: "Values of the template's #{variable}s" })),
          resendParameter: Opt(
            Type.Object(
              {
                isResend: Opt(Type.Boolean()),
                resendType: Opt(Str({ description: 'SMS or LMS (any case)' })),
                resendTitle: Opt(Str()),
                resendContent: Opt(Str()),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  {
    additionalProperties: false,
    examples: [{ projectId: 'PROJECT_ID', templateId: 'welcome', recipientList: [{ recipientNo: '01012345678', templateParameter: { name: '홍길동' } }] }],
  },
);
export const FriendtalkBodySchema = Type.Object(
  {
    ...messagesProject,
    channelId: Opt(Str()),
    messageType: Opt(Str({ description: 'Required: "text" (the only type)' })),
    isAd: Opt(Type.Boolean()),
    recipientList: recipientList(
      Type.Object({ recipientNo: Str(), content: Type.Object({ text: Str() }, { additionalProperties: false }) }, { additionalProperties: false }),
    ),
  },
  {
    additionalProperties: false,
    examples: [{ projectId: 'PROJECT_ID', messageType: 'text', recipientList: [{ recipientNo: '01012345678', content: { text: '안녕하세요' } }] }],
  },
);
