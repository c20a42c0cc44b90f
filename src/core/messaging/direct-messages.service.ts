import type { Clock } from '../../platform/clock.ts';
import type { Store } from '../../platform/db/store.ts';
import { uuidv7 } from '../../platform/ids.ts';
import type { DeliveriesService, PlanResult } from '../deliveries/deliveries.service.ts';
import { MAX_API_RECIPIENTS } from '../deliveries/deliveries.service.ts';
import type { RenderedFriendtalk, Target } from '../deliveries/deliveries.types.ts';
import { MaruError, invalid } from '../errors.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import type { Project } from '../projects/projects.types.ts';
import { fillPlaceholders } from '../templates/alimtalk.ts';
import type { RenderedAlimtalk, RenderedText } from '../templates/message-renderer.ts';
import { adNight, isMarkedAd, markAd, AD_NIGHT } from './ad-rules.ts';
import { ensureDirectCampaign, type DirectKind } from './direct-campaigns.ts';
import type { MessagingSetupService } from './messaging-setup.service.ts';
import type { AlimtalkTemplate, KakaoChannel } from './messaging.types.ts';
import { parseRecipientNumber, parseServiceNumber } from './numbers.ts';
import { carrierByteLength, checkTextLimits, chooseTextKind, LMS_TITLE_MAX_BYTES, truncateToCarrierBytes, type TextKind } from './text-size.ts';

/** Limits of the direct-message endpoints (seed 004 §6–8, Kakao's own). */
export const DIRECT_LIMITS = {
  recipients: MAX_API_RECIPIENTS,
  /** §7: recipientNo of an alimtalk at most 15 characters (also applied to friendtalk, whose vendor has the same limit). */
  kakaoRecipientNoLength: 15,
  /** Text recipients: NHN Cloud's recipientNo limit. */
  textRecipientNoLength: 20,
  /** §7: senderGroupingKey at most 100 characters. */
  senderGroupingKeyLength: 100,
  /** Kakao: an alimtalk or friendtalk text is at most 1,000 characters. */
  kakaoTextLength: 1000,
  templateParameterValueLength: 1000,
  requestIdLength: 200,
} as const;

const TEXT_KINDS: readonly TextKind[] = ['sms', 'lms', 'mms'];

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

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

/** The first carrier-rule violation of a text, as a 400 naming the field and the limit. */
function checkText(input: { kind: TextKind; title?: string; body: string }, fields: { title: string; body: string }, bodyNote = ''): void {
  const violations = checkTextLimits(input).filter((v) => !(v.field === 'title' && v.code === 'required'));
  const v = violations[0];
  if (!v) return;
  const field = fields[v.field];
  const note = v.field === 'body' ? bodyNote : '';
  if (v.code === 'too_long') {
    throw invalid(field, `${field} is ${v.actualBytes} bytes; ${input.kind.toUpperCase()} allows at most ${v.limitBytes} bytes (EUC-KR/CP949 bytes as Korean carriers count them: Hangul 2, ASCII 1)${note}`, {
      limitBytes: v.limitBytes,
      actualBytes: v.actualBytes,
    });
  }
  if (v.code === 'unencodable') throw invalid(field, `${field} contains characters Korean carriers cannot send (not in EUC-KR/CP949): ${v.characters!.join(' ')}${note}`);
  throw invalid(field, `${field} is required`);
}

export interface DirectSendResult extends PlanResult {
  campaignId: string;
}

/**
 * Direct messages (seed 004 §6–8; docs/korean-messaging.md): text messages, Kakao alimtalk and friendtalk to phone
 * numbers. Each request is checked whole (nothing is recorded for a bad one), then each recipient becomes a delivery of
 * the project's implicit direct-message campaign of that kind (direct-campaigns.ts) with the message already made —
 * queued, filtered (consent and block list for advertising, quiet hours, caps), sent by the project's provider of the
 * channel and counted like any campaign delivery. `requestId` (the Idempotency-Key header) makes a retried request
 * record nothing twice; the delivery idempotency key is per request and recipient.
 */
export class DirectMessagesService {
  #store: Store;
  #clock: Clock;
  #projects: ProjectsService;
  #setup: MessagingSetupService;
  #deliveries: DeliveriesService;
  #defaultRegion: string;

  constructor(deps: { store: Store; clock: Clock; projects: ProjectsService; setup: MessagingSetupService; deliveries: DeliveriesService; defaultPhoneRegion: string }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#projects = deps.projects;
    this.#setup = deps.setup;
    this.#deliveries = deps.deliveries;
    this.#defaultRegion = deps.defaultPhoneRegion;
  }

