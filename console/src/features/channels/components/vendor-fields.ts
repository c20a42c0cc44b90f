/**
 * The form of each vendor: the fields of its factory config (docs/providers.md, docs/providers-korea.md), by path in
 * the config object. `secret` fields are write-only: GET shows them as "[set]", the form leaves them empty and
 * sends them only when typed; `json` fields take a JSON document (FCM's service account).
 */
export interface VendorField {
  path: string;
  kind: 'text' | 'number' | 'secret' | 'boolean' | 'json' | 'select';
  required?: boolean;
  options?: string[];
}

export const CHANNEL_VENDORS: Record<string, string[]> = {
  email: ['smtp', 'webhook'],
  push: ['fcm', 'apns', 'fcm+apns', 'webhook'],
  web_push: ['vapid', 'webhook'],
  text_message: ['nhn-cloud', 'twilio', 'webhook'],
  kakao_alimtalk: ['nhn-bizmessage', 'webhook'],
};

const fcm: VendorField[] = [{ path: 'serviceAccount', kind: 'json', required: true }];
const apns: VendorField[] = [
  { path: 'keyId', kind: 'text', required: true },
  { path: 'teamId', kind: 'text', required: true },
  { path: 'bundleId', kind: 'text', required: true },
  { path: 'environment', kind: 'select', options: ['production', 'sandbox'] },
  { path: 'privateKey', kind: 'secret', required: true },
];
const prefix = (p: string, fields: VendorField[]) => fields.map((f) => ({ ...f, path: `${p}.${f.path}` }));

export const VENDOR_FIELDS: Record<string, VendorField[]> = {
  smtp: [
    { path: 'host', kind: 'text', required: true },
    { path: 'port', kind: 'number' },
    { path: 'secure', kind: 'boolean' },
    { path: 'requireTLS', kind: 'boolean' },
    { path: 'auth.user', kind: 'text' },
    { path: 'auth.pass', kind: 'secret' },
    { path: 'from.address', kind: 'text' },
    { path: 'from.name', kind: 'text' },
  ],
  webhook: [
    { path: 'url', kind: 'secret', required: true },
    { path: 'secret', kind: 'secret', required: true },
    { path: 'timeoutMs', kind: 'number' },
  ],
  fcm,
  apns,
  'fcm+apns': [...prefix('fcm', fcm), ...prefix('apns', apns)],
  vapid: [
    { path: 'vapid.subject', kind: 'text', required: true },
    { path: 'vapid.publicKey', kind: 'text', required: true },
    { path: 'vapid.privateKey', kind: 'secret', required: true },
    { path: 'defaultTtlSeconds', kind: 'number' },
    { path: 'urgency', kind: 'select', options: ['very-low', 'low', 'normal', 'high'] },
  ],
  'nhn-cloud': [
    { path: 'appKey', kind: 'text', required: true },
    { path: 'secretKey', kind: 'secret', required: true },
    { path: 'defaultSendNo', kind: 'text' },
    { path: 'userId', kind: 'text' },
  ],
  twilio: [
    { path: 'accountSid', kind: 'text', required: true },
    { path: 'authToken', kind: 'secret' },
    { path: 'apiKeySid', kind: 'text' },
    { path: 'apiKeySecret', kind: 'secret' },
    { path: 'from', kind: 'text' },
    { path: 'messagingServiceSid', kind: 'text' },
    { path: 'statusCallbackUrl', kind: 'text' },
  ],
  'nhn-bizmessage': [
    { path: 'appKey', kind: 'text', required: true },
    { path: 'secretKey', kind: 'secret', required: true },
    { path: 'resendSendNo', kind: 'text' },
  ],
};

export const getPath = (o: Record<string, unknown> | undefined, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);

export function setPath(o: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split('.');
  let cur = o;
  for (const k of keys.slice(0, -1)) {
    if (typeof cur[k] !== 'object' || cur[k] === null) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = value;
}
