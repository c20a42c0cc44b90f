import { describe, expect, it } from 'vitest';
import { parsePhoneNumber, toE164 } from './phone-number.helpers.ts';

describe('phone numbers (default region KR)', () => {
  it.each(['01012345678', '010-1234-5678', '010 1234 5678', '+82 10-1234-5678', '+821012345678', '821012345678'])('%s → +821012345678 / 01012345678', (raw) => {
    expect(parsePhoneNumber(raw)).toEqual({ e164: '+821012345678', country: 'KR', nationalDigits: '01012345678' });
  });

  it('handles Seoul landlines and representative numbers', () => {
    expect(parsePhoneNumber('02-1234-5678')).toMatchObject({ e164: '+82212345678', nationalDigits: '0212345678' });
    expect(parsePhoneNumber('1544-6859')).toMatchObject({ e164: '+8215446859', nationalDigits: '15446859' });
  });

  it('keeps foreign numbers foreign and uses another default region when asked', () => {
    expect(toE164('+1 415 555 2671')).toBe('+14155552671');
    expect(toE164('(415) 555-2671', 'US')).toBe('+14155552671');
  });

  it('rejects what is not a valid number', () => {
    expect(toE164('010-1234')).toBeUndefined();
    expect(toE164('hello')).toBeUndefined();
    expect(toE164('')).toBeUndefined();
  });
});
