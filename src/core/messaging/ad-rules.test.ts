import { describe, expect, it } from 'vitest';
import { adNight, isMarkedAd, markAd } from './ad-rules.ts';
import { numberDigits, parseRecipientNumber, parseServiceNumber } from './numbers.ts';

describe('advertising marking', () => {
  it('prepends (광고) once, recognising it after leading whitespace', () => {
    expect(markAd('봄 세일')).toBe('(광고) 봄 세일');
    expect(markAd('(광고) 봄 세일')).toBe('(광고) 봄 세일');
    expect(markAd('  (광고)봄 세일')).toBe('  (광고)봄 세일');
    expect(isMarkedAd('광고 아님 (광고)')).toBe(false);
    expect(isMarkedAd(undefined)).toBe(false);
  });

  it('puts 21:00–08:00 in the project time zone in the night window', () => {
    const kst = (hhmm: string) => Date.parse(`2025-01-06T${hhmm}:00+09:00`);
    expect(adNight(kst('20:59'), 'Asia/Seoul')).toEqual({ night: false, localTime: '20:59' });
    expect(adNight(kst('21:00'), 'Asia/Seoul')).toEqual({ night: true, localTime: '21:00' });
    expect(adNight(kst('07:59'), 'Asia/Seoul').night).toBe(true);
    expect(adNight(kst('08:00'), 'Asia/Seoul').night).toBe(false);
    // 21:30 in Seoul is 07:30 in New York: night there too; 12:00 KST is 22:00 New York.
    expect(adNight(kst('12:00'), 'America/New_York')).toEqual({ night: true, localTime: '22:00' });
  });
});

describe('numbers', () => {
  it('keeps digits of numbers written with separators', () => {
    expect(numberDigits('1544-6859')).toBe('15446859');
    expect(numberDigits('(02) 123.4567')).toBe('021234567');
    expect(numberDigits('+82 10 1234 5678')).toBe('+821012345678');
    expect(numberDigits('010-abcd')).toBeUndefined();
    expect(numberDigits('1+2')).toBeUndefined();
  });

  it('names the field and the limit', () => {
    expect(() => parseServiceNumber('0'.repeat(26), 'unsubscribeNo', { maxLength: 25 })).toThrow('unsubscribeNo is 26 characters; at most 25');
    expect(() => parseServiceNumber('12', 'sendNo', { maxLength: 25 })).toThrow('sendNo "12" is not a phone number (3-20 digits)');
    expect(parseServiceNumber(15446859, 'sendNo', { maxLength: 25 })).toBe('15446859');
    expect(parseRecipientNumber(' 010-1234-5678 ', 'r', 'KR', 15)).toEqual({ written: '010-1234-5678', e164: '+821012345678' });
    expect(() => parseRecipientNumber('0000000000', 'r', 'KR', 15)).toThrow('r "0000000000" is not a phone number');
    expect(() => parseRecipientNumber(1012345678, 'r', 'KR', 15)).toThrow('r must be a string');
  });
});
