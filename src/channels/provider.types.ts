/**
 * The channel provider port.
 *
 * One small interface per channel; one folder per vendor under src/channels/<channel>/<vendor>.provider.ts.
 * A provider turns one rendered message for one recipient into one vendor API call and reports the outcome.
 *
 * Contract every provider keeps:
 * - It never throws for anything the vendor says (4xx/5xx, rejected recipient, bad credentials): it returns
 *   `{ ok: false, retryable, reason }`. It throws only for programming errors (bad arguments it was given).
 * - Network failures, timeouts, HTTP 429 and 5xx are `retryable: true` (with `retryAfterMs` when the vendor
 *   sent `Retry-After`); rejections that would fail again the same way are `retryable: false`.
 * - When the vendor says the address is gone for good (unregistered FCM token, APNs 410, Web Push 404/410),
 *   the result carries `invalidRecipient: true` so the engine can remove the token/subscription.
 * - `idempotencyKey` is passed to vendors that accept one; a provider must not retry on its own
 *   (the delivery pipeline owns retries, backoff and the record of attempts).
 * - Base URLs are configurable so tests run against loopback fakes.
 */

export interface SendResult {
  ok: boolean;
  /** Only meaningful when ok is false: true if the same request may succeed later. */
  retryable: boolean;
  providerMessageId?: string;
  /** Human-readable reason for a failure (no secrets in it). */
  reason?: string;
  /** From the vendor's Retry-After, when it sent one. */
  retryAfterMs?: number;
  /** The recipient address (token, subscription) is permanently invalid and should be removed. */
  invalidRecipient?: boolean;
}

export const sent = (providerMessageId?: string): SendResult => ({ ok: true, retryable: false, providerMessageId });
export const failed = (retryable: boolean, reason: string, extra: Partial<SendResult> = {}): SendResult => ({
  ok: false,
  retryable,
  reason,
  ...extra,
});

export interface EmailMessage {
  idempotencyKey: string;
  from: { address: string; name?: string };
  to: string;
  subject: string;
  html?: string;
  text?: string;
  /** Extra headers, e.g. List-Unsubscribe and List-Unsubscribe-Post for advertising mail. */
  headers?: Record<string, string>;
}
export interface EmailProvider {
  send(message: EmailMessage): Promise<SendResult>;
  close?(): Promise<void>;
}

export interface PushMessage {
  idempotencyKey: string;
  token: string;
  platform: 'android' | 'ios';
  title: string;
  body: string;
  deepLink?: string;
  imageUrl?: string;
  data?: Record<string, string>;
}
export interface PushProvider {
  send(message: PushMessage): Promise<SendResult>;
  close?(): Promise<void>;
}

export interface WebPushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}
export interface WebPushMessage {
  idempotencyKey: string;
  subscription: WebPushSubscription;
  title: string;
  body: string;
  url?: string;
  iconUrl?: string;
  imageUrl?: string;
  ttlSeconds?: number;
}
export interface WebPushProvider {
  send(message: WebPushMessage): Promise<SendResult>;
  close?(): Promise<void>;
}

export type TextMessageKind = 'sms' | 'lms' | 'mms';
export interface TextMessage {
  idempotencyKey: string;
  kind: TextMessageKind;
  /** Registered sender number. */
  from: string;
  to: string;
  title?: string;
  body: string;
}
export interface TextProvider extends Partial<SignedStatusCallbacks> {
  send(message: TextMessage): Promise<SendResult>;
  close?(): Promise<void>;
}

/**
 * A provider whose vendor signs the status callbacks it sends (Twilio): the callback face (src/faces/callbacks) asks
 * the project's provider to check a callback with the project's own credentials instead of knowing the scheme.
 */
export interface SignedStatusCallbacks {
  /**
   * Whether `signature` is the vendor's for a callback to any of `urls` (the URLs the vendor may have called) with
   * these form parameters; 'no-secret' when the provider's config holds nothing to check it with.
   */
  verifyCallbackSignature(input: { urls: string[]; params: URLSearchParams; signature: string | undefined }): 'valid' | 'invalid' | 'no-secret';
}

export interface AlimtalkMessage {
  idempotencyKey: string;
  /** Kakao sender key / channel id. */
  senderKey: string;
  templateCode: string;
  to: string;
  /** The template body with #{variables} already filled. */
  content: string;
  templateParameter: Record<string, string>;
  senderGroupingKey?: string;
}
export interface FriendtalkMessage {
  idempotencyKey: string;
  senderKey: string;
  to: string;
  text: string;
  isAd: boolean;
}
export interface KakaoProvider {
  sendAlimtalk(message: AlimtalkMessage): Promise<SendResult>;
  sendFriendtalk(message: FriendtalkMessage): Promise<SendResult>;
  close?(): Promise<void>;
}

export interface WebhookMessage {
  idempotencyKey: string;
  /** The rendered message and its metadata, posted as JSON. */
  payload: Record<string, unknown>;
}
export interface WebhookProvider {
  send(message: WebhookMessage): Promise<SendResult>;
  close?(): Promise<void>;
}
