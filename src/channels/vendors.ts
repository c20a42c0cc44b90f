import { isForbiddenHostLiteral, assertPublicUrl, NetGuardError } from '../platform/net-guard.ts';
import { failed, type AlimtalkMessage, type EmailMessage, type EmailProvider, type FriendtalkMessage, type KakaoProvider, type PushMessage, type PushProvider, type TextMessage, type WebPushMessage } from './provider.types.ts';
import type { ProviderByChannel, ProviderChannel, ProviderContext } from './registry.ts';
import { createSmtpProvider, type SmtpProviderConfig } from './email/smtp.provider.ts';
import { createFcmProvider, type FcmProviderConfig } from './push/fcm.provider.ts';
import { createApnsProvider, type ApnsProviderConfig } from './push/apns.provider.ts';
import { createVapidProvider, type VapidProviderConfig } from './webpush/vapid.provider.ts';
import { createWebhookProvider, type WebhookProviderConfig } from './webhook/webhook.provider.ts';
import { createNhnCloudSmsProvider, type NhnCloudSmsConfig } from './text/nhn-cloud.provider.ts';
import { createTwilioSmsProvider, type TwilioSmsConfig } from './text/twilio.provider.ts';
import { createNhnBizmessageProvider, type NhnBizmessageConfig } from './kakao/nhn-bizmessage.provider.ts';

/**
 * The built-in vendors of each campaign channel (docs/providers.md "Configuring a project's channels"): how to build a
 * provider from a project's stored config, which config fields are not secret (the admin API shows those and `"[set]"`
 * for everything else), and which fields name network endpoints (refused on private networks unless the operator
 * allows them, D14).
 *
 * | channel | vendors |
 * |---|---|
 * | email | smtp, webhook |
 * | push | fcm (every device through FCM), apns (iOS devices only), fcm+apns (android → FCM, ios → APNs), webhook |
 * | web_push | vapid, webhook |
 * | text_message | nhn-cloud, twilio, webhook |
 * | kakao_alimtalk | nhn-bizmessage (alimtalk and friendtalk), webhook |
 *
 * The operator's MARU_ALLOW_PRIVATE_NETWORKS decides the private-network rule for every vendor: a stored config may
 * not set the vendors' own `allowPrivateNetwork(s)` flags.
 */

export interface VendorDescriptor<C extends ProviderChannel = ProviderChannel> {
  channel: C;
  vendor: string;
  /**
   * Dot paths of config fields that are not secret. A listed path shows its whole subtree; every other leaf is shown as
   * `"[set]"`. (An allow-list: a field nobody thought about stays hidden.)
   */
  publicFields: readonly string[];
  /** Public URL fields shown only as their origin (a webhook URL may carry a token in its path). */
  originOnlyFields?: readonly string[];
  /** Fields that name a network endpoint: a URL, or a bare host name (`host`). */
  endpoints: readonly { field: string; kind: 'url' | 'host' }[];
  /** Turns accepted input forms into the stored form (e.g. a service-account JSON text into an object). */
  normalize?(config: Record<string, unknown>): Record<string, unknown>;
  /** Public facts an SDK may read (web push: the VAPID public key). */
  clientInfo?(config: Record<string, unknown>): Record<string, unknown> | undefined;
  /** Builds the provider; throws an Error naming the bad field (`... "keyId" must be ...`). */
  create(config: Record<string, unknown>, ctx: ProviderContext): ProviderByChannel[C];
}

/** A config field the vendor refused, as `field` (a dot path inside the config) and a message without secrets. */
export class VendorConfigError extends Error {
  override name = 'VendorConfigError';
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

export const SECRET_PLACEHOLDER = '[set]';
const PRIVATE_FLAGS = ['allowPrivateNetworks', 'allowPrivateNetwork'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function at(config: Record<string, unknown>, path: string): unknown {
  let v: unknown = config;
  for (const k of path.split('.')) {
    if (!isObject(v)) return undefined;
    v = v[k];
  }
  return v;
}

/** The field a factory's message names: the first quoted word (`apns provider config: "keyId" must ...`). */
function fieldOf(message: string): string | undefined {
  return /"([A-Za-z0-9_.]+)"/.exec(message)?.[1];
}

/** Runs a factory, turning its Error into a VendorConfigError whose field is prefixed with `prefix`. */
function build<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof VendorConfigError) throw new VendorConfigError(prefix + e.field, e.message);
    const message = (e as Error).message ?? String(e);
    const field = fieldOf(message);
    throw new VendorConfigError(prefix + (field ?? ''), message);
  }
}

