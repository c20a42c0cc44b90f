import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/** Identifier types in priority order (D6): when a limit would be exceeded, the last present is dropped first. */
export const IDENTIFIER_TYPES = ['external_id', 'email', 'phone', 'kakao_user_id', 'line_user_id', 'device_id'] as const;
export type IdentifierType = (typeof IDENTIFIER_TYPES)[number];

export const PRIORITY: Record<IdentifierType, number> = Object.fromEntries(IDENTIFIER_TYPES.map((t, i) => [t, i])) as Record<IdentifierType, number>;

/** An identifier as matched (`value`, normalised) and as the client wrote it (`raw`, trimmed). */
export interface Identifier {
  type: IdentifierType;
  value: string;
  raw: string;
}

export const identifierKey = (id: { type: string; value: string }) => `${id.type}\u0000${id.value}`;

const BLOCKED_WORDS = new Set(['', 'null', 'undefined', 'anonymous', 'nil', 'none', 'nan', '0', '-1']);

/** Values that never identify anyone (D6): empty, null-ish words, 0, -1, all-zero strings like 00000000-0000-…. */
export function isBlockedValue(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (BLOCKED_WORDS.has(v)) return true;
  return /^[0\-:._ ]+$/.test(v);
}

/**
 * Normalises a raw identifier: trimmed; email lower-cased; phone to E.164 in the default region (the raw form is kept).
 * Returns undefined for blocked values or values that are not strings or numbers.
 */
export function normalizeIdentifier(type: IdentifierType, input: unknown, region: string): Identifier | undefined {
  if (typeof input !== 'string' && typeof input !== 'number') return undefined;
  const raw = String(input).trim();
  if (raw.length === 0 || raw.length > 512 || isBlockedValue(raw)) return undefined;
  let value = raw;
  if (type === 'email') value = raw.toLowerCase();
  else if (type === 'phone') {
    value = normalizePhone(raw, region);
    if (isBlockedValue(value.replace(/^\+/, ''))) return undefined;
  }
  return { type, value, raw };
}

/** E.164 when the number parses as a possible number (with the default region, or as international digits); else digits only. */
export function normalizePhone(raw: string, region: string): string {
  const tryParse = (s: string, r?: string) => {
    try {
      const p = parsePhoneNumberFromString(s, r as CountryCode | undefined);
      return p && p.isPossible() ? p.number : undefined;
    } catch {
      return undefined;
    }
  };
  const digits = raw.replace(/[^\d+]/g, '');
  return tryParse(raw, region) ?? (digits.startsWith('+') ? undefined : tryParse('+' + digits)) ?? digits;
}

/** Dedupe by (type, value), then order by priority (stable: request order within a type). */
export function prioritise(ids: Identifier[]): Identifier[] {
  const seen = new Set<string>();
  const unique = ids.filter((id) => {
    const k = identifierKey(id);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return unique.sort((a, b) => PRIORITY[a.type] - PRIORITY[b.type]);
}