  /**
   * `POST /messages/text-message` (§6): `{type: sms|lms|mms, title?, body, sendNo?, recipientList: [{recipientNo}], isAd?}`.
   * Only when the project's own text-message sending is configured (MessagingSetupService.textSending).
   */
  async sendText(input: { projectId: string; body: unknown; requestId?: string }): Promise<DirectSendResult> {
    const project = await this.#projects.get(input.projectId);
    const b = this.#object(input.body);
    await this.#requireTextSending(project, 'sendNo', 'text messages');

    const rawType = b.type;
    if (rawType === undefined || rawType === null || rawType === '') throw invalid('type', 'type is required (sms, lms or mms)');
    const kind = typeof rawType === 'string' ? (rawType.toLowerCase() as TextKind) : undefined;
    if (!kind || !TEXT_KINDS.includes(kind)) throw invalid('type', `type must be sms, lms or mms (got ${JSON.stringify(rawType)})`);
    const isAd = optionalBoolean(b, 'isAd', 'isAd');
    let body = optionalString(b, 'body', 'body');
    if (body === undefined || body.length === 0) throw invalid('body', 'body is required');
    // SMS has no title (§6: "lms, mms에만 사용"): one given for an SMS is ignored.
    const title = kind === 'sms' ? undefined : optionalString(b, 'title', 'title') || undefined;
    const advertising = isAd === true || isMarkedAd(body) || isMarkedAd(title);
    if (advertising && !isMarkedAd(body) && !isMarkedAd(title)) body = markAd(body);
    checkText({ kind, title, body }, { title: 'title', body: 'body' }, advertising && isAd === true ? ' (the (광고) marking included)' : '');

    const requested = b.sendNo === undefined || b.sendNo === null || b.sendNo === '' ? undefined : parseServiceNumber(b.sendNo, 'sendNo', { maxLength: 25 });
    const from = await this.#setup.senderNumber(project.id, requested, 'sendNo');
    const recipients = this.#phoneTargets(b, project, DIRECT_LIMITS.textRecipientNoLength);

    const message: RenderedText = { kind, body, from, ...(title !== undefined ? { title } : {}) };
    return this.#plan(project, advertising ? 'text_ad' : 'text', input.requestId, recipients.map((r) => ({ ...r, rendered: { message } })));
  }