/** Refuses a literal private host (no DNS) in the endpoint fields when the operator does not allow private networks. */
function checkLiteralEndpoints(d: Pick<VendorDescriptor, 'endpoints'>, config: Record<string, unknown>, ctx: Pick<ProviderContext, 'allowPrivateNetworks'>, prefix = ''): void {
  if (ctx.allowPrivateNetworks) return;
  for (const e of d.endpoints) {
    const value = at(config, e.field);
    if (typeof value !== 'string' || value === '') continue;
    let host: string;
    try {
      host = e.kind === 'host' ? value : new URL(value).hostname;
    } catch {
      continue; // the factory names a malformed URL
    }
    if (isForbiddenHostLiteral(host)) {
      throw new VendorConfigError(prefix + e.field, `"${e.field}" points at a loopback, link-local or private address, which this server does not allow (MARU_ALLOW_PRIVATE_NETWORKS)`);
    }
  }
}

const withFlag = (config: Record<string, unknown>, flag: string, ctx: ProviderContext) => ({ ...config, [flag]: ctx.allowPrivateNetworks });

// ---- per-channel adapters ----

/** The campaign engine's sender when neither the template nor the project names one (message-renderer.ts). */
const ENGINE_FALLBACK_SENDER = 'noreply@localhost';

function smtpEmail(config: Record<string, unknown>): EmailProvider {
  const provider = createSmtpProvider(config as unknown as SmtpProviderConfig);
  const from = isObject(config.from) && typeof config.from.address === 'string' ? (config.from as { address: string; name?: string }) : undefined;
  return {
    // The SMTP config's `from` is the project's sender when the campaign and the project settings name none.
    send: (m: EmailMessage) => provider.send(from && m.from.address === ENGINE_FALLBACK_SENDER ? { ...m, from } : m),
    close: () => provider.close?.() ?? Promise.resolve(),
  };
}

function routedPush(providers: { android?: PushProvider; ios?: PushProvider }, vendor: string): PushProvider {
  return {
    async send(m: PushMessage) {
      const p = providers[m.platform];
      if (!p) return failed(false, `no ${m.platform} push provider: vendor "${vendor}" does not send to ${m.platform} devices (configure "fcm" or "fcm+apns")`);
      return p.send(m);
    },
    async close() {
      await Promise.all([...new Set(Object.values(providers))].map((p) => p?.close?.()));
    },
  };
}

function webhookFor<C extends ProviderChannel>(channel: C, config: Record<string, unknown>, ctx: ProviderContext): ProviderByChannel[C] {
  const hook = createWebhookProvider(withFlag(config, 'allowPrivateNetworks', ctx) as unknown as WebhookProviderConfig);
  const post = (message: { idempotencyKey: string }, extra: Record<string, unknown> = {}) => {
    const { idempotencyKey, ...rest } = message;
    return hook.send({ idempotencyKey, payload: { channel, ...extra, message: rest } });
  };
  const close = () => hook.close?.() ?? Promise.resolve();
  const byChannel: { [K in ProviderChannel]: () => ProviderByChannel[K] } = {
    push: () => ({ send: (m: PushMessage) => post(m), close }),
    web_push: () => ({ send: (m: WebPushMessage) => post(m), close }),
    email: () => ({ send: (m: EmailMessage) => post(m), close }),
    text_message: () => ({ send: (m: TextMessage) => post(m), close }),
    kakao_alimtalk: () =>
      ({
        sendAlimtalk: (m: AlimtalkMessage) => post(m, { kind: 'alimtalk' }),
        sendFriendtalk: (m: FriendtalkMessage) => post(m, { kind: 'friendtalk' }),
        close,
      }) satisfies KakaoProvider,
  };
  return byChannel[channel]() as ProviderByChannel[C];
}

// ---- field lists ----

