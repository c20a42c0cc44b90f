import { createVapidProvider, type VapidProviderConfig } from '../webpush/vapid.provider.ts';
import { at, build, refuseOwnFlags, withFlag, type VendorDescriptor } from './vendor-descriptor.ts';

/** The web push vendor `vapid` (the web-push library, VAPID keys). Endpoints come from browsers, not from config. */
export const vapidVendor = {
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
    return build('', () => createVapidProvider(withFlag(config, 'allowPrivateNetworks', ctx) as unknown as VapidProviderConfig, { network: ctx.network }));
  },
} satisfies VendorDescriptor<'web_push'>;
