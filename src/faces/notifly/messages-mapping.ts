import { invalid } from '../../core/errors.ts';
import { DIRECT_LIMITS } from '../../core/messaging/direct-messages.service.ts';
import type {
  AlimtalkFailoverInput,
  AlimtalkRecipient,
  DirectRecipient,
  FriendtalkRecipient,
  SendAlimtalkCommand,
  SendFriendtalkCommand,
  SendTextCommand,
} from '../../core/messaging/direct-messages.types.ts';
import { parseServiceNumber } from '../../core/messaging/numbers.ts';
import type { TextKind } from '../../core/messaging/text-size.ts';

/**
 * Notifly's direct-message bodies (seed 004 §6–8) → the core's direct-message commands. This is the only place that
 * knows the wire names (`recipientList`, `recipientNo`, `templateParameter`, `resendParameter`, `isAd`, `sendNo`,
 * ...); every error names the field as the client wrote it. The shapes were checked by the routes' schemas.
 */
type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const TEXT_KINDS: readonly TextKind[] = ['sms', 'lms', 'mms'];

function optionalString(obj: Obj, key: string, field: string, max?: number): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(field, `${field} must be a string`);
  if (max !== undefined && v.length > max) throw invalid(field, `${field} is ${v.length} characters; at most ${max}`);
  return v;
}

function optionalBoolean(obj: Obj, key: string, field: string): boolean | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalid(field, `${field} must be true or false`);
  return v;
}

const blank = (v: unknown) => v === undefined || v === null || v === '';

/** The body and its recipient list, whose shape and count the route's schema checked (schemas.ts). */
const object = (body: unknown): Obj => body as Obj;
const recipientList = (b: Obj): Obj[] => b.recipientList as Obj[];

function recipient(r: Obj, i: number): DirectRecipient {
  const field = `recipientList[${i}]`;
  const raw = r.recipientNo;
  if (blank(raw)) throw invalid(`${field}.recipientNo`, `${field}.recipientNo is required`);
  if (typeof raw !== 'string') throw invalid(`${field}.recipientNo`, `${field}.recipientNo must be a string`);
  return { number: raw, field, numberField: 'recipientNo' };
}

/** `POST /messages/text-message`: `{type: sms|lms|mms, title?, body, sendNo?, recipientList: [{recipientNo}], isAd?}`. */
export function mapTextMessage(input: { projectId: string; body: unknown; requestId?: string }): SendTextCommand {
  const b = object(input.body);
  const rawType = b.type;
  if (blank(rawType)) throw invalid('type', 'type is required (sms, lms or mms)');
  const kind = typeof rawType === 'string' ? (rawType.toLowerCase() as TextKind) : undefined;
  if (!kind || !TEXT_KINDS.includes(kind)) throw invalid('type', `type must be sms, lms or mms (got ${JSON.stringify(rawType)})`);
  const advertising = optionalBoolean(b, 'isAd', 'isAd');
  const body = optionalString(b, 'body', 'body');
  if (body === undefined || body.length === 0) throw invalid('body', 'body is required');
  const title = kind === 'sms' ? undefined : optionalString(b, 'title', 'title') || undefined;
  const from = blank(b.sendNo) ? undefined : parseServiceNumber(b.sendNo, 'sendNo', { maxLength: 25 });
  return {
    projectId: input.projectId,
    ...(input.requestId !== undefined ? { requestId: input.requestId } : {}),
    kind,
    body,
    ...(title !== undefined ? { title } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(advertising !== undefined ? { advertising } : {}),
    recipients: recipientList(b).map(recipient),
    fields: { title: 'title', body: 'body', from: 'sendNo', advertising: 'isAd' },
  };
}

function templateParameter(raw: unknown, field: string): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) throw invalid(field, `${field} must be an object of #{variable} name to value`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'string') out[k] = v;
    else if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') out[k] = String(v);
    else throw invalid(`${field}.${k}`, `${field}.${k} must be a string`);
    if (out[k].length > DIRECT_LIMITS.templateParameterValueLength)
      throw invalid(`${field}.${k}`, `${field}.${k} is longer than ${DIRECT_LIMITS.templateParameterValueLength} characters`);
  }
  return out;
}

