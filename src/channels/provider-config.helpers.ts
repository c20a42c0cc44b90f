/**
 * Validation helpers for provider config objects (used by the text and Kakao providers).
 *
 * A provider factory receives a plain object — usually parsed from the operator's config file — and
 * validates it once. Any problem is an `Error` whose message names the provider and the field, e.g.
 * `nhn-cloud-sms config: "secretKey" must be a non-empty string`. Secrets never appear in messages.
 */
import { isForbiddenHostLiteral } from '../platform/net-guard.ts';

export class ProviderConfigError extends Error {
  override name = 'ProviderConfigError';
}

export type RawConfig = Readonly<Record<string, unknown>>;

export interface ConfigReader {
  requireString(field: string, options?: { pattern?: RegExp; hint?: string }): string;
  optionalString(field: string, options?: { pattern?: RegExp; hint?: string }): string | undefined;
  optionalBoolean(field: string): boolean | undefined;
  optionalPositiveInteger(field: string): number | undefined;
  /** An http(s) URL without a trailing slash; refused if it points at a private address unless allowed. */
  baseUrl(field: string, fallback: string, allowPrivateNetwork: boolean): string;
  /** A full http(s) URL (e.g. a status callback); same private-address rule. */
  optionalUrl(field: string, allowPrivateNetwork: boolean): string | undefined;
  fail(field: string, problem: string): never;
}

export function configReader(provider: string, raw: unknown): ConfigReader {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ProviderConfigError(`${provider} config: must be an object`);
  }
  const config = raw as RawConfig;
  const fail = (field: string, problem: string): never => {
    throw new ProviderConfigError(`${provider} config: "${field}" ${problem}`);
  };
  const readString = (field: string, required: boolean, options?: { pattern?: RegExp; hint?: string }) => {
    const value = config[field];
    if (value === undefined || value === null || value === '') {
      if (required) fail(field, 'is required (a non-empty string)');
      return undefined;
    }
    if (typeof value !== 'string' || value.trim() === '') return fail(field, 'must be a non-empty string');
    if (options?.pattern && !options.pattern.test(value)) {
      return fail(field, `is malformed${options.hint ? ` (expected ${options.hint})` : ''}`);
    }
    return value;
  };
  const readUrl = (field: string, value: string, allowPrivateNetwork: boolean): URL => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return fail(field, 'must be an absolute http(s) URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(field, 'must be an http(s) URL');
    if (url.username !== '' || url.password !== '') fail(field, 'must not contain credentials');
    if (!allowPrivateNetwork && isForbiddenHostLiteral(url.hostname)) {
      fail(field, 'points at a loopback, link-local or private address (set "allowPrivateNetwork": true to allow it)');
    }
    return url;
  };
  return {
    fail,
    requireString: (field, options) => readString(field, true, options) as string,
    optionalString: (field, options) => readString(field, false, options),
    optionalBoolean(field) {
      const value = config[field];
      if (value === undefined) return undefined;
      if (typeof value !== 'boolean') return fail(field, 'must be true or false');
      return value;
    },
    optionalPositiveInteger(field) {
      const value = config[field];
      if (value === undefined) return undefined;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
        return fail(field, 'must be a positive integer');
      }
      return value;
    },
    baseUrl(field, fallback, allowPrivateNetwork) {
      const value = readString(field, false) ?? fallback;
      const url = readUrl(field, value, allowPrivateNetwork);
      if (url.search !== '' || url.hash !== '') fail(field, 'must not have a query or fragment');
      return url.toString().replace(/\/+$/, '');
    },
    optionalUrl(field, allowPrivateNetwork) {
      const value = readString(field, false);
      if (value === undefined) return undefined;
      readUrl(field, value, allowPrivateNetwork);
      return value;
    },
  };
}
