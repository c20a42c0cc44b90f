import { isForbiddenHostLiteral } from '../../platform/net-guard.ts';
import type { ProviderByChannel, ProviderChannel, ProviderContext } from '../provider-context.ts';

/**
 * What a built-in vendor is to maru (VendorDescriptor) and the helpers every descriptor uses: reading dot paths of a
 * config, turning a factory's Error into a VendorConfigError naming the field, and the literal private-host check of
 * endpoint fields (the connect-time check is platform/outbound-guard.ts).
 */

export interface VendorDescriptor<C extends ProviderChannel = ProviderChannel> {
  channel: C;
  vendor: string;
  /**
   * Dot paths of config fields that are not secret. A listed path shows its whole subtree; every other leaf is shown as
   * `"[set]"`. (An allow-list: a field nobody thought about stays hidden.)
   */
  publicFields: readonly string[];
  /** Public URL fields shown only as their origin (a webhook URL may carry a token in its path). */
  originOnlyFields?: readonly string[];
  /** Fields that name a network endpoint: a URL, or a bare host name (`host`). */
  endpoints: readonly { field: string; kind: 'url' | 'host' }[];
  /** Turns accepted input forms into the stored form (e.g. a service-account JSON text into an object). */
  normalize?(config: Record<string, unknown>): Record<string, unknown>;
  /** Public facts an SDK may read (web push: the VAPID public key). */
  clientInfo?(config: Record<string, unknown>): Record<string, unknown> | undefined;
  /** Builds the provider; throws an Error naming the bad field (`... "keyId" must be ...`). */
  create(config: Record<string, unknown>, ctx: ProviderContext): ProviderByChannel[C];
}

/** A config field the vendor refused, as `field` (a dot path inside the config) and a message without secrets. */
export class VendorConfigError extends Error {
  override name = 'VendorConfigError';
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

export const SECRET_PLACEHOLDER = '[set]';
const PRIVATE_FLAGS = ['allowPrivateNetworks', 'allowPrivateNetwork'];

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function at(config: Record<string, unknown>, path: string): unknown {
  let v: unknown = config;
  for (const k of path.split('.')) {
    if (!isObject(v)) return undefined;
    v = v[k];
  }
  return v;
}

/** The field a factory's message names: the first quoted word (`apns provider config: "keyId" must ...`). */
function fieldOf(message: string): string | undefined {
  return /"([A-Za-z0-9_.]+)"/.exec(message)?.[1];
}

/** Runs a factory, turning its Error into a VendorConfigError whose field is prefixed with `prefix`. */
export function build<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof VendorConfigError) throw new VendorConfigError(prefix + e.field, e.message);
    const message = (e as Error).message ?? String(e);
    const field = fieldOf(message);
    throw new VendorConfigError(prefix + (field ?? ''), message);
  }
}

/** Refuses a literal private host (no DNS) in the endpoint fields when the operator does not allow private networks. */
export function checkLiteralEndpoints(
  d: Pick<VendorDescriptor, 'endpoints'>,
  config: Record<string, unknown>,
  ctx: Pick<ProviderContext, 'allowPrivateNetworks'>,
  prefix = '',
): void {
  if (ctx.allowPrivateNetworks) return;
  for (const e of d.endpoints) {
    const value = at(config, e.field);
    if (typeof value !== 'string' || value === '') continue;
    let host: string;
    try {
      host = e.kind === 'host' ? value : new URL(value).hostname;
    } catch {
      continue; // the factory names a malformed URL
    }
    if (isForbiddenHostLiteral(host)) {
      throw new VendorConfigError(
        prefix + e.field,
        `"${e.field}" points at a loopback, link-local or private address, which this server does not allow (MARU_ALLOW_PRIVATE_NETWORKS)`,
      );
    }
  }
}

export const withFlag = (config: Record<string, unknown>, flag: string, ctx: ProviderContext) => ({ ...config, [flag]: ctx.allowPrivateNetworks });

export function refuseOwnFlags(config: Record<string, unknown>): void {
  for (const flag of PRIVATE_FLAGS) {
    if (flag in config)
      throw new VendorConfigError(flag, `"${flag}" is decided by the server operator (MARU_ALLOW_PRIVATE_NETWORKS), not by a project's config`);
  }
}

export const sub = (prefix: string, fields: readonly string[]) => fields.map((f) => `${prefix}.${f}`);
export const subEndpoints = (prefix: string, endpoints: readonly { field: string; kind: 'url' | 'host' }[]) =>
  endpoints.map((e) => ({ ...e, field: `${prefix}.${e.field}` }));
