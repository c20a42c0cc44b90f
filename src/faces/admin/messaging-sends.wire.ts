import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { BLOCKLIST_LIMITS, type BlocklistChange, type BlocklistQuery } from '../../core/blocklist/blocklist.types.ts';
import { DIRECT_LIMITS } from '../../core/messaging/direct-messages.service.ts';
import type { PreviewTextCommand, SendAlimtalkCommand, SendFriendtalkCommand, SendTextCommand } from '../../core/messaging/direct-messages.types.ts';
import { parseServiceNumber } from '../../core/messaging/numbers.ts';
import { invalid } from '../../core/errors.ts';
import { Nullable } from '../shared/openapi.ts';

/**
 * The admin API's direct sends and 080 block list (the console's "Text and Kakao" page): request and response
 * schemas, and the mapping of the admin wire names (`recipients[i].to`, `from`, `advertising`, `parameters`,
 * `failover`, `recipientNos`) into the same core commands the Notifly face builds (notifly/messages-mapping.ts,
 * notifly/blocklist-mapping.ts). The schemas validate the shape (the admin error names the field); the core checks
 * numbers, templates, carrier bytes and advertising, naming the field as written here.
 */
const Obj = <T extends Record<string, TSchema>>(properties: T, options: Record<string, unknown> = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });
const Str = (o: Record<string, unknown> = {}) => Type.String(o);
const TextKindSchema = Type.Union([Type.Literal('sms'), Type.Literal('lms'), Type.Literal('mms')]);
const Recipients = <T extends TSchema>(item: T) => Type.Array(item, { minItems: 1, maxItems: DIRECT_LIMITS.recipients });

const textFields = {
  kind: Type.Optional(Type.Union([TextKindSchema], { description: 'sms, lms or mms; absent: SMS when the text as sent fits 90 bytes, LMS otherwise' })),
  title: Type.Optional(Str({ description: 'LMS/MMS only; at most 40 bytes (EUC-KR/CP949)' })),
  body: Str({ minLength: 1, description: 'SMS at most 90 bytes, LMS/MMS at most 2,000 bytes, the advertising marking included' }),
  from: Type.Optional(Str({ maxLength: 25, description: "a registered sender number (default: the project's default)" })),
  advertising: Type.Optional(Type.Boolean({ description: 'advertising: marked "(광고)" with the opt-out line; the 080 block list applies' })),
};

export const TextMessageBody = Obj(
  { ...textFields, recipients: Recipients(Obj({ to: Str({ description: 'a phone number (at most 20 characters)' }) })) },
  { examples: [{ kind: 'sms', body: '주문이 접수되었습니다.', from: '0212345678', recipients: [{ to: '01012345678' }] }] },
);
export const TextPreviewBody = Obj(textFields, { examples: [{ body: '주문이 접수되었습니다.', advertising: false }] });

export const AlimtalkBody = Obj(
  {
    templateId: Str({ minLength: 1 }),
    channelId: Type.Optional(Str()),
    failoverFrom: Type.Optional(Str({ maxLength: 25, description: "the failover's sender number (default: the project's default)" })),
    senderGroupingKey: Type.Optional(Str({ maxLength: DIRECT_LIMITS.senderGroupingKeyLength })),
    recipients: Recipients(
      Obj({
        to: Str({ description: 'a phone number (at most 15 characters)' }),
        parameters: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "values of the template's #{variable}s" })),
        failover: Type.Optional(
          Obj({
            enabled: Type.Boolean({ description: 'send a text message when the alimtalk fails for good' }),
            kind: Type.Optional(Type.Union([Type.Literal('sms'), Type.Literal('lms')])),
            title: Type.Optional(Str()),
            content: Type.Optional(Str({ description: 'default: the alimtalk text and its web-link buttons' })),
          }),
        ),
      }),
    ),
  },
  {
    examples: [{ templateId: 'welcome', recipients: [{ to: '01012345678', parameters: { name: '홍길동' }, failover: { enabled: true } }] }],
  },
);

export const FriendtalkBody = Obj(
  {
    channelId: Type.Optional(Str()),
    advertising: Type.Optional(Type.Boolean({ description: 'advertising: marked "(광고)", refused between 21:00 and 08:00 project time' })),
    recipients: Recipients(Obj({ to: Str({ description: 'a phone number (at most 15 characters)' }), text: Str({ minLength: 1 }) })),
  },
  { examples: [{ recipients: [{ to: '01012345678', text: '안녕하세요' }] }] },
);

