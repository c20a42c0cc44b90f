import { createNhnCloudSmsProvider, type NhnCloudSmsConfig } from '../text/nhn-cloud.provider.ts';
import { createTwilioSmsProvider, type TwilioSmsConfig } from '../text/twilio.provider.ts';
import { build, checkLiteralEndpoints, refuseOwnFlags, withFlag, type VendorDescriptor } from './vendor-descriptor.ts';

/** The text message (SMS/LMS/MMS) vendors: `nhn-cloud` (NHN Cloud Notification SMS) and `twilio`. */

const BASE_URL_ENDPOINT = [{ field: 'baseUrl', kind: 'url' }] as const;
const TWILIO_ENDPOINTS = [
  { field: 'baseUrl', kind: 'url' },
  { field: 'statusCallbackUrl', kind: 'url' },
] as const;

export const nhnCloudSmsVendor = {
  channel: 'text_message',
  vendor: 'nhn-cloud',
  publicFields: ['appKey', 'baseUrl', 'defaultSendNo', 'userId', 'timeoutMs'],
  endpoints: BASE_URL_ENDPOINT,
  create: (config, ctx) => {
    refuseOwnFlags(config);
    checkLiteralEndpoints({ endpoints: BASE_URL_ENDPOINT }, config, ctx);
    return build('', () => createNhnCloudSmsProvider(withFlag(config, 'allowPrivateNetwork', ctx) as unknown as NhnCloudSmsConfig, { network: ctx.network }));
  },
} satisfies VendorDescriptor<'text_message'>;

export const twilioVendor = {
  channel: 'text_message',
  vendor: 'twilio',
  publicFields: ['accountSid', 'apiKeySid', 'from', 'messagingServiceSid', 'statusCallbackUrl', 'defaultRegion', 'baseUrl', 'timeoutMs'],
  endpoints: TWILIO_ENDPOINTS,
  create: (config, ctx) => {
    refuseOwnFlags(config);
    checkLiteralEndpoints({ endpoints: TWILIO_ENDPOINTS }, config, ctx);
    return build('', () => createTwilioSmsProvider(withFlag(config, 'allowPrivateNetwork', ctx) as unknown as TwilioSmsConfig, { network: ctx.network }));
  },
} satisfies VendorDescriptor<'text_message'>;
