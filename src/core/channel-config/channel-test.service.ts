import type { Store } from '../../platform/db/store.ts';
import { uuidv7 } from '../../platform/ids.ts';
import type { Actor } from '../accounts/roles.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { CHANNELS, type Channel } from '../campaigns/campaigns.types.ts';
import type { ChannelProviders, ProviderByChannel } from '../deliveries/deliveries.types.ts';
import { invalid } from '../errors.ts';
import type { MessagingSetupService } from '../messaging/messaging-setup.service.ts';
import { parseRecipientNumber } from '../messaging/numbers.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import type { Project } from '../projects/projects.types.ts';
import { messagingDefaults } from '../templates/message-renderer.ts';

/** What a test message says, on every channel (a person reading it knows where it came from). */
export const TEST_MESSAGE = { title: 'maru test message', body: 'This is a test message from maru. Your channel provider works.' };
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_TO = 4096;

export interface ChannelTestInput {
  projectId: string;
  channel: string;
  /** Email address, phone number (text message, Kakao), device token (push) or Web Push subscription JSON. */
  to: unknown;
  /** Push only: the device's platform (default android). */
  platform?: unknown;
  actor?: Actor;
}

export interface ChannelTestResult {
  ok: boolean;
  /** Whether trying again may succeed (meaningful when ok is false). */
  retryable: boolean;
  /** The vendor the message went through (`sandbox` when the channel has none configured). */
  vendor: string;
  providerMessageId?: string;
  /** The vendor's reason when it refused (no secrets in it). */
  reason?: string;
  /** The idempotency key the message was sent with (`test:<uuid>`; the sandbox outbox lists it). */
  idempotencyKey: string;
}

/**
 * "Send a test message" from a channel's settings (docs/providers.md "Testing a channel"): one fixed message to one
 * recipient, through the provider the project's deliveries of that channel use — the same registry resolution, the
 * same vendor config (opened from its sealed form), the same outbound guard, or the sandbox (recorded in its outbox)
 * when the channel has no vendor. It is sent at once and its outcome answered; it is not a campaign delivery (no
 * consent, quiet hours or frequency rules apply: the owner names the recipient), and it is recorded in the audit log.
 *
 * The sender is the one campaigns use: `settings.messaging.emailFrom` (else the SMTP config's `from`), the default
 * registered sender number for text messages, the default Kakao channel for Kakao (a friendtalk text: an alimtalk
 * needs a template approved by Kakao).
 */
export class ChannelTestService {
  #store: Store;
  #projects: ProjectsService;
  #providers: ChannelProviders;
  #setup: MessagingSetupService;
  #audit: AuditService;
  #defaultRegion: string;

  constructor(deps: {
    store: Store;
    projects: ProjectsService;
    providers: ChannelProviders;
    setup: MessagingSetupService;
    audit: AuditService;
    defaultPhoneRegion: string;
  }) {
    this.#store = deps.store;
    this.#projects = deps.projects;
    this.#providers = deps.providers;
    this.#setup = deps.setup;
    this.#audit = deps.audit;
    this.#defaultRegion = deps.defaultPhoneRegion;
  }