  /**
   * `POST /messages/kakao-alimtalk` (§7): `{templateId, channelId?, resendSendNo?, senderGroupingKey?, recipientList:
   * [{recipientNo, templateParameter?, resendParameter?: {isResend, resendType, resendTitle, resendContent}}]}`.
   * A recipient with `isResend: true` gets an SMS/LMS failover if the alimtalk fails for good.
   */
  async sendAlimtalk(input: { projectId: string; body: unknown; requestId?: string }): Promise<DirectSendResult> {
    const project = await this.#projects.get(input.projectId);
    const b = this.#object(input.body);
    const templateId = optionalString(b, 'templateId', 'templateId');
    if (!templateId) throw invalid('templateId', 'templateId is required (the id of a registered alimtalk template)');
    const template = await this.#setup.findTemplate(project.id, templateId);
    if (!template) throw invalid('templateId', `templateId ${templateId} is not a registered alimtalk template of this project`);
    const channelId = optionalString(b, 'channelId', 'channelId') || undefined;
    const channel = await this.#setup.kakaoChannel(project.id, channelId, template.channelId, 'channelId');
    const senderGroupingKey = optionalString(b, 'senderGroupingKey', 'senderGroupingKey', DIRECT_LIMITS.senderGroupingKeyLength) || undefined;
    const resendSendNo = b.resendSendNo === undefined || b.resendSendNo === null || b.resendSendNo === '' ? undefined : parseServiceNumber(b.resendSendNo, 'resendSendNo', { maxLength: 25 });

    let failoverFrom: string | undefined;
    const failoverSender = async (field: string) => {
      if (failoverFrom === undefined) {
        await this.#requireTextSending(project, field, 'SMS/LMS failover (resendParameter.isResend)');
        failoverFrom = await this.#setup.senderNumber(project.id, resendSendNo, 'resendSendNo');
      }
      return failoverFrom;
    };
    if (resendSendNo !== undefined) await failoverSender('resendSendNo');

    const list = this.#recipientList(b);
    const targets: Target[] = [];
    for (let i = 0; i < list.length; i++) {
      const at = `recipientList[${i}]`;
      const r = list[i];
      const { written } = parseRecipientNumber(r.recipientNo, `${at}.recipientNo`, this.#region(project), DIRECT_LIMITS.kakaoRecipientNoLength);
      const parameters = this.#templateParameter(r.templateParameter, `${at}.templateParameter`);
      const filled = fillPlaceholders(template.content, parameters);
      if (!filled.ok) throw invalid(`${at}.templateParameter`, `${at}.templateParameter has no value for #{${filled.missing.join('}, #{')}} of template ${template.templateId}`, { missing: filled.missing });
      if (filled.content.length > DIRECT_LIMITS.kakaoTextLength) {
        throw invalid(`${at}.templateParameter`, `the alimtalk for ${at} is ${filled.content.length} characters once filled; Kakao allows at most ${DIRECT_LIMITS.kakaoTextLength}`);
      }
      const message: RenderedAlimtalk & { sender_grouping_key?: string } = {
        template_code: template.templateCode,
        content: filled.content,
        parameters,
        sender_key: channel.senderKey,
        ...(senderGroupingKey !== undefined ? { sender_grouping_key: senderGroupingKey } : {}),
      };
      const failover = await this.#failover(r.resendParameter, `${at}.resendParameter`, { template, channel, content: filled.content, sender: failoverSender });
      targets.push({ type: 'phone-number', phoneNumber: written, eventParams: {}, rendered: failover ? { message, failover } : { message } });
    }
    return this.#plan(project, 'alimtalk', input.requestId, targets);
  }

  /**
   * `POST /messages/kakao-friendtalk` (§8): `{channelId?, messageType: "text", isAd?, recipientList: [{recipientNo,
   * content: {text}}]}`. Advertising friendtalk is marked `(광고)` and refused between 21:00 and 08:00 (project time).
   */
  async sendFriendtalk(input: { projectId: string; body: unknown; requestId?: string }): Promise<DirectSendResult> {
    const project = await this.#projects.get(input.projectId);
    const b = this.#object(input.body);
    const messageType = b.messageType;
    if (messageType === undefined || messageType === null || messageType === '') throw invalid('messageType', 'messageType is required ("text")');
    if (messageType !== 'text') throw invalid('messageType', `messageType ${JSON.stringify(messageType)} is not supported; only "text" is`);
    const isAd = optionalBoolean(b, 'isAd', 'isAd') ?? false;
    if (isAd) {
      const { night, localTime } = adNight(this.#clock.now(), project.timezone);
      if (night) {
        throw invalid(
          'isAd',
          `advertising friendtalk cannot be sent between ${AD_NIGHT.start} and ${AD_NIGHT.end} (project time ${project.timezone}, now ${localTime}); Kakao does not deliver advertising friendtalk at night`,
        );
      }
    }
    const channelId = optionalString(b, 'channelId', 'channelId') || undefined;
    const channel = await this.#setup.kakaoChannel(project.id, channelId, null, 'channelId');
    const list = this.#recipientList(b);
    const targets: Target[] = [];
    for (let i = 0; i < list.length; i++) {
      const at = `recipientList[${i}]`;
      const r = list[i];
      const { written } = parseRecipientNumber(r.recipientNo, `${at}.recipientNo`, this.#region(project), DIRECT_LIMITS.kakaoRecipientNoLength);
      if (!isObject(r.content)) throw invalid(`${at}.content`, `${at}.content is required: {"text": "..."}`);
      let text = optionalString(r.content, 'text', `${at}.content.text`);
      if (!text) throw invalid(`${at}.content.text`, `${at}.content.text is required`);
      if (isAd) text = markAd(text);
      if (text.length > DIRECT_LIMITS.kakaoTextLength) {
        throw invalid(`${at}.content.text`, `${at}.content.text is ${text.length} characters${isAd ? ' with the (광고) marking' : ''}; Kakao allows at most ${DIRECT_LIMITS.kakaoTextLength}`);
      }
      const message: RenderedFriendtalk = { kind: 'friendtalk', sender_key: channel.senderKey, text, is_ad: isAd };
      targets.push({ type: 'phone-number', phoneNumber: written, eventParams: {}, rendered: { message } });
    }
    return this.#plan(project, isAd ? 'friendtalk_ad' : 'friendtalk', input.requestId, targets);
  }

  // ---- helpers ----

  #region(project: Project): string {
    return project.settings.phoneRegion ?? this.#defaultRegion;
  }

  #object(body: unknown): Obj {
    if (!isObject(body)) throw invalid('body', 'the body must be a JSON object');
    return body;
  }

  async #requireTextSending(project: Project, field: string, what: string): Promise<void> {
    const status = await this.#setup.textSending(project);
    if (!status.configured) {
      throw invalid(field, `${what} can be sent only when the project's own text-message sending is configured: ${status.reason}`);
    }
  }

