import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/log.ts';
import type { OutboundGuard } from '../platform/outbound-guard.ts';
import type { Project } from '../core/projects/projects.types.ts';
import type { DeliveryLookup, ProviderByChannel } from '../core/deliveries/deliveries.types.ts';
import type { SandboxOutbox } from './sandbox/outbox.ts';

/** What a provider factory is given (the registry in registry.ts builds it); kept apart so vendors do not import the registry. */
export type { ProviderByChannel, DeliveryLookup };
export type ProviderChannel = keyof ProviderByChannel;

export interface ProviderContext {
  project: Project;
  clock: Clock;
  log: Logger;
  /** MARU_ALLOW_PRIVATE_NETWORKS (D14); a vendor config may narrow it further. */
  allowPrivateNetworks: boolean;
  /** The one outbound guard (built from allowPrivateNetworks): every provider connects through it. */
  network: OutboundGuard;
  sandboxOutbox: SandboxOutbox;
}

export type ProviderFactory<C extends ProviderChannel> = (config: Record<string, unknown>, ctx: ProviderContext) => ProviderByChannel[C];