const SMTP_PUBLIC = ['host', 'port', 'secure', 'requireTLS', 'ignoreTLS', 'auth.user', 'ca', 'connectionTimeoutMs', 'greetingTimeoutMs', 'socketTimeoutMs', 'pool', 'from', 'envelopeFrom', 'messageIdDomain'];
const FCM_PUBLIC = [
  'serviceAccount.type',
  'serviceAccount.project_id',
  'serviceAccount.client_email',
  'serviceAccount.client_id',
  'serviceAccount.token_uri',
  'serviceAccount.auth_uri',
  'serviceAccount.auth_provider_x509_cert_url',
  'serviceAccount.client_x509_cert_url',
  'serviceAccount.universe_domain',
  'baseUrl',
  'tokenUri',
  'timeoutMs',
  'androidPriority',
];
const FCM_ENDPOINTS = [
  { field: 'baseUrl', kind: 'url' },
  { field: 'tokenUri', kind: 'url' },
  { field: 'serviceAccount.token_uri', kind: 'url' },
] as const;
const APNS_PUBLIC = ['keyId', 'teamId', 'bundleId', 'environment', 'baseUrl', 'priority', 'expirationSeconds', 'timeoutMs', 'ca', 'idleTimeoutMs'];
const APNS_ENDPOINTS = [{ field: 'baseUrl', kind: 'url' }] as const;
const WEBHOOK_PUBLIC = ['url', 'timeoutMs', 'ca'];
const BASE_URL_ENDPOINT = [{ field: 'baseUrl', kind: 'url' }] as const;
const TWILIO_ENDPOINTS = [
  { field: 'baseUrl', kind: 'url' },
  { field: 'statusCallbackUrl', kind: 'url' },
] as const;

function normalizeFcm(config: Record<string, unknown>): Record<string, unknown> {
  if (typeof config.serviceAccount !== 'string') return config;
  try {
    return { ...config, serviceAccount: JSON.parse(config.serviceAccount) };
  } catch {
    throw new VendorConfigError('serviceAccount', 'fcm provider config: "serviceAccount" is not valid JSON');
  }
}

function fcm(config: Record<string, unknown>, ctx: ProviderContext, prefix = ''): PushProvider {
  checkLiteralEndpoints({ endpoints: FCM_ENDPOINTS }, config, ctx, prefix);
  return build(prefix, () => createFcmProvider(config as unknown as FcmProviderConfig));
}

function apns(config: Record<string, unknown>, ctx: ProviderContext, prefix = ''): PushProvider {
  checkLiteralEndpoints({ endpoints: APNS_ENDPOINTS }, config, ctx, prefix);
  return build(prefix, () => createApnsProvider(config as unknown as ApnsProviderConfig));
}

function refuseOwnFlags(config: Record<string, unknown>): void {
  for (const flag of PRIVATE_FLAGS) {
    if (flag in config) throw new VendorConfigError(flag, `"${flag}" is decided by the server operator (MARU_ALLOW_PRIVATE_NETWORKS), not by a project's config`);
  }
}

const sub = (prefix: string, fields: readonly string[]) => fields.map((f) => `${prefix}.${f}`);
const subEndpoints = (prefix: string, endpoints: readonly { field: string; kind: 'url' | 'host' }[]) => endpoints.map((e) => ({ ...e, field: `${prefix}.${e.field}` }));

function webhookDescriptor<C extends ProviderChannel>(channel: C): VendorDescriptor<C> {
  return {
    channel,
    vendor: 'webhook',
    publicFields: WEBHOOK_PUBLIC.filter((f) => f !== 'url'),
    originOnlyFields: ['url'],
    endpoints: [{ field: 'url', kind: 'url' }],
    create: (config, ctx) => {
      refuseOwnFlags(config);
      checkLiteralEndpoints({ endpoints: [{ field: 'url', kind: 'url' }] }, config, ctx);
      return build('', () => webhookFor(channel, config, ctx));
    },
  };
}

