import type { ProviderContext } from '../provider-context.ts';
import { checkVendorConfig } from './config-check.ts';
import { redactConfig } from './redaction.ts';
import { VendorConfigError, type VendorDescriptor } from './vendor-descriptor.ts';
import { smtpVendor } from './email.vendors.ts';
import { apnsVendor, fcmApnsVendor, fcmVendor } from './push.vendors.ts';
import { vapidVendor } from './web-push.vendors.ts';
import { nhnCloudSmsVendor, twilioVendor } from './text.vendors.ts';
import { nhnBizmessageVendor } from './kakao.vendors.ts';
import { webhookVendor } from './webhook.vendors.ts';

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
 *
 * One file per channel describes its vendors (`<channel>.vendors.ts`); vendor-descriptor.ts says what a descriptor is,
 * redaction.ts what the admin API shows of a config, config-check.ts how a config is checked when it is saved.
 */

/** Every built-in vendor. The registry registers each; the channel-config service validates and redacts with them. */
export const BUILT_IN_VENDORS: readonly VendorDescriptor[] = [
  smtpVendor,
  fcmVendor,
  apnsVendor,
  fcmApnsVendor,
  vapidVendor,
  nhnCloudSmsVendor,
  twilioVendor,
  nhnBizmessageVendor,
  webhookVendor('email'),
  webhookVendor('push'),
  webhookVendor('web_push'),
  webhookVendor('text_message'),
  webhookVendor('kakao_alimtalk'),
] as readonly VendorDescriptor[];

/** The descriptor of a channel's vendor, if built in. */
export function vendorDescriptor(channel: string, vendor: string): VendorDescriptor | undefined {
  return BUILT_IN_VENDORS.find((d) => d.channel === channel && d.vendor === vendor);
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

  async check(input: {
    project: ProviderContext['project'];
    channel: string;
    vendor: string;
    config: Record<string, unknown>;
  }): Promise<Record<string, unknown>> {
    return checkVendorConfig({
      descriptor: this.#descriptor(input.channel, input.vendor),
      config: input.config,
      ctx: { ...this.#ctx, project: input.project },
    });
  }

  publicView(channel: string, vendor: string, config: Record<string, unknown>): Record<string, unknown> {
    return redactConfig(this.#descriptor(channel, vendor), config);
  }

  clientInfo(channel: string, vendor: string, config: Record<string, unknown>): Record<string, unknown> | undefined {
    return vendorDescriptor(channel, vendor)?.clientInfo?.(config);
  }
}
