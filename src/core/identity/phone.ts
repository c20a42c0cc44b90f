import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * Phone numbers, one module for the core (D6): identity resolution, recipients, block lists and deletion all read
 * numbers through here. Numbers are read with libphonenumber-js in the project's region (`phoneRegion`, default KR).
 */

function parse(s: string, region?: string) {
  try {
    return parsePhoneNumberFromString(s, region as CountryCode | undefined);
  } catch {
    return undefined;
  }
}

/**
 * A phone number as an identifier: its E.164 form when it is a valid number in `region` (a national number) or
 * written internationally (`+82 …`, or `82…` digits); undefined when it is not a phone number.
 */
export function parsePhone(raw: string, region: string): string | undefined {
  const direct = parse(raw, region);
  if (direct?.isValid()) return direct.number;
  const digits = raw.replace(/[^\d+]/g, '');
  if (!digits.startsWith('+') && /^\d+$/.test(digits)) {
    const international = parse('+' + digits);
    if (international?.isValid()) return international.number;
  }
  return undefined;
}

/**
 * The matching form of a number that need not be valid (block lists, recipients written by operators): E.164 when the
 * number is possible in `region` or as international digits, else its digits only.
 */
export function normalizePhone(raw: string, region: string): string {
  const tryParse = (s: string, r?: string) => {
    const p = parse(s, r);
    return p && p.isPossible() ? p.number : undefined;
  };
  const digits = raw.replace(/[^\d+]/g, '');
  return tryParse(raw, region) ?? (digits.startsWith('+') ? undefined : tryParse('+' + digits)) ?? digits;
}
