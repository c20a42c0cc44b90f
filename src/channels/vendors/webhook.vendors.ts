import type { AlimtalkMessage, EmailMessage, FriendtalkMessage, KakaoProvider, PushMessage, TextMessage, WebPushMessage } from '../provider.types.ts';
import type { ProviderByChannel, ProviderChannel, ProviderContext } from '../provider-context.ts';
import { createWebhookProvider, type WebhookProviderConfig } from '../webhook/webhook.provider.ts';
import { build, checkLiteralEndpoints, refuseOwnFlags, withFlag, type VendorDescriptor } from './vendor-descriptor.ts';

/** The `webhook` vendor of every channel: each message is POSTed, signed, to the project's URL. */

const WEBHOOK_PUBLIC = ['url', 'timeoutMs', 'ca'];
const WEBHOOK_ENDPOINTS = [{ field: 'url', kind: 'url' }] as const;

function webhookFor<C extends ProviderChannel>(channel: C, config: Record<string, unknown>, ctx: ProviderContext): ProviderByChannel[C] {
  const hook = createWebhookProvider(withFlag(config, 'allowPrivateNetworks', ctx) as unknown as WebhookProviderConfig, { network: ctx.network });
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

export function webhookVendor<C extends ProviderChannel>(channel: C): VendorDescriptor<C> {
  return {
    channel,
    vendor: 'webhook',
    publicFields: WEBHOOK_PUBLIC.filter((f) => f !== 'url'),
    originOnlyFields: ['url'],
    endpoints: WEBHOOK_ENDPOINTS,
    create: (config, ctx) => {
      refuseOwnFlags(config);
      checkLiteralEndpoints({ endpoints: WEBHOOK_ENDPOINTS }, config, ctx);
      return build('', () => webhookFor(channel, config, ctx));
    },
  };
}