/** Every built-in vendor. The registry registers each; the channel-config service validates and redacts with them. */
export const BUILT_IN_VENDORS: readonly VendorDescriptor[] = [
  {
    channel: 'email',
    vendor: 'smtp',
    publicFields: SMTP_PUBLIC,
    endpoints: [{ field: 'host', kind: 'host' }],
    create: (config, ctx) => {
      checkLiteralEndpoints({ endpoints: [{ field: 'host', kind: 'host' }] }, config, ctx);
      return build('', () => smtpEmail(config));
    },
  } satisfies VendorDescriptor<'email'>,
  {
    channel: 'push',
    vendor: 'fcm',
    publicFields: FCM_PUBLIC,
    endpoints: FCM_ENDPOINTS,
    normalize: normalizeFcm,
    create: (config, ctx) => {
      const p = fcm(config, ctx);
      return routedPush({ android: p, ios: p }, 'fcm');
    },
  } satisfies VendorDescriptor<'push'>,
  {
    channel: 'push',
    vendor: 'apns',
    publicFields: APNS_PUBLIC,
    endpoints: APNS_ENDPOINTS,
    create: (config, ctx) => routedPush({ ios: apns(config, ctx) }, 'apns'),
  } satisfies VendorDescriptor<'push'>,
  {
    channel: 'push',
    vendor: 'fcm+apns',
    publicFields: [...sub('fcm', FCM_PUBLIC), ...sub('apns', APNS_PUBLIC)],
    endpoints: [...subEndpoints('fcm', FCM_ENDPOINTS), ...subEndpoints('apns', APNS_ENDPOINTS)],
    normalize: (config) => {
      for (const k of Object.keys(config)) if (k !== 'fcm' && k !== 'apns') throw new VendorConfigError(k, `"${k}": the fcm+apns config has two parts, "fcm" and "apns"`);
      if (!isObject(config.fcm)) throw new VendorConfigError('fcm', '"fcm" is required: the FCM config used for android devices');
      if (!isObject(config.apns)) throw new VendorConfigError('apns', '"apns" is required: the APNs config used for ios devices');
      try {
        return { fcm: normalizeFcm(config.fcm), apns: config.apns };
      } catch (e) {
        if (e instanceof VendorConfigError) throw new VendorConfigError(`fcm.${e.field}`, e.message);
        throw e;
      }
    },
    create: (config, ctx) => {
      const android = fcm(isObject(config.fcm) ? config.fcm : {}, ctx, 'fcm.');
      let ios: PushProvider;
      try {
        ios = apns(isObject(config.apns) ? config.apns : {}, ctx, 'apns.');
      } catch (e) {
        void android.close?.();
        throw e;
      }
      return routedPush({ android, ios }, 'fcm+apns');
    },
  } satisfies VendorDescriptor<'push'>,
  {
    channel: 'web_push',
    vendor: 'vapid',
    publicFields: ['vapid.subject', 'vapid.publicKey', 'defaultTtlSeconds', 'urgency', 'timeoutMs', 'ca'],
    endpoints: [],
    clientInfo: (config) => {
      const key = at(config, 'vapid.publicKey');
      return typeof key === 'string' ? { vapidPublicKey: key } : undefined;
    },
    create: (config, ctx) => {
      refuseOwnFlags(config);
      return build('', () => createVapidProvider(withFlag(config, 'allowPrivateNetworks', ctx) as unknown as VapidProviderConfig));
    },
  } satisfies VendorDescriptor<'web_push'>,
  {
    channel: 'text_message',
    vendor: 'nhn-cloud',
    publicFields: ['appKey', 'baseUrl', 'defaultSendNo', 'userId', 'timeoutMs'],
    endpoints: BASE_URL_ENDPOINT,
    create: (config, ctx) => {
      refuseOwnFlags(config);
      checkLiteralEndpoints({ endpoints: BASE_URL_ENDPOINT }, config, ctx);
      return build('', () => createNhnCloudSmsProvider(withFlag(config, 'allowPrivateNetwork', ctx) as unknown as NhnCloudSmsConfig));
    },
  } satisfies VendorDescriptor<'text_message'>,
  {
    channel: 'text_message',
    vendor: 'twilio',
    publicFields: ['accountSid', 'apiKeySid', 'from', 'messagingServiceSid', 'statusCallbackUrl', 'defaultRegion', 'baseUrl', 'timeoutMs'],
    endpoints: TWILIO_ENDPOINTS,
    create: (config, ctx) => {
      refuseOwnFlags(config);
      checkLiteralEndpoints({ endpoints: TWILIO_ENDPOINTS }, config, ctx);
      return build('', () => createTwilioSmsProvider(withFlag(config, 'allowPrivateNetwork', ctx) as unknown as TwilioSmsConfig));
    },
  } satisfies VendorDescriptor<'text_message'>,
  {
    channel: 'kakao_alimtalk',
    vendor: 'nhn-bizmessage',
    publicFields: ['appKey', 'baseUrl', 'resendSendNo', 'timeoutMs'],
    endpoints: BASE_URL_ENDPOINT,
    create: (config, ctx) => {
      refuseOwnFlags(config);
      checkLiteralEndpoints({ endpoints: BASE_URL_ENDPOINT }, config, ctx);
      return build('', () => createNhnBizmessageProvider(withFlag(config, 'allowPrivateNetwork', ctx) as unknown as NhnBizmessageConfig));
    },
  } satisfies VendorDescriptor<'kakao_alimtalk'>,
  webhookDescriptor('email'),
  webhookDescriptor('push'),
  webhookDescriptor('web_push'),
  webhookDescriptor('text_message'),
  webhookDescriptor('kakao_alimtalk'),
] as readonly VendorDescriptor[];

