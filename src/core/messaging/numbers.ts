import { invalid } from '../errors.ts';
import { isBlockedValue, normalizePhone } from '../identity/identifiers.ts';

/**
 * Phone numbers as the messaging endpoints take them. Numbers may be written with the usual separators
 * (`010-1234-5678`, `(02) 123 4567`, `+82 10 1234 5678`); they are stored and compared as digits (a leading `+`
 * kept), and matched against addresses on their E.164 form in the project's phone region (D6).
 */
const WRITTEN = /^\+?[0-9(][0-9\-. ()]*$/;

/** The digits of a written number (a leading + kept), or undefined when it is not written as a number. */
export function numberDigits(raw: string): string | undefined {
  const s = raw.trim();
  if (!WRITTEN.test(s)) return undefined;
  return (s.startsWith('+') ? '+' : '') + s.replace(/\D/g, '');
}

/**
 * A sender or 080 number: a string of at most `maxLength` characters written as a number with `minDigits` to 20
 * digits; returns its digits. Throws invalid naming `field`.
 */
export function parseServiceNumber(raw: unknown, field: string, opts: { maxLength: number; minDigits?: number } = { maxLength: 25 }): string {
  if (raw === undefined || raw === null || raw === '') {
    throw invalid(field, `${field} is required`);
  }
  if (typeof raw !== 'string' && typeof raw !== 'number') throw invalid(field, `${field} must be a string of digits`);
  const text = String(raw);
  if (text.length > opts.maxLength) throw invalid(field, `${field} is ${text.length} characters; at most ${opts.maxLength}`);
  const digits = numberDigits(text);
  const count = digits?.replace('+', '').length ?? 0;
  if (!digits || count < (opts.minDigits ?? 3) || count > 20)
    throw invalid(field, `${field} "${text}" is not a phone number (${opts.minDigits ?? 3}-20 digits)`);
  return digits;
}

/**
 * A recipient number: at most `maxLength` characters, a possible phone number once normalised (7–15 digits, D6's
 * blocked values refused). Returns the number as written (trimmed) and its E.164 form.
 */
export function parseRecipientNumber(raw: unknown, field: string, region: string, maxLength: number): { written: string; e164: string } {
  if (raw === undefined || raw === null || raw === '') throw invalid(field, `${field} is required`);
  if (typeof raw !== 'string') throw invalid(field, `${field} must be a string`);
  const written = raw.trim();
  if (written.length > maxLength) throw invalid(field, `${field} is ${written.length} characters; at most ${maxLength}`);
  const digits = numberDigits(written);
  const e164 = digits === undefined ? '' : normalizePhone(written, region);
  if (!digits || !/^\+?\d{7,15}$/.test(e164) || isBlockedValue(digits.replace('+', '')) || isBlockedValue(e164.replace('+', '')))
    throw invalid(field, `${field} "${written}" is not a phone number`);
  return { written, e164 };
}

/** The E.164 form a number is matched on (digits when it does not parse). */
export const matchKey = (digits: string, region: string): string => normalizePhone(digits, region);
