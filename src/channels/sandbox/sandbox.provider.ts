import {
  failed,
  sent,
  type AlimtalkMessage,
  type EmailMessage,
  type FriendtalkMessage,
  type PushMessage,
  type SendResult,
  type TextMessage,
  type WebPushMessage,
} from '../provider.types.ts';
import type { DeliveryLookup, ProviderByChannel, ProviderChannel, ProviderContext } from '../provider-context.ts';
import type { OutboxEntry } from './outbox.ts';

/**
 * The `sandbox` provider (D12): the provider of every channel that has no vendor configured. It sends nothing
 * anywhere; it records each message — rendered content, recipient, idempotency key — in the outbox
 * (`GET /admin/v1/projects/:id/outbox`) and answers like a vendor: accepted (with a message id `sbx_...`) or refused.
 *
 * A failure rule (project settings `sandbox`, also `PUT /admin/v1/projects/:id/sandbox`) makes chosen recipients fail,
 * so tests and demos can exercise retries and failures:
 *
 *   { "failures": [ { "recipients": ["+821011112222", "a@example.com"], "mode": "retryable_then_ok",
 *                     "failCount": 2, "retryAfterSeconds": 30 } ] }
 *
 * - `recipients`: addresses as sent (E.164 phone, lower-case email, push token, web push endpoint), or `"*"` for all;
 *   `channels` (optional) narrows a rule to some channels (e.g. fail an alimtalk but not its failover text).
 * - `mode`: `permanent` (refused, not retryable), `retryable` (always refused, retryable), `retryable_then_ok`
 *   (refused retryably for the first `failCount` calls of a message, default 1, then accepted), `invalid_recipient`
 *   (refused for good with `invalidRecipient`, as a vendor answers for an unregistered push token).
 * - `retryAfterSeconds`: sent back as the vendor's Retry-After on retryable refusals.
 *
 * The first rule whose recipients match applies. Every call is counted in the outbox row of its idempotency key, so
 * a second call for one message is visible (`calls: 2`). `lookup` answers whether a message was accepted — what the
 * engine asks when it finds a delivery it may have sent before a crash.
 */
export const SANDBOX_VENDOR = 'sandbox';

const SANDBOX_CHANNELS = ['push', 'web_push', 'email', 'text_message', 'kakao_alimtalk', 'kakao_friendtalk'];

export const SANDBOX_FAILURE_MODES = ['permanent', 'retryable', 'retryable_then_ok', 'invalid_recipient'] as const;
export type SandboxFailureMode = (typeof SANDBOX_FAILURE_MODES)[number];

export interface SandboxFailureRule {
  recipients: string[] | '*';
  /** Only messages of these channels (push, web_push, email, text_message, kakao_alimtalk); all when absent. */
  channels?: string[];
  mode: SandboxFailureMode;
  failCount?: number;
  retryAfterSeconds?: number;
  reason?: string;
}

export interface SandboxConfig {
  failures: SandboxFailureRule[];
}

/** Checks a sandbox config; throws an Error naming the bad field. */
export function parseSandboxConfig(raw: unknown): SandboxConfig {
  if (raw === undefined || raw === null) return { failures: [] };
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error('sandbox: must be an object {"failures": [...]}');
  const { failures, ...rest } = raw as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new Error(`sandbox.${unknown[0]}: unknown field (allowed: failures)`);
  if (failures === undefined) return { failures: [] };
  if (!Array.isArray(failures)) throw new Error('sandbox.failures: must be an array of rules');
  return {
    failures: failures.map((r, i): SandboxFailureRule => {
      const at = `sandbox.failures[${i}]`;
      if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new Error(`${at}: must be an object`);
      const rule = r as Record<string, unknown>;
      for (const k of Object.keys(rule)) {
        if (!['recipients', 'channels', 'mode', 'failCount', 'retryAfterSeconds', 'reason'].includes(k)) throw new Error(`${at}.${k}: unknown field`);
      }
      const recipients = rule.recipients;
      if (recipients !== '*' && !(Array.isArray(recipients) && recipients.every((x) => typeof x === 'string' && x.length > 0))) {
        throw new Error(`${at}.recipients: must be "*" or an array of addresses`);
      }
      if (!SANDBOX_FAILURE_MODES.includes(rule.mode as SandboxFailureMode)) throw new Error(`${at}.mode: must be one of ${SANDBOX_FAILURE_MODES.join(', ')}`);
      for (const k of ['failCount', 'retryAfterSeconds'] as const) {
        const v = rule[k];
        if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 86_400))
          throw new Error(`${at}.${k}: must be an integer from 0 to 86400`);
      }
      if (rule.reason !== undefined && typeof rule.reason !== 'string') throw new Error(`${at}.reason: must be a string`);
      const channels = rule.channels;
      if (channels !== undefined && !(Array.isArray(channels) && channels.every((c) => SANDBOX_CHANNELS.includes(c)))) {
        throw new Error(`${at}.channels: must be an array of ${SANDBOX_CHANNELS.join(', ')}`);
      }
      return {
        recipients: recipients as string[] | '*',
        mode: rule.mode as SandboxFailureMode,
        ...(rule.failCount !== undefined ? { failCount: rule.failCount as number } : {}),
        ...(rule.retryAfterSeconds !== undefined ? { retryAfterSeconds: rule.retryAfterSeconds as number } : {}),
        ...(rule.reason !== undefined ? { reason: rule.reason as string } : {}),
        ...(channels !== undefined ? { channels: channels as string[] } : {}),
      };
    }),
  };
}

