import type { Project } from '../projects/projects.types.ts';

/**
 * The vendors a channel can be configured with, as the channel-config service needs them (implemented by
 * src/channels/vendors/: BuiltInChannelVendors). The core names no vendor; this port does it for it.
 */
export interface ChannelVendors {
  /** Vendor names a channel accepts (besides the sandbox). */
  vendors(channel: string): string[];
  /**
   * Checks a config by building the provider with it (and resolving its endpoints when private networks are not
   * allowed); returns the config in its stored form. Throws an Error with `field` (a dot path inside the config)
   * naming what is wrong; its message holds no secret.
   */
  check(input: { project: Project; channel: string; vendor: string; config: Record<string, unknown> }): Promise<Record<string, unknown>>;
  /** The config with every secret field replaced by "[set]". */
  publicView(channel: string, vendor: string, config: Record<string, unknown>): Record<string, unknown>;
  /** Public facts an SDK may read (web push: `{vapidPublicKey}`), if the vendor has any. */
  clientInfo(channel: string, vendor: string, config: Record<string, unknown>): Record<string, unknown> | undefined;
}

/** A project's provider configuration of one channel, as shown (secrets replaced by "[set]"). */
export interface ChannelConfigView {
  channel: string;
  vendor: string;
  config: Record<string, unknown>;
  configuredAt: number;
  /** False when the stored secret cannot be opened with this server's MARU_SECRET_KEY (it changed or is unset). */
  readable: boolean;
}

/** What the provider registry asks: the vendor and its config for a project's channel (undefined: the sandbox). */
export type ChannelChoice = { vendor: string; config: Record<string, unknown> } | undefined;
