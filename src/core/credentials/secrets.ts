import { createHash, timingSafeEqual } from 'node:crypto';
import { newSecret } from '../../platform/ids.ts';

/** The kinds of credential a project has (PRODUCT.md "credential"), plus the server-wide admin kind. */
export const CREDENTIAL_KINDS = ['import', 'export', 'api-key', 'access-key', 'secret-key', 'admin'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

/** Readable prefixes, so a leaked secret is recognisable (D14). */
export const CREDENTIAL_PREFIXES: Record<CredentialKind, string> = {
  import: 'maru_imp_',
  export: 'maru_exp_',
  'api-key': 'maru_api_',
  'access-key': 'maru_ak_',
  'secret-key': 'maru_sk_',
  admin: 'maru_adm_',
};

export const generateSecret = (kind: CredentialKind) => CREDENTIAL_PREFIXES[kind] + newSecret();

/** SHA-256 hex digest: the only form in which a secret is stored. */
export const digestSecret = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');

/** Constant-time comparison of two hex digests. */
export function digestsEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/** What may be shown of a secret after it was issued: its prefix and first characters. */
export const displayPrefix = (secret: string) => secret.slice(0, secret.indexOf('_', 5) + 5);