type Decision = { state: 'delivered' | 'failed'; error?: string; result: (entry: OutboxEntry) => SendResult };

function decide(config: SandboxConfig, channel: string, recipient: string, previousCalls: number): Decision {
  const ok: Decision = { state: 'delivered', result: (e) => sent(e.id) };
  const rule = config.failures.find((r) => (r.recipients === '*' || r.recipients.includes(recipient)) && (!r.channels || r.channels.includes(channel)));
  if (!rule) return ok;
  const retryAfterMs = rule.retryAfterSeconds !== undefined ? rule.retryAfterSeconds * 1000 : undefined;
  const extra = retryAfterMs !== undefined ? { retryAfterMs } : {};
  switch (rule.mode) {
    case 'permanent': {
      const reason = rule.reason ?? 'sandbox: recipient refused (permanent)';
      return { state: 'failed', error: reason, result: () => failed(false, reason) };
    }
    case 'invalid_recipient': {
      const reason = rule.reason ?? 'sandbox: recipient is not registered';
      return { state: 'failed', error: reason, result: () => failed(false, reason, { invalidRecipient: true }) };
    }
    case 'retryable': {
      const reason = rule.reason ?? 'sandbox: temporarily unavailable';
      return { state: 'failed', error: reason, result: () => failed(true, reason, extra) };
    }
    case 'retryable_then_ok': {
      if (previousCalls >= (rule.failCount ?? 1)) return ok;
      const reason = rule.reason ?? `sandbox: temporarily unavailable (call ${previousCalls + 1} of ${(rule.failCount ?? 1) + 1})`;
      return { state: 'failed', error: reason, result: () => failed(true, reason, extra) };
    }
  }
}

/** Creates the sandbox provider of one channel for one project. */
export function createSandboxProvider<C extends ProviderChannel>(
  channel: C,
  rawConfig: Record<string, unknown>,
  ctx: ProviderContext,
): ProviderByChannel[C] & DeliveryLookup {
  const config = parseSandboxConfig(rawConfig);
  const projectId = ctx.project.id;
  const outbox = ctx.sandboxOutbox;

  const record = async (idempotencyKey: string, recipient: string, message: object, kind = channel as string): Promise<SendResult> => {
    if (!idempotencyKey) throw new Error('sandbox: a message needs an idempotency key');
    const { idempotencyKey: _omit, ...content } = message as { idempotencyKey?: string };
    let decision: Decision | undefined;
    const entry = await outbox.record({
      projectId,
      idempotencyKey,
      channel: kind,
      recipient,
      message: content,
      decide: (previousCalls) => (decision = decide(config, kind, recipient, previousCalls)),
    });
    return decision!.result(entry);
  };

  const lookup = async (idempotencyKey: string): Promise<{ found: true; result: SendResult } | { found: false }> => {
    const entry = await outbox.find(projectId, idempotencyKey);
    return entry && entry.state === 'delivered' ? { found: true, result: sent(entry.id) } : { found: false };
  };

  const byChannel: { [K in ProviderChannel]: () => ProviderByChannel[K] & DeliveryLookup } = {
    push: () => ({ send: (m: PushMessage) => record(m.idempotencyKey, m.token, m), lookup }),
    web_push: () => ({ send: (m: WebPushMessage) => record(m.idempotencyKey, m.subscription.endpoint, m), lookup }),
    email: () => ({ send: (m: EmailMessage) => record(m.idempotencyKey, m.to, m), lookup }),
    text_message: () => ({ send: (m: TextMessage) => record(m.idempotencyKey, m.to, m), lookup }),
    kakao_alimtalk: () => ({
      sendAlimtalk: (m: AlimtalkMessage) => record(m.idempotencyKey, m.to, m, 'kakao_alimtalk'),
      sendFriendtalk: (m: FriendtalkMessage) => record(m.idempotencyKey, m.to, m, 'kakao_friendtalk'),
      lookup,
    }),
  };
  return byChannel[channel]() as ProviderByChannel[C] & DeliveryLookup;
}
