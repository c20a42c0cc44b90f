import type { Clock } from '../../platform/clock.ts';
import type { Store } from '../../platform/db/store.ts';
import { uuidv7 } from '../../platform/ids.ts';
import type { DeliveriesService, PlanResult } from '../deliveries/deliveries.service.ts';
import { MAX_API_RECIPIENTS } from '../deliveries/deliveries.service.ts';
import type { RenderedFriendtalk, Target } from '../deliveries/deliveries.types.ts';
import { MaruError, invalid } from '../errors.ts';
import { checkIdempotencyKey, type IdempotencyService } from '../idempotency/idempotency.service.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import type { Project } from '../projects/projects.types.ts';
import { fillPlaceholders } from '../templates/alimtalk.ts';
import type { RenderedAlimtalk, RenderedText } from '../templates/message-renderer.ts';
import { AD_NIGHT, CONSENT_BY_CHANNEL, adNight } from '../consent/consent-rules.ts';
import { advertiserOf, advertisingSetupProblem, markFriendtalk, markText, requireAdvertisingSetup, startsWithAdMark, type Advertiser } from './ad-marking.ts';
import type {
  AlimtalkFailoverInput,
  DirectRecipient,
  PreviewTextCommand,
  SendAlimtalkCommand,
  SendFriendtalkCommand,
  SendTextCommand,
  TextPreview,
  TextProblem,
} from './direct-messages.types.ts';
import { ensureDirectCampaign, type DirectKind } from './direct-campaigns.ts';
import type { MessagingSetupService } from './messaging-setup.service.ts';
import type { AlimtalkTemplate, KakaoChannel } from './messaging.types.ts';
import { parseRecipientNumber, parseServiceNumber } from './numbers.ts';
import {
  carrierByteLength,
  checkTextLimits,
  chooseTextKind,
  LMS_MAX_BYTES,
  LMS_TITLE_MAX_BYTES,
  SMS_MAX_BYTES,
  truncateToCarrierBytes,
  type TextKind,
} from './text-size.ts';

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
} as const;

/** Why a text breaks the carrier rules, each naming the field (as the caller wrote it) and the limit. */
function textProblems(input: { kind: TextKind; title?: string; body: string }, fields: { title: string; body: string }, bodyNote = ''): TextProblem[] {
  return checkTextLimits(input)
    .filter((v) => !(v.field === 'title' && v.code === 'required'))
    .map((v): TextProblem => {
      const field = fields[v.field];
      const note = v.field === 'body' ? bodyNote : '';
      if (v.code === 'too_long')
        return {
          field,
          code: v.code,
          message: `${field} is ${v.actualBytes} bytes; ${input.kind.toUpperCase()} allows at most ${v.limitBytes} bytes (EUC-KR/CP949 bytes as Korean carriers count them: Hangul 2, ASCII 1)${note}`,
          limitBytes: v.limitBytes,
          actualBytes: v.actualBytes,
        };
      if (v.code === 'unencodable')
        return {
          field,
          code: v.code,
          message: `${field} contains characters Korean carriers cannot send (not in EUC-KR/CP949): ${v.characters!.join(' ')}${note}`,
        };
      return { field, code: v.code, message: `${field} is required` };
    });
}

/** The first carrier-rule violation of a text, as a 400 naming the field and the limit. */
function checkText(input: { kind: TextKind; title?: string; body: string }, fields: { title: string; body: string }, bodyNote = ''): void {
  const p = textProblems(input, fields, bodyNote)[0];
  if (!p) return;
  throw invalid(p.field, p.message, p.code === 'too_long' ? { limitBytes: p.limitBytes, actualBytes: p.actualBytes } : undefined);
}

/**
 * A text is advertising when the caller says so, or when its body (or title) starts with exactly `(광고)`
 * (docs/korean-messaging.md "Advertising").
 */
const isAdvertisingText = (cmd: Pick<PreviewTextCommand, 'advertising' | 'body' | 'title' | 'kind'>): boolean =>
  cmd.advertising === true || startsWithAdMark(cmd.body) || (cmd.kind !== 'sms' && startsWithAdMark(cmd.title));

/**
 * A text message as sent: the advertising marking and opt-out line added (ad-marking.ts), then the kind — the one
 * the caller chose, or, when it chose none, SMS if the text as sent fits 90 bytes and LMS otherwise. SMS has no
 * title (§6: "lms, mms에만 사용"): one given for an SMS is dropped.
 */
