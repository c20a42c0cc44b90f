import { createNhnBizmessageProvider, type NhnBizmessageConfig } from '../kakao/nhn-bizmessage.provider.ts';
import { build, checkLiteralEndpoints, refuseOwnFlags, withFlag, type VendorDescriptor } from './vendor-descriptor.ts';

/** The Kakao vendor `nhn-bizmessage` (NHN Cloud KakaoTalk Bizmessage: alimtalk and friendtalk). */

const BASE_URL_ENDPOINT = [{ field: 'baseUrl', kind: 'url' }] as const;

export const nhnBizmessageVendor = {
  channel: 'kakao_alimtalk',
  vendor: 'nhn-bizmessage',
  publicFields: ['appKey', 'baseUrl', 'resendSendNo', 'timeoutMs'],
  endpoints: BASE_URL_ENDPOINT,
  create: (config, ctx) => {
    refuseOwnFlags(config);
    checkLiteralEndpoints({ endpoints: BASE_URL_ENDPOINT }, config, ctx);
    return build('', () =>
      createNhnBizmessageProvider(withFlag(config, 'allowPrivateNetwork', ctx) as unknown as NhnBizmessageConfig, { network: ctx.network }),
    );
  },
} satisfies VendorDescriptor<'kakao_alimtalk'>;
