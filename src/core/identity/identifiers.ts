import { invalid } from '../errors.ts';
import { checkText } from '../input/input-checks.ts';
import { parsePhone } from './phone.ts';

export { normalizePhone } from './phone.ts';

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

/** The longest identifier value accepted (characters, after trimming): every face and the core use this one cap. */
export const MAX_IDENTIFIER_LENGTH = 512;

/**
 * Placeholder values that never identify anyone (D6), compared trimmed and lower-cased, also inside quotes:
 * maru's own list plus PostHog's illegal distinct ids (capture's ILLEGAL_DISTINCT_IDS).
 */
export const BLOCKED_VALUES: ReadonlySet<string> = new Set(
  [
    '',
    'null',
    'undefined',
    'anonymous',
    'anonymous-user',
    'nil',
    'none',
    'nan',
    '0',
    '-1',
    'guest',
    'not_authenticated',
    'distinct_id',
    'distinctid',
    'id',
    'email',
    'user',
    'system',
    'backend',
    'true',
    'false',
    '[object object]',
  ].flatMap((v) => [v, `'${v}'`, `"${v}"`]),
);

/** Values that never identify anyone (D6): BLOCKED_VALUES, and all-zero strings like 00000000-0000-…. */
export function isBlockedValue(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (BLOCKED_VALUES.has(v)) return true;
  return /^[0\-:._ ]+$/.test(v);
}

/** An email address as the HTML standard defines a valid one (WHATWG, input type=email), at most 254 characters. */
const EMAIL = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
export const isEmailAddress = (value: string): boolean => value.length <= 254 && EMAIL.test(value);

/**
 * The one parser of an identifier from a request (every face, every identifier type):
 * - absent (undefined or null): undefined;
 * - a string, or a safe integer (kept as its decimal string); anything else is refused;
 * - trimmed, D16 text (no NUL, no lone surrogate), at most MAX_IDENTIFIER_LENGTH characters;
 * - a blocked value (D6) is `{ blocked: true }`: it identifies no one, and the caller decides whether that is an error;
 * - an email must be an address and a phone must be a valid number in `region` — else refused naming `field`.
 */
export function parseIdentifier(
  type: IdentifierType,
  input: unknown,
  options: { field: string; region: string },
): Identifier | { blocked: true; raw: string } | undefined {
  const { field } = options;
  if (input === undefined || input === null) return undefined;
  let raw: string;
  if (typeof input === 'string') raw = input.trim();
  else if (typeof input === 'number' && Number.isSafeInteger(input)) raw = String(input);
  else throw invalid(field, `${field} must be a string`);
  checkText(raw, field);
  if (raw.length > MAX_IDENTIFIER_LENGTH) throw invalid(field, `${field} must be at most ${MAX_IDENTIFIER_LENGTH} characters`);
  if (isBlockedValue(raw)) return { blocked: true, raw };
  if (type === 'email') {
    if (!isEmailAddress(raw)) throw invalid(field, `${field} must be an email address, e.g. kim@example.com`);
    return { type, value: raw.toLowerCase(), raw };
  }
  if (type === 'phone') {
    const e164 = parsePhone(raw, options.region);
    if (e164 === undefined)
      throw invalid(field, `${field} must be a phone number (national in the project's region ${options.region}, or international with +)`);
    if (isBlockedValue(e164.replace(/^\+/, ''))) return { blocked: true, raw };
    return { type, value: e164, raw };
  }
  return { type, value: raw, raw };
}

export const isIdentifier = (p: ReturnType<typeof parseIdentifier>): p is Identifier => p !== undefined && !('blocked' in p);

/**
 * An external_id (a user id) from a request: what parseIdentifier accepts, and not blocked — a request that names a
 * user must name one. `required: false` lets it be absent (undefined).
 */
export function parseExternalId(input: unknown, field: string, options: { required: boolean }): string | undefined {
  if ((input === undefined || input === null) && !options.required) return undefined;
  const usable = (typeof input === 'string' && input.trim() !== '') || (typeof input === 'number' && Number.isSafeInteger(input));
  if (!usable) throw invalid(field, `${field} is required and must be a non-empty string`);
  const id = parseIdentifier('external_id', input, { field, region: 'KR' });
  if (!isIdentifier(id))
    throw invalid(field, `${field} "${id?.raw}" does not identify a user (empty, null-like, placeholder and all-zero values are not accepted)`);
  return id.value;
}

/**
 * A lookup form of an identifier that never throws (deletion selectors, finding a profile): undefined for anything
 * that could not have been stored as one.
 */
export function normalizeIdentifier(type: IdentifierType, input: unknown, region: string): Identifier | undefined {
  try {
    const id = parseIdentifier(type, input, { field: type, region });
    return isIdentifier(id) ? id : undefined;
  } catch {
    return undefined;
  }
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