  #recipientList(b: Obj): Obj[] {
    const list = b.recipientList;
    if (list === undefined || list === null) throw invalid('recipientList', 'recipientList is required: a list of {recipientNo, ...}');
    if (!Array.isArray(list)) throw invalid('recipientList', 'recipientList must be a list');
    if (list.length === 0) throw invalid('recipientList', 'recipientList must list at least one recipient');
    if (list.length > DIRECT_LIMITS.recipients) throw new MaruError('too_many_items', `recipientList has ${list.length} recipients; at most ${DIRECT_LIMITS.recipients} per request`, { field: 'recipientList' });
    return list.map((r, i) => {
      if (!isObject(r)) throw invalid(`recipientList[${i}]`, `recipientList[${i}] must be an object {recipientNo, ...}`);
      return r;
    });
  }

  #phoneTargets(b: Obj, project: Project, maxLength: number): Target[] {
    return this.#recipientList(b).map((r, i) => {
      const { written } = parseRecipientNumber(r.recipientNo, `recipientList[${i}].recipientNo`, this.#region(project), maxLength);
      return { type: 'phone-number' as const, phoneNumber: written, eventParams: {} };
    });
  }

  #templateParameter(raw: unknown, field: string): Record<string, string> {
    if (raw === undefined || raw === null) return {};
    if (!isObject(raw)) throw invalid(field, `${field} must be an object of #{variable} name to value`);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) {
      if (typeof v === 'string') out[k] = v;
      else if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') out[k] = String(v);
      else throw invalid(`${field}.${k}`, `${field}.${k} must be a string`);
      if (out[k].length > DIRECT_LIMITS.templateParameterValueLength) throw invalid(`${field}.${k}`, `${field}.${k} is longer than ${DIRECT_LIMITS.templateParameterValueLength} characters`);
    }
    return out;
  }

  /**
   * The SMS/LMS failover of one alimtalk recipient (§7 resendParameter), or undefined when `isResend` is not true.
   * Content: `resendContent`, else the alimtalk text followed by one line `<button name> - <mobile link>` per web-link
   * button. Type: `resendType` (SMS or LMS), else by size (SMS up to 90 bytes). LMS title: `resendTitle`, else the
   * channel id (plus-friend id). Checked against the carrier limits like any text message.
   */
  async #failover(raw: unknown, at: string, ctx: { template: AlimtalkTemplate; channel: KakaoChannel; content: string; sender: (field: string) => Promise<string> }): Promise<RenderedText | undefined> {
    if (raw === undefined || raw === null) return undefined;
    if (!isObject(raw)) throw invalid(at, `${at} must be an object {isResend, resendType, resendTitle, resendContent}`);
    const isResend = optionalBoolean(raw, 'isResend', `${at}.isResend`) ?? false;
    const rawType = raw.resendType;
    let kind: TextKind | undefined;
    if (rawType !== undefined && rawType !== null && rawType !== '') {
      if (typeof rawType !== 'string' || !['sms', 'lms'].includes(rawType.toLowerCase())) throw invalid(`${at}.resendType`, `${at}.resendType must be SMS or LMS`);
      kind = rawType.toLowerCase() as TextKind;
    }
    const resendTitle = optionalString(raw, 'resendTitle', `${at}.resendTitle`) || undefined;
    const resendContent = optionalString(raw, 'resendContent', `${at}.resendContent`) || undefined;
    if (!isResend) return undefined;
    const from = await ctx.sender(`${at}.isResend`);
    const links = ctx.template.buttons.filter((btn) => btn.type === 'WL' && btn.linkMo).map((btn) => `${btn.name} - ${btn.linkMo}`);
    const body = resendContent ?? [ctx.content, ...links].join('\n');
    kind ??= chooseTextKind(body);
    const title = kind === 'sms' ? undefined : (resendTitle ?? truncateToCarrierBytes(ctx.channel.channelId, LMS_TITLE_MAX_BYTES));
    const note = resendContent === undefined ? ` (the default failover content: the alimtalk text and its web-link buttons, ${carrierByteLength(body)} bytes; give a shorter resendContent)` : '';
    checkText({ kind, title, body }, { title: `${at}.resendTitle`, body: `${at}.resendContent` }, note);
    return { kind, body, from, ...(title !== undefined ? { title } : {}) };
  }

  async #plan(project: Project, kind: DirectKind, requestId: string | undefined, targets: Target[]): Promise<DirectSendResult> {
    if (requestId !== undefined && (requestId.length === 0 || requestId.length > DIRECT_LIMITS.requestIdLength)) {
      throw invalid('Idempotency-Key', `the Idempotency-Key header must be 1-${DIRECT_LIMITS.requestIdLength} characters`);
    }
    const campaign = await ensureDirectCampaign({ store: this.#store, clock: this.#clock }, project.id, kind);
    const result = await this.#deliveries.plan({ project, campaign, trigger: 'direct', requestId: `direct:${kind}:${requestId ?? uuidv7(this.#clock.now())}`, targets });
    return { ...result, campaignId: campaign.id };
  }
}
