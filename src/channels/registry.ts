import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/log.ts';
import type { Project } from '../core/projects/projects.types.ts';
import type { ChannelProviders, DeliveryLookup, ProviderByChannel } from '../core/deliveries/deliveries.types.ts';
import { createSandboxProvider, SANDBOX_VENDOR } from './sandbox/sandbox.provider.ts';
import type { SandboxOutbox } from './sandbox/outbox.ts';
import { createOutboundGuard, type OutboundGuard } from '../platform/outbound-guard.ts';
import { BUILT_IN_VENDORS } from './vendors/built-in-vendors.ts';

/**
 * The per-project channel provider registry (STYLE.md "Providers"): a table from vendor name to factory for each
 * campaign channel; a project picks a vendor per channel, and a channel without one uses the `sandbox` provider (D12).
 *
 * Where the choice comes from is the `configSource` option. The runtime passes the channel-config service's
 * (`PUT /admin/v1/projects/:id/channels/:channel {vendor, config}`, credentials sealed at rest; docs/providers.md).
 * Without one, `settings.channels` is read — for tests and vendors registered in code only: secrets do not belong in
 * plain project settings.
 *
 * Adding a vendor: write `src/channels/<channel>/<vendor>.provider.ts` with a factory taking one config object, and
 * describe it in `src/channels/vendors/` (BUILT_IN_VENDORS: factory, public fields, endpoints); it is registered below.
 * Factories run once per (project, vendor, config) and the instance is reused until the config changes.
 */

export type { DeliveryLookup, ProviderByChannel, ProviderChannel, ProviderContext, ProviderFactory } from './provider-context.ts';
import type { ProviderChannel, ProviderContext, ProviderFactory } from './provider-context.ts';

export interface ResolvedProvider<C extends ProviderChannel> {
  vendor: string;
  provider: ProviderByChannel[C] & Partial<DeliveryLookup>;
}

/** Where a project's choice of vendor for a channel comes from (default: `settings.channels[channel]`). */
export type ChannelConfigSource = (project: Project, channel: ProviderChannel) => { vendor: string; config: Record<string, unknown> } | undefined;

export const settingsConfigSource: ChannelConfigSource = (project, channel) => {
  const channels = project.settings.channels as Record<string, unknown> | undefined;
  const entry = channels?.[channel] as { vendor?: unknown; config?: unknown } | undefined;
  if (!entry || typeof entry.vendor !== 'string') return undefined;
  const config = typeof entry.config === 'object' && entry.config !== null ? (entry.config as Record<string, unknown>) : {};
  return { vendor: entry.vendor, config };
};

export interface RegistryDeps {
  clock: Clock;
  log: Logger;
  allowPrivateNetworks: boolean;
  /** Default: a guard built from allowPrivateNetworks with the system resolver. */
  network?: OutboundGuard;
  sandboxOutbox: SandboxOutbox;
  configSource?: ChannelConfigSource;
}

export class UnknownVendorError extends Error {
  override name = 'UnknownVendorError';
}

export class ChannelProviderRegistry implements ChannelProviders {
  #factories = new Map<string, ProviderFactory<ProviderChannel>>();
  #instances = new Map<string, { fingerprint: string; provider: ProviderByChannel[ProviderChannel] }>();
  #deps: RegistryDeps & { configSource: ChannelConfigSource; network: OutboundGuard };

  constructor(deps: RegistryDeps) {
    this.#deps = {
      ...deps,
      configSource: deps.configSource ?? settingsConfigSource,
      network: deps.network ?? createOutboundGuard({ allowPrivateNetworks: deps.allowPrivateNetworks }),
    };
  }

  register<C extends ProviderChannel>(channel: C, vendor: string, factory: ProviderFactory<C>): void {
    const key = `${channel}/${vendor}`;
    if (this.#factories.has(key)) throw new Error(`provider ${key} is already registered`);
    this.#factories.set(key, factory as unknown as ProviderFactory<ProviderChannel>);
  }

  vendors(channel: ProviderChannel): string[] {
    return [...this.#factories.keys()].filter((k) => k.startsWith(channel + '/')).map((k) => k.slice(channel.length + 1));
  }

  /**
   * The vendor and config a project chose for a channel (undefined: the sandbox), as the config source gives it — for
   * checking a vendor's signed status callback with the project's credentials (src/faces/callbacks). May throw like
   * the source does (a stored config that cannot be opened).
   */
  configOf(project: Project, channel: ProviderChannel): { vendor: string; config: Record<string, unknown> } | undefined {
    return this.#deps.configSource(project, channel);
  }

  /**
   * The provider a project sends a channel's messages through. Throws UnknownVendorError when the project names a
   * vendor nobody registered (a configuration error: deliveries fail visibly rather than going to the sandbox).
   */
  resolve<C extends ProviderChannel>(project: Project, channel: C): ResolvedProvider<C> {
    const chosen = this.#deps.configSource(project, channel);
    const vendor = chosen?.vendor ?? SANDBOX_VENDOR;
    // The sandbox's config is the project's failure rule (settings.sandbox).
    const config = chosen?.config ?? (project.settings.sandbox as Record<string, unknown> | undefined) ?? {};
    const factory = this.#factories.get(`${channel}/${vendor}`);
    if (!factory) throw new UnknownVendorError(`no ${channel} provider named "${vendor}" is registered (known: ${this.vendors(channel).join(', ')})`);
    const instanceKey = `${project.id}/${channel}`;
    const fingerprint = `${vendor}\u0000${JSON.stringify(config)}`;
    const cached = this.#instances.get(instanceKey);
    if (cached && cached.fingerprint === fingerprint) return { vendor, provider: cached.provider as ResolvedProvider<C>['provider'] };
    if (cached) void cached.provider.close?.().catch(() => undefined);
    const provider = factory(config, {
      project,
      clock: this.#deps.clock,
      log: this.#deps.log,
      allowPrivateNetworks: this.#deps.allowPrivateNetworks,
      network: this.#deps.network,
      sandboxOutbox: this.#deps.sandboxOutbox,
    });
    this.#instances.set(instanceKey, { fingerprint, provider });
    return { vendor, provider: provider as ResolvedProvider<C>['provider'] };
  }

  async close(): Promise<void> {
    const all = [...this.#instances.values()];
    this.#instances.clear();
    await Promise.all(all.map((i) => i.provider.close?.().catch(() => undefined)));
  }
}

/** The registry with every built-in vendor. */
export function builtInRegistry(deps: RegistryDeps): ChannelProviderRegistry {
  const registry = new ChannelProviderRegistry(deps);
  registry.register('push', SANDBOX_VENDOR, (config, ctx) => createSandboxProvider('push', config, ctx));
  registry.register('web_push', SANDBOX_VENDOR, (config, ctx) => createSandboxProvider('web_push', config, ctx));
  registry.register('email', SANDBOX_VENDOR, (config, ctx) => createSandboxProvider('email', config, ctx));
  registry.register('text_message', SANDBOX_VENDOR, (config, ctx) => createSandboxProvider('text_message', config, ctx));
  registry.register('kakao_alimtalk', SANDBOX_VENDOR, (config, ctx) => createSandboxProvider('kakao_alimtalk', config, ctx));
  // Real vendors (src/channels/vendors/): smtp, fcm, apns, fcm+apns, vapid, nhn-cloud, twilio, nhn-bizmessage, and
  // webhook on every channel. Their configs come sealed from src/core/channel-config (runtime.ts passes its source).
  for (const d of BUILT_IN_VENDORS) registry.register(d.channel, d.vendor, (config, ctx) => d.create(config, ctx));
  return registry;
}