/** The descriptor of a channel's vendor, if built in. */
export function vendorDescriptor(channel: string, vendor: string): VendorDescriptor | undefined {
  return BUILT_IN_VENDORS.find((d) => d.channel === channel && d.vendor === vendor);
}

/** The config as the admin API shows it: public fields as stored, every other leaf `"[set]"`. */
export function redactConfig(d: Pick<VendorDescriptor, 'publicFields' | 'originOnlyFields'>, config: Record<string, unknown>): Record<string, unknown> {
  const isPublic = (path: string) => d.publicFields.some((p) => path === p || path.startsWith(p + '.'));
  const walk = (value: Record<string, unknown>, prefix: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const path = prefix ? `${prefix}.${k}` : k;
      if (isPublic(path)) out[k] = v;
      else if (d.originOnlyFields?.includes(path) && typeof v === 'string') out[k] = originOf(v);
      else if (isObject(v)) out[k] = walk(v, path);
      else out[k] = SECRET_PLACEHOLDER;
    }
    return out;
  };
  return walk(config, '');
}

function originOf(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname === '/' && !u.search ? u.origin + '/' : `${u.origin}/${SECRET_PLACEHOLDER}`;
  } catch {
    return SECRET_PLACEHOLDER;
  }
}

/**
 * Checks a project's config for a vendor the way it will be used: normalises it, builds the provider with the
 * operator's private-network rule (and closes it again), and resolves every endpoint host to refuse private addresses
 * when they are not allowed. Throws VendorConfigError naming the field.
 */
export async function checkVendorConfig(input: { descriptor: VendorDescriptor; config: Record<string, unknown>; ctx: ProviderContext }): Promise<Record<string, unknown>> {
  const { descriptor: d, ctx } = input;
  const config = d.normalize ? d.normalize(input.config) : input.config;
  const provider = d.create(config, ctx);
  await provider.close?.().catch(() => undefined);
  if (!ctx.allowPrivateNetworks) {
    for (const e of d.endpoints) {
      const value = at(config, e.field);
      if (typeof value !== 'string' || value === '') continue;
      const url = e.kind === 'host' ? `http://${value.includes(':') && !value.startsWith('[') ? `[${value}]` : value}/` : value;
      try {
        await assertPublicUrl(url);
      } catch (err) {
        if (!(err instanceof NetGuardError)) throw err;
        throw new VendorConfigError(e.field, `"${e.field}": ${err.message}`);
      }
    }
  }
  return config;
}

/**
 * The built-in vendors as the channel-config service sees them (its `ChannelVendors` port): which vendors a channel
 * takes, checking a config, and what of a config may be shown.
 */
export class BuiltInChannelVendors {
  #ctx: Omit<ProviderContext, 'project'>;

  constructor(ctx: Omit<ProviderContext, 'project'>) {
    this.#ctx = ctx;
  }

  vendors(channel: string): string[] {
    return BUILT_IN_VENDORS.filter((d) => d.channel === channel).map((d) => d.vendor);
  }

  #descriptor(channel: string, vendor: string): VendorDescriptor {
    const d = vendorDescriptor(channel, vendor);
    if (!d) throw new VendorConfigError('', `no ${channel} vendor named "${vendor}"`);
    return d;
  }

  async check(input: { project: ProviderContext['project']; channel: string; vendor: string; config: Record<string, unknown> }): Promise<Record<string, unknown>> {
    return checkVendorConfig({ descriptor: this.#descriptor(input.channel, input.vendor), config: input.config, ctx: { ...this.#ctx, project: input.project } });
  }

  publicView(channel: string, vendor: string, config: Record<string, unknown>): Record<string, unknown> {
    return redactConfig(this.#descriptor(channel, vendor), config);
  }

  clientInfo(channel: string, vendor: string, config: Record<string, unknown>): Record<string, unknown> | undefined {
    return vendorDescriptor(channel, vendor)?.clientInfo?.(config);
  }
}
