import { failed, type PushMessage, type PushProvider } from '../provider.types.ts';
import type { ProviderContext } from '../provider-context.ts';
import { createFcmProvider, type FcmProviderConfig } from '../push/fcm.provider.ts';
import { createApnsProvider, type ApnsProviderConfig } from '../push/apns.provider.ts';
import { build, checkLiteralEndpoints, isObject, sub, subEndpoints, VendorConfigError, type VendorDescriptor } from './vendor-descriptor.ts';

/**
 * The push vendors: `fcm` (every device through FCM), `apns` (iOS devices only) and `fcm+apns` (android → FCM,
 * ios → APNs), each routing a message by the device's platform.
 */

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
  return build(prefix, () => createFcmProvider(config as unknown as FcmProviderConfig, { network: ctx.network }));
}

function apns(config: Record<string, unknown>, ctx: ProviderContext, prefix = ''): PushProvider {
  checkLiteralEndpoints({ endpoints: APNS_ENDPOINTS }, config, ctx, prefix);
  return build(prefix, () => createApnsProvider(config as unknown as ApnsProviderConfig, { network: ctx.network }));
}

export const fcmVendor = {
  channel: 'push',
  vendor: 'fcm',
  publicFields: FCM_PUBLIC,
  endpoints: FCM_ENDPOINTS,
  normalize: normalizeFcm,
  create: (config, ctx) => {
    const p = fcm(config, ctx);
    return routedPush({ android: p, ios: p }, 'fcm');
  },
} satisfies VendorDescriptor<'push'>;

export const apnsVendor = {
  channel: 'push',
  vendor: 'apns',
  publicFields: APNS_PUBLIC,
  endpoints: APNS_ENDPOINTS,
  create: (config, ctx) => routedPush({ ios: apns(config, ctx) }, 'apns'),
} satisfies VendorDescriptor<'push'>;

export const fcmApnsVendor = {
  channel: 'push',
  vendor: 'fcm+apns',
  publicFields: [...sub('fcm', FCM_PUBLIC), ...sub('apns', APNS_PUBLIC)],
  endpoints: [...subEndpoints('fcm', FCM_ENDPOINTS), ...subEndpoints('apns', APNS_ENDPOINTS)],
  normalize: (config) => {
    for (const k of Object.keys(config))
      if (k !== 'fcm' && k !== 'apns') throw new VendorConfigError(k, `"${k}": the fcm+apns config has two parts, "fcm" and "apns"`);
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
} satisfies VendorDescriptor<'push'>;