function composeText(
  cmd: Pick<PreviewTextCommand, 'kind' | 'title' | 'body'>,
  ctx: { advertising: boolean; advertiser: Advertiser; from: string | undefined },
): { kind: TextKind; title?: string; body: string; note: string } {
  const body = ctx.advertising ? markText(cmd.body, ctx.advertiser, ctx.from) : cmd.body;
  const kind: TextKind = cmd.kind ?? chooseTextKind(body);
  const title = kind === 'sms' ? undefined : cmd.title || undefined;
  const note = ctx.advertising && body !== cmd.body ? ' (the advertising marking and opt-out line included)' : '';
  return { kind, body, note, ...(title !== undefined ? { title } : {}) };
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
  #idempotency: IdempotencyService;
  #defaultRegion: string;

  constructor(deps: {
    store: Store;
    clock: Clock;
    projects: ProjectsService;
    setup: MessagingSetupService;
    deliveries: DeliveriesService;
    defaultPhoneRegion: string;
    idempotency: IdempotencyService;
  }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#projects = deps.projects;
    this.#setup = deps.setup;
    this.#deliveries = deps.deliveries;
    this.#defaultRegion = deps.defaultPhoneRegion;
    this.#idempotency = deps.idempotency;
  }

  /**
   * A text message (`POST /messages/text-message`, seed 004 §6). Only when the project's own text-message sending is
   * configured (MessagingSetupService.textSending). Advertising is marked (ad-marking.ts) and checked on the text as sent.
   */
  async sendText(cmd: SendTextCommand): Promise<DirectSendResult> {
    return this.#once('text', cmd, () => this.#sendText(cmd));
  }

  async #sendText(cmd: SendTextCommand): Promise<DirectSendResult> {
    const project = await this.#projects.get(cmd.projectId);
    await this.#requireTextSending(project, cmd.fields.from, 'text messages');
    const from = await this.#setup.senderNumber(project.id, cmd.from, cmd.fields.from);
    const advertising = isAdvertisingText(cmd);
    if (advertising) requireAdvertisingSetup('text_message', advertiserOf(project), cmd.fields.advertising);
    const composed = composeText(cmd, { advertising, advertiser: advertiserOf(project), from });
    checkText(composed, { title: cmd.fields.title, body: cmd.fields.body }, composed.note);
    const recipients = cmd.recipients.map((r) => this.#phoneTarget(r, project, DIRECT_LIMITS.textRecipientNoLength));
    const message: RenderedText = { kind: composed.kind, body: composed.body, from, ...(composed.title !== undefined ? { title: composed.title } : {}) };
    return this.#plan(
      project,
      advertising ? 'text_ad' : 'text',
      cmd.requestId,
      recipients.map((r) => ({ ...r, rendered: { message } })),
    );
  }

  /**
   * What a text message would be sent as, without sending it (the console's live byte counter): the kind (the given
   * one, or derived from the text as sent), the text with the advertising marking and opt-out line, its carrier bytes
   * and limits, and every problem the send would be refused for. The same composition and byte rule as sendText.
   */
  async previewText(cmd: PreviewTextCommand): Promise<TextPreview> {
    const project = await this.#projects.get(cmd.projectId);
    const problems: TextProblem[] = [];
    let from: string | undefined;
    try {
      from = await this.#setup.senderNumber(project.id, cmd.from, cmd.fields.from);
    } catch (e) {
      if (!(e instanceof MaruError)) throw e;
      problems.push({ field: cmd.fields.from, code: 'sender', message: e.message });
    }
    const advertising = isAdvertisingText(cmd);
    const advertiser = advertiserOf(project);
    const setupProblem = advertising ? advertisingSetupProblem('text_message', advertiser) : undefined;
    if (setupProblem) problems.push({ field: cmd.fields.advertising, code: 'advertising_setup', message: setupProblem });
    const composed = composeText(cmd, { advertising: advertising && !setupProblem, advertiser, from });
    problems.push(...textProblems(composed, { title: cmd.fields.title, body: cmd.fields.body }, composed.note));
    return {
      kind: composed.kind,
      kindDerived: cmd.kind === undefined,
      body: composed.body,
      ...(composed.title !== undefined ? { title: composed.title } : {}),
      advertising,
      bytes: carrierByteLength(composed.body),
      limitBytes: composed.kind === 'sms' ? SMS_MAX_BYTES : LMS_MAX_BYTES,
      titleBytes: composed.title === undefined ? 0 : carrierByteLength(composed.title),
      titleLimitBytes: composed.kind === 'sms' ? null : LMS_TITLE_MAX_BYTES,
      ...(from !== undefined ? { from } : {}),
      problems,
    };
  }

  /**
   * A registered alimtalk template (`POST /messages/kakao-alimtalk`, §7), filled per recipient; a recipient whose
   * failover is enabled gets an SMS/LMS if the alimtalk fails for good. Alimtalk is informational only.
   */
  async sendAlimtalk(cmd: SendAlimtalkCommand): Promise<DirectSendResult> {
    return this.#once('alimtalk', cmd, () => this.#sendAlimtalk(cmd));
  }

  async #sendAlimtalk(cmd: SendAlimtalkCommand): Promise<DirectSendResult> {
    const project = await this.#projects.get(cmd.projectId);
    const template = await this.#setup.findTemplate(project.id, cmd.templateId);
    if (!template) throw invalid(cmd.fields.templateId, `${cmd.fields.templateId} ${cmd.templateId} is not a registered alimtalk template of this project`);
    const channel = await this.#setup.kakaoChannel(project.id, cmd.channelId, template.channelId, cmd.fields.channelId);

    let failoverFrom: string | undefined;
    const failoverSender = async (field: string) => {
      if (failoverFrom === undefined) {
        await this.#requireTextSending(project, field, 'SMS/LMS failover (resendParameter.isResend)');
        failoverFrom = await this.#setup.senderNumber(project.id, cmd.failoverFrom, cmd.fields.failoverFrom);
      }
      return failoverFrom;
    };
    if (cmd.failoverFrom !== undefined) await failoverSender(cmd.fields.failoverFrom);

    const targets: Target[] = [];
    for (const r of cmd.recipients) {
      const { written } = parseRecipientNumber(r.number, `${r.field}.${r.numberField}`, this.#region(project), DIRECT_LIMITS.kakaoRecipientNoLength);
      const filled = fillPlaceholders(template.content, r.parameters);
      if (!filled.ok)
        throw invalid(r.parametersField, `${r.parametersField} has no value for #{${filled.missing.join('}, #{')}} of template ${template.templateId}`, {
          missing: filled.missing,
        });
      if (filled.content.length > DIRECT_LIMITS.kakaoTextLength) {
        throw invalid(
          r.parametersField,
          `the alimtalk for ${r.field} is ${filled.content.length} characters once filled; Kakao allows at most ${DIRECT_LIMITS.kakaoTextLength}`,
        );
      }
      const message: RenderedAlimtalk & { sender_grouping_key?: string } = {
        template_code: template.templateCode,
        content: filled.content,
        parameters: r.parameters,
        sender_key: channel.senderKey,
        ...(cmd.senderGroupingKey !== undefined ? { sender_grouping_key: cmd.senderGroupingKey } : {}),
      };
      const failover = await this.#failover(r.failover, { template, channel, content: filled.content, sender: failoverSender });
      targets.push({ type: 'phone-number', phoneNumber: written, eventParams: {}, rendered: failover ? { message, failover } : { message } });
    }
    return this.#plan(project, 'alimtalk', cmd.requestId, targets);
  }

  /**
   * A friendtalk text (`POST /messages/kakao-friendtalk`, §8). Advertising friendtalk is marked (ad-marking.ts) and
   * refused between 21:00 and 08:00 project time (consent-rules.ts: Kakao does not deliver it at night).
   */
  async sendFriendtalk(cmd: SendFriendtalkCommand): Promise<DirectSendResult> {
    return this.#once('friendtalk', cmd, () => this.#sendFriendtalk(cmd));
  }

  async #sendFriendtalk(cmd: SendFriendtalkCommand): Promise<DirectSendResult> {
    const project = await this.#projects.get(cmd.projectId);
    if (cmd.advertising && CONSENT_BY_CHANNEL.kakao_alimtalk.nightRefused) {
      const { night, localTime } = adNight(this.#clock.now(), project.timezone);
      if (night) {
        throw invalid(
          cmd.fields.advertising,
          `advertising friendtalk cannot be sent between ${AD_NIGHT.start} and ${AD_NIGHT.end} (project time ${project.timezone}, now ${localTime}); Kakao does not deliver advertising friendtalk at night`,
        );
      }
    }
    const channel = await this.#setup.kakaoChannel(project.id, cmd.channelId, null, cmd.fields.channelId);
    const advertiser = cmd.advertising ? advertiserOf(project) : undefined;
    const targets: Target[] = [];
    for (const r of cmd.recipients) {
      const { written } = parseRecipientNumber(r.number, `${r.field}.${r.numberField}`, this.#region(project), DIRECT_LIMITS.kakaoRecipientNoLength);
      const text = advertiser ? markFriendtalk(r.text, advertiser) : r.text;
      if (text.length > DIRECT_LIMITS.kakaoTextLength) {
        throw invalid(
          r.textField,
          `${r.textField} is ${text.length} characters${advertiser ? ' with the advertising marking and opt-out line' : ''}; Kakao allows at most ${DIRECT_LIMITS.kakaoTextLength}`,
        );
      }
      const message: RenderedFriendtalk = { kind: 'friendtalk', sender_key: channel.senderKey, text, is_ad: cmd.advertising };
      targets.push({ type: 'phone-number', phoneNumber: written, eventParams: {}, rendered: { message } });
    }
    return this.#plan(project, cmd.advertising ? 'friendtalk_ad' : 'friendtalk', cmd.requestId, targets);
  }

  // ---- helpers ----

  /**
   * The Idempotency-Key rule (IdempotencyService): a retry with the same key and command answers what the first
   * answered; the same key with another command is refused (422).
   */
  #once(operation: string, cmd: { projectId: string; requestId?: string }, run: () => Promise<DirectSendResult>): Promise<DirectSendResult> {
    const { requestId, ...body } = cmd;
    checkIdempotencyKey(requestId);
    return this.#idempotency.once({ projectId: cmd.projectId, operation: `direct:${operation}`, key: requestId, body }, run);
  }

  #region(project: Project): string {
    return project.settings.phoneRegion ?? this.#defaultRegion;
  }

  async #requireTextSending(project: Project, field: string, what: string): Promise<void> {
    const status = await this.#setup.textSending(project);
    if (!status.configured) {
      throw invalid(field, `${what} can be sent only when the project's own text-message sending is configured: ${status.reason}`);
    }
  }

  #phoneTarget(r: DirectRecipient, project: Project, maxLength: number): Target {
    const { written } = parseRecipientNumber(r.number, `${r.field}.${r.numberField}`, this.#region(project), maxLength);
    return { type: 'phone-number', phoneNumber: written, eventParams: {} };
  }

  /**
   * The SMS/LMS failover of one alimtalk recipient (§7 resendParameter), or undefined when it is not enabled.
   * Content: the given one, else the alimtalk text followed by one line `<button name> - <mobile link>` per web-link
   * button. Type: the given one (SMS or LMS), else by size (SMS up to 90 bytes). LMS title: the given one, else the
   * channel id (plus-friend id). Checked against the carrier limits like any text message.
   */
  async #failover(
    input: AlimtalkFailoverInput | undefined,
    ctx: { template: AlimtalkTemplate; channel: KakaoChannel; content: string; sender: (field: string) => Promise<string> },
  ): Promise<RenderedText | undefined> {
    if (!input?.enabled) return undefined;
    const from = await ctx.sender(input.fields.enabled);
    const links = ctx.template.buttons.filter((btn) => btn.type === 'WL' && btn.linkMo).map((btn) => `${btn.name} - ${btn.linkMo}`);
    const body = input.content ?? [ctx.content, ...links].join('\n');
    const kind: TextKind = input.kind ?? chooseTextKind(body);
    const title = kind === 'sms' ? undefined : (input.title ?? truncateToCarrierBytes(ctx.channel.channelId, LMS_TITLE_MAX_BYTES));
    const note =
      input.content === undefined
        ? ` (the default failover content: the alimtalk text and its web-link buttons, ${carrierByteLength(body)} bytes; give a shorter resendContent)`
        : '';
    checkText({ kind, title, body }, { title: input.fields.title, body: input.fields.content }, note);
    return { kind, body, from, ...(title !== undefined ? { title } : {}) };
  }

  async #plan(project: Project, kind: DirectKind, requestId: string | undefined, targets: Target[]): Promise<DirectSendResult> {
    const campaign = await ensureDirectCampaign({ store: this.#store, clock: this.#clock }, project.id, kind);
    const result = await this.#deliveries.plan({
      project,
      campaign,
      trigger: 'direct',
      requestId: `direct:${kind}:${requestId ?? uuidv7(this.#clock.now())}`,
      targets,
    });
    return { ...result, campaignId: campaign.id };
  }
}
