/**
 * Phone number forms the text providers need, via libphonenumber-js (default region KR):
 * `010-1234-5678`, `01012345678`, `+82 10-1234-5678` and `821012345678` are the same number.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { CountryCode } from 'libphonenumber-js';

export interface ParsedPhoneNumber {
  /** E.164, e.g. +821012345678. */
  e164: string;
  /** ISO 3166 country of the number, when known. */
  country: string | undefined;
  /** National significant number with the national prefix, digits only, e.g. 01012345678. */
  nationalDigits: string;
}

export function parsePhoneNumber(raw: string, defaultRegion: string = 'KR'): ParsedPhoneNumber | undefined {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultRegion as CountryCode);
  if (parsed === undefined || !parsed.isValid()) return undefined;
  return {
    e164: parsed.number,
    country: parsed.country,
    nationalDigits: parsed.format('NATIONAL').replace(/\D/g, ''),
  };
}

/** E.164 form of a number (`010…` → `+8210…`), or undefined if it is not a valid number. */
export function toE164(raw: string, defaultRegion: string = 'KR'): string | undefined {
  return parsePhoneNumber(raw, defaultRegion)?.e164;
}