  async send(input: ChannelTestInput): Promise<ChannelTestResult> {
    const project = await this.#projects.get(input.projectId);
    if (!CHANNELS.includes(input.channel as Channel)) throw invalid('channel', `channel must be one of ${CHANNELS.join(', ')}`);
    const channel = input.channel as Channel;
    if (typeof input.to !== 'string' || input.to.trim() === '')
      throw invalid('to', 'to is required: the address, number, token or subscription to send the test to');
    if (input.to.length > MAX_TO) throw invalid('to', `to is ${input.to.length} characters; at most ${MAX_TO}`);
    const to = input.to.trim();
    const idempotencyKey = `test:${uuidv7()}`;
    // Everything about the request is checked before the provider is asked for.
    const send = await this.#prepare(project, channel, to, input.platform, idempotencyKey);
    let vendor: string;
    let provider: ProviderByChannel[Channel];
    try {
      ({ vendor, provider } = this.#providers.resolve(project, channel));
    } catch (e) {
      throw invalid('channel', `the project's ${channel} provider cannot be used: ${(e as Error).message}`);
    }
    let result: ChannelTestResult;
    try {
      const r = await send(provider);
      result = {
        ok: r.ok,
        retryable: r.ok ? false : r.retryable,
        vendor,
        idempotencyKey,
        ...(r.providerMessageId ? { providerMessageId: r.providerMessageId } : {}),
        ...(r.reason ? { reason: r.reason } : {}),
      };
    } catch (e) {
      // A provider throws only for what it was given (STYLE.md "Providers"), e.g. no sender address anywhere.
      result = { ok: false, retryable: false, vendor, idempotencyKey, reason: (e as Error).message };
    }
    await this.#store.write((tx) =>
      this.#audit.record(tx, {
        projectId: project.id,
        actor: input.actor,
        action: 'provider.tested',
        target: `channel:${channel}`,
        details: { vendor, to: channel === 'web_push' ? '(subscription)' : to, ok: result.ok, ...(result.reason ? { reason: result.reason } : {}) },
      }),
    );
    return result;
  }

  /** Checks the recipient for the channel and finds the sender; answers the call that sends the message. */
  async #prepare(
    project: Project,
    channel: Channel,
    to: string,
    platform: unknown,
    idempotencyKey: string,
  ): Promise<(provider: ProviderByChannel[Channel]) => ReturnType<ProviderByChannel['email']['send']>> {
    const region = project.settings.phoneRegion ?? this.#defaultRegion;
    const defaults = messagingDefaults(project.settings);
    switch (channel) {
      case 'email': {
        if (to.length > 320 || !EMAIL.test(to)) throw invalid('to', `to "${to}" is not an email address`);
        const from = defaults.emailFrom
          ? { address: defaults.emailFrom, ...(defaults.emailFromName ? { name: defaults.emailFromName } : {}) }
          : { address: '' };
        return (p) =>
          (p as ProviderByChannel['email']).send({
            idempotencyKey,
            from,
            to,
            subject: TEST_MESSAGE.title,
            text: TEST_MESSAGE.body,
            html: `<p>${TEST_MESSAGE.body}</p>`,
          });
      }
      case 'text_message': {
        const { written } = parseRecipientNumber(to, 'to', region, 20);
        const from = await this.#setup.senderNumber(project.id, undefined, 'from');
        return (p) => (p as ProviderByChannel['text_message']).send({ idempotencyKey, kind: 'sms', from, to: written, body: TEST_MESSAGE.body });
      }
      case 'kakao_alimtalk': {
        const { written } = parseRecipientNumber(to, 'to', region, 15);
        const kakao = await this.#setup.kakaoChannel(project.id, undefined, null, 'channel');
        return (p) =>
          (p as ProviderByChannel['kakao_alimtalk']).sendFriendtalk({
            idempotencyKey,
            senderKey: kakao.senderKey,
            to: written,
            text: TEST_MESSAGE.body,
            isAd: false,
          });
      }
      case 'push': {
        if (platform !== undefined && platform !== 'android' && platform !== 'ios') throw invalid('platform', 'platform must be android or ios');
        if (/\s/.test(to)) throw invalid('to', 'to must be a device push token (no spaces)');
        return (p) =>
          (p as ProviderByChannel['push']).send({
            idempotencyKey,
            token: to,
            platform: platform === 'ios' ? 'ios' : 'android',
            title: TEST_MESSAGE.title,
            body: TEST_MESSAGE.body,
          });
      }
      case 'web_push': {
        let subscription: unknown;
        try {
          subscription = JSON.parse(to);
        } catch {
          throw invalid('to', 'to must be a Web Push subscription as JSON: {"endpoint": "https://...", "keys": {"p256dh": "...", "auth": "..."}}');
        }
        const s = subscription as { endpoint?: unknown; keys?: { p256dh?: unknown; auth?: unknown } } | null;
        if (!s || typeof s.endpoint !== 'string' || !/^https:\/\//.test(s.endpoint))
          throw invalid('to', 'to.endpoint must be the https URL of the push service');
        if (typeof s.keys?.p256dh !== 'string' || typeof s.keys?.auth !== 'string') throw invalid('to', 'to.keys must have p256dh and auth');
        const sub = { endpoint: s.endpoint, keys: { p256dh: s.keys.p256dh, auth: s.keys.auth } };
        return (p) => (p as ProviderByChannel['web_push']).send({ idempotencyKey, subscription: sub, title: TEST_MESSAGE.title, body: TEST_MESSAGE.body });
      }
    }
  }
}
