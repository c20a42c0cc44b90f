import { NetGuardError } from '../../platform/net-guard.ts';
import type { ProviderContext } from '../provider-context.ts';
import { at, VendorConfigError, type VendorDescriptor } from './vendor-descriptor.ts';

/**
 * Checks a project's config for a vendor the way it will be used: normalises it, builds the provider with the
 * operator's private-network rule (and closes it again), and resolves every endpoint host to refuse private addresses
 * when they are not allowed — through the same guard (and resolver) the providers connect through, which checks again
 * at every connection (a DNS answer may change after this check). Throws VendorConfigError naming the field.
 */
export async function checkVendorConfig(input: {
  descriptor: VendorDescriptor;
  config: Record<string, unknown>;
  ctx: ProviderContext;
}): Promise<Record<string, unknown>> {
  const { descriptor: d, ctx } = input;
  const config = d.normalize ? d.normalize(input.config) : input.config;
  const provider = d.create(config, ctx);
  await provider.close?.().catch(() => undefined);
  if (!ctx.allowPrivateNetworks) {
    for (const e of d.endpoints) {
      const value = at(config, e.field);
      if (typeof value !== 'string' || value === '') continue;
      let host: string;
      try {
        host = e.kind === 'host' ? value : new URL(value).hostname;
      } catch {
        throw new VendorConfigError(e.field, `"${e.field}" is not a valid URL`);
      }
      try {
        await ctx.network.check(host);
      } catch (err) {
        if (!(err instanceof NetGuardError)) throw err;
        throw new VendorConfigError(e.field, `"${e.field}": ${err.message}`);
      }
    }
  }
  return config;
}