export const SendResultDoc = Obj({
  requestId: Str({ description: 'the send (the Idempotency-Key when one was given)' }),
  campaignId: Str({ description: 'the direct-message campaign the deliveries belong to (direct_text, direct_alimtalk, ...)' }),
  created: Type.Integer({ description: 'deliveries recorded by this call' }),
  queued: Type.Integer(),
  existing: Type.Integer({ description: 'recipients already recorded for this send (a retried request)' }),
  duplicates: Type.Integer(),
  unreachable: Type.Integer(),
});

export const TextPreviewDoc = Obj({
  kind: TextKindSchema,
  kindDerived: Type.Boolean({ description: 'no kind was given: derived from the size of the text as sent' }),
  body: Str({ description: 'the text as sent (with the advertising marking, contact and opt-out line)' }),
  title: Type.Optional(Str()),
  advertising: Type.Boolean(),
  bytes: Type.Integer({ description: 'carrier bytes (EUC-KR/CP949) of the body as sent' }),
  limitBytes: Type.Integer(),
  titleBytes: Type.Integer(),
  titleLimitBytes: Nullable(Type.Integer()),
  from: Type.Optional(Str({ description: 'the sender number it would go out from' })),
  problems: Type.Array(
    Obj({
      field: Str(),
      code: Type.Union(['required', 'too_long', 'unencodable', 'sender', 'advertising_setup'].map((c) => Type.Literal(c))),
      message: Str(),
      limitBytes: Type.Optional(Type.Integer()),
      actualBytes: Type.Optional(Type.Integer()),
    }),
    { description: 'why a send of it would be refused (empty: it can be sent)' },
  ),
});

export const BlocklistQueryDoc = Obj({
  unsubscribeNo: Str({ maxLength: BLOCKLIST_LIMITS.unsubscribeNoLength, description: 'the 080 number' }),
  recipientNo: Type.Optional(Str({ maxLength: BLOCKLIST_LIMITS.recipientNoLength })),
  from: Type.Optional(Str({ description: 'yyyy-MM-dd HH:mm:ss, project time, inclusive' })),
  to: Type.Optional(Str({ description: 'yyyy-MM-dd HH:mm:ss, project time, inclusive (the whole second)' })),
  page: Type.Optional(Str({ pattern: '^[0-9]+$', description: 'default 1' })),
  pageSize: Type.Optional(Str({ pattern: '^[0-9]+$', description: `default ${BLOCKLIST_LIMITS.defaultPageSize}, at most ${BLOCKLIST_LIMITS.maxPageSize}` })),
});

export const BlocklistPageDoc = Obj({
  page: Type.Integer(),
  pageSize: Type.Integer(),
  totalCount: Type.Integer(),
  timezone: Str(),
  entries: Type.Array(Obj({ unsubscribeNo: Str(), recipientNo: Str(), requestedAt: Str({ format: 'date-time' }) })),
});

export const BlocklistRegisterBody = Obj(
  {
    unsubscribeNo: Str({ maxLength: BLOCKLIST_LIMITS.unsubscribeNoLength }),
    recipientNos: Type.Array(Str({ maxLength: BLOCKLIST_LIMITS.recipientNoLength }), { minItems: 1, maxItems: BLOCKLIST_LIMITS.registerListSize }),
  },
  { examples: [{ unsubscribeNo: '080-123-4567', recipientNos: ['010-1234-5678'] }] },
);

// ---- mapping into the core's commands ----

type Common = { projectId: string; requestId?: string };
const withKey = (requestId: string | undefined) => (requestId !== undefined ? { requestId } : {});
const optionalNumber = (raw: string | undefined, field: string) =>
  raw === undefined || raw === '' ? undefined : parseServiceNumber(raw, field, { maxLength: 25 });
const recipient = (to: string, i: number) => ({ number: to, field: `recipients[${i}]`, numberField: 'to' });

type TextFields = Omit<Static<typeof TextMessageBody>, 'recipients'>;
const TEXT_FIELDS = { title: 'title', body: 'body', from: 'from', advertising: 'advertising' } as const;