function resendParameter(raw: unknown, at: string): AlimtalkFailoverInput | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) throw invalid(at, `${at} must be an object {isResend, resendType, resendTitle, resendContent}`);
  const enabled = optionalBoolean(raw, 'isResend', `${at}.isResend`) ?? false;
  const rawType = raw.resendType;
  let kind: 'sms' | 'lms' | undefined;
  if (!blank(rawType)) {
    if (typeof rawType !== 'string' || !['sms', 'lms'].includes(rawType.toLowerCase()))
      throw invalid(`${at}.resendType`, `${at}.resendType must be SMS or LMS`);
    kind = rawType.toLowerCase() as 'sms' | 'lms';
  }
  const title = optionalString(raw, 'resendTitle', `${at}.resendTitle`) || undefined;
  const content = optionalString(raw, 'resendContent', `${at}.resendContent`) || undefined;
  return {
    enabled,
    ...(kind !== undefined ? { kind } : {}),
    ...(title !== undefined ? { title } : {}),
    ...(content !== undefined ? { content } : {}),
    fields: { at, enabled: `${at}.isResend`, title: `${at}.resendTitle`, content: `${at}.resendContent` },
  };
}

/**
 * `POST /messages/kakao-alimtalk`: `{templateId, channelId?, resendSendNo?, senderGroupingKey?, recipientList:
 * [{recipientNo, templateParameter?, resendParameter?: {isResend, resendType, resendTitle, resendContent}}]}`.
 */
export function mapAlimtalk(input: { projectId: string; body: unknown; requestId?: string }): SendAlimtalkCommand {
  const b = object(input.body);
  const templateId = optionalString(b, 'templateId', 'templateId');
  if (!templateId) throw invalid('templateId', 'templateId is required (the id of a registered alimtalk template)');
  const channelId = optionalString(b, 'channelId', 'channelId') || undefined;
  const senderGroupingKey = optionalString(b, 'senderGroupingKey', 'senderGroupingKey', DIRECT_LIMITS.senderGroupingKeyLength) || undefined;
  const failoverFrom = blank(b.resendSendNo) ? undefined : parseServiceNumber(b.resendSendNo, 'resendSendNo', { maxLength: 25 });
  const recipients = recipientList(b).map((r, i): AlimtalkRecipient => {
    const base = recipient(r, i);
    const parametersField = `${base.field}.templateParameter`;
    const failover = resendParameter(r.resendParameter, `${base.field}.resendParameter`);
    return { ...base, parameters: templateParameter(r.templateParameter, parametersField), parametersField, ...(failover ? { failover } : {}) };
  });
  return {
    projectId: input.projectId,
    ...(input.requestId !== undefined ? { requestId: input.requestId } : {}),
    templateId,
    ...(channelId !== undefined ? { channelId } : {}),
    ...(failoverFrom !== undefined ? { failoverFrom } : {}),
    ...(senderGroupingKey !== undefined ? { senderGroupingKey } : {}),
    recipients,
    fields: { templateId: 'templateId', channelId: 'channelId', failoverFrom: 'resendSendNo' },
  };
}

/** `POST /messages/kakao-friendtalk`: `{channelId?, messageType: "text", isAd?, recipientList: [{recipientNo, content: {text}}]}`. */
export function mapFriendtalk(input: { projectId: string; body: unknown; requestId?: string }): SendFriendtalkCommand {
  const b = object(input.body);
  const messageType = b.messageType;
  if (blank(messageType)) throw invalid('messageType', 'messageType is required ("text")');
  if (messageType !== 'text') throw invalid('messageType', `messageType ${JSON.stringify(messageType)} is not supported; only "text" is`);
  const advertising = optionalBoolean(b, 'isAd', 'isAd') ?? false;
  const channelId = optionalString(b, 'channelId', 'channelId') || undefined;
  const recipients = recipientList(b).map((r, i): FriendtalkRecipient => {
    const base = recipient(r, i);
    if (!isObject(r.content)) throw invalid(`${base.field}.content`, `${base.field}.content is required: {"text": "..."}`);
    const textField = `${base.field}.content.text`;
    const text = optionalString(r.content, 'text', textField);
    if (!text) throw invalid(textField, `${textField} is required`);
    return { ...base, text, textField };
  });
  return {
    projectId: input.projectId,
    ...(input.requestId !== undefined ? { requestId: input.requestId } : {}),
    ...(channelId !== undefined ? { channelId } : {}),
    advertising,
    recipients,
    fields: { channelId: 'channelId', advertising: 'isAd' },
  };
}