function textCommand(b: TextFields): Omit<PreviewTextCommand, 'projectId'> {
  const from = optionalNumber(b.from, 'from');
  return {
    ...(b.kind !== undefined ? { kind: b.kind } : {}),
    body: b.body,
    ...(b.title ? { title: b.title } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(b.advertising !== undefined ? { advertising: b.advertising } : {}),
    fields: TEXT_FIELDS,
  };
}

export const mapText = (b: Static<typeof TextMessageBody>, c: Common): SendTextCommand => ({
  projectId: c.projectId,
  ...withKey(c.requestId),
  ...textCommand(b),
  recipients: b.recipients.map((r, i) => recipient(r.to, i)),
});

export const mapTextPreview = (b: Static<typeof TextPreviewBody>, c: Common): PreviewTextCommand => ({ projectId: c.projectId, ...textCommand(b) });

export function mapAlimtalk(b: Static<typeof AlimtalkBody>, c: Common): SendAlimtalkCommand {
  const failoverFrom = optionalNumber(b.failoverFrom, 'failoverFrom');
  return {
    projectId: c.projectId,
    ...withKey(c.requestId),
    templateId: b.templateId,
    ...(b.channelId ? { channelId: b.channelId } : {}),
    ...(failoverFrom !== undefined ? { failoverFrom } : {}),
    ...(b.senderGroupingKey ? { senderGroupingKey: b.senderGroupingKey } : {}),
    recipients: b.recipients.map((r, i) => {
      const base = recipient(r.to, i);
      const at = `${base.field}.failover`;
      const f = r.failover;
      return {
        ...base,
        parameters: r.parameters ?? {},
        parametersField: `${base.field}.parameters`,
        ...(f
          ? {
              failover: {
                enabled: f.enabled,
                ...(f.kind !== undefined ? { kind: f.kind } : {}),
                ...(f.title ? { title: f.title } : {}),
                ...(f.content ? { content: f.content } : {}),
                fields: { at, enabled: `${at}.enabled`, title: `${at}.title`, content: `${at}.content` },
              },
            }
          : {}),
      };
    }),
    fields: { templateId: 'templateId', channelId: 'channelId', failoverFrom: 'failoverFrom' },
  };
}

export const mapFriendtalk = (b: Static<typeof FriendtalkBody>, c: Common): SendFriendtalkCommand => ({
  projectId: c.projectId,
  ...withKey(c.requestId),
  ...(b.channelId ? { channelId: b.channelId } : {}),
  advertising: b.advertising ?? false,
  recipients: b.recipients.map((r, i) => ({ ...recipient(r.to, i), text: r.text, textField: `recipients[${i}].text` })),
  fields: { channelId: 'channelId', advertising: 'advertising' },
});

function pageNumber(raw: string | undefined, field: string, dflt: number, max: number): number {
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw invalid(field, `${field} must be a whole number from 1 to ${max}`);
  return n;
}

/** `GET …/messaging/blocklist?unsubscribeNo=&recipientNo=&from=&to=&page=&pageSize=` → the core's block-list query. */
export function mapBlocklistQuery(q: Static<typeof BlocklistQueryDoc>): BlocklistQuery {
  const unsubscribeNo = parseServiceNumber(q.unsubscribeNo, 'unsubscribeNo', { maxLength: BLOCKLIST_LIMITS.unsubscribeNoLength });
  const recipientNo = q.recipientNo ? parseServiceNumber(q.recipientNo, 'recipientNo', { maxLength: BLOCKLIST_LIMITS.recipientNoLength }) : undefined;
  return {
    unsubscribeNo,
    ...(recipientNo !== undefined ? { recipientNo } : {}),
    ...(q.from ? { from: { text: q.from, field: 'from' } } : {}),
    ...(q.to ? { to: { text: q.to, field: 'to' } } : {}),
    pageNum: pageNumber(q.page, 'page', 1, 1_000_000),
    pageSize: pageNumber(q.pageSize, 'pageSize', BLOCKLIST_LIMITS.defaultPageSize, BLOCKLIST_LIMITS.maxPageSize),
  };
}

/** `POST …/messaging/blocklist {unsubscribeNo, recipientNos}`: every number checked, the refusal naming which one. */
export const mapBlocklistRegister = (b: Static<typeof BlocklistRegisterBody>): BlocklistChange => ({
  unsubscribeNo: parseServiceNumber(b.unsubscribeNo, 'unsubscribeNo', { maxLength: BLOCKLIST_LIMITS.unsubscribeNoLength }),
  recipientNos: b.recipientNos.map((raw, i) => parseServiceNumber(raw, `recipientNos[${i}]`, { maxLength: BLOCKLIST_LIMITS.recipientNoLength, minDigits: 7 })),
});

/** `DELETE …/messaging/blocklist/{unsubscribeNo}/{recipientNo}`. */
export const mapBlocklistRemove = (p: { unsubscribeNo: string; recipientNo: string }): BlocklistChange => ({
  unsubscribeNo: parseServiceNumber(p.unsubscribeNo, 'unsubscribeNo', { maxLength: BLOCKLIST_LIMITS.unsubscribeNoLength }),
  recipientNos: [parseServiceNumber(p.recipientNo, 'recipientNo', { maxLength: BLOCKLIST_LIMITS.recipientNoLength, minDigits: 7 })],
});
