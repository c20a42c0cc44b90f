import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LMS_MAX_BYTES,
  LMS_TITLE_MAX_BYTES,
  SMS_MAX_BYTES,
  carrierByteLength,
  checkTextLimits,
  chooseTextKind,
  encodeCp949,
  isCarrierEncodable,
  truncateToCarrierBytes,
  unencodableCharacters,
} from './text-size.ts';

const hex = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : Buffer.from(bytes).toString('hex'));

/** Every BMP character the table says is encodable (built once for the generators below). */
const encodableChars: string[] = [];
for (let cp = 0x20; cp <= 0xffff; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;
  const ch = String.fromCharCode(cp);
  if (cp < 0x80 || isCarrierEncodable(ch)) encodableChars.push(ch);
}
const encodableString = fc.array(fc.constantFrom(...encodableChars), { maxLength: 60 }).map((chars) => chars.join(''));

const iconvAvailable = spawnSync('iconv', ['-f', 'CP949', '-t', 'UTF-8'], { input: Buffer.from('a') }).status === 0;

describe('carrierByteLength', () => {
  it('counts ASCII as 1 byte and Hangul as 2', () => {
    expect(carrierByteLength('a')).toBe(1);
    expect(carrierByteLength('가')).toBe(2);
    expect(carrierByteLength('')).toBe(0);
    expect(carrierByteLength('Hello 세계!\n')).toBe(6 + 4 + 2);
  });

  it('counts CP949-only (UHC) syllables as 2 bytes: 똠 is not in KS X 1001 but is in CP949', () => {
    expect(carrierByteLength('똠')).toBe(2);
    expect(carrierByteLength('햏뷁')).toBe(4);
  });

  it('counts KS X 1001 symbols, Hanja, Greek and Cyrillic as 2 bytes', () => {
    expect(carrierByteLength('·※①漢αЯ～')).toBe(14);
  });

  it('counts a character CP949 cannot represent as 2 bytes per UTF-16 code unit (documented rule)', () => {
    expect(carrierByteLength('😀')).toBe(4); // surrogate pair
    expect(carrierByteLength('₩')).toBe(2); // BMP, not in CP949
    expect(carrierByteLength('é')).toBe(2);
    expect(carrierByteLength('a😀b')).toBe(6);
    expect(carrierByteLength('\ud800')).toBe(2); // lone surrogate
  });

  it('counts every modern Hangul syllable (U+AC00–U+D7A3) as 2 bytes', () => {
    fc.assert(fc.property(fc.integer({ min: 0xac00, max: 0xd7a3 }), (cp) => carrierByteLength(String.fromCharCode(cp)) === 2));
  });
});

describe('encodeCp949 (the table behind the count)', () => {
  it('encodes known code points to their CP949 bytes', () => {
    // Vectors from Python's cp949 codec.
    expect(hex(encodeCp949('가'))).toBe('b0a1');
    expect(hex(encodeCp949('똠'))).toBe('8c63');
    expect(hex(encodeCp949('갂'))).toBe('8141'); // first UHC extension syllable
    expect(hex(encodeCp949('힢'))).toBe('c651');
    expect(hex(encodeCp949('힣'))).toBe('c652'); // last syllable; not in KS X 1001
    expect(hex(encodeCp949('햏'))).toBe('c164');
    expect(hex(encodeCp949('뷁'))).toBe('94ee');
    expect(hex(encodeCp949('·'))).toBe('a1a4');
    expect(hex(encodeCp949('€'))).toBe('a2e6');
    expect(hex(encodeCp949('漢'))).toBe('f9d3');
    expect(hex(encodeCp949('Az09'))).toBe('417a3039');
    expect(encodeCp949('😀')).toBeUndefined();
    expect(encodeCp949('가₩')).toBeUndefined();
  });

  it('has the size of Windows CP949 (17,048 non-ASCII BMP characters), user-defined area excluded', () => {
    expect(encodableChars.filter((ch) => ch.charCodeAt(0) >= 0x80)).toHaveLength(17_048);
    expect(isCarrierEncodable('\ue000')).toBe(false);
  });

  it('property: for encodable strings the count equals the length of the CP949 encoding', () => {
    fc.assert(
      fc.property(encodableString, (text) => {
        const bytes = encodeCp949(text);
        return bytes !== undefined && bytes.length === carrierByteLength(text);
      }),
    );
  });

  it('property: KS X 1001 text round-trips through the platform EUC-KR decoder', () => {
    const decoder = new TextDecoder('euc-kr');
    const ksx = encodableChars.filter((ch) => {
      const bytes = encodeCp949(ch);
      return bytes !== undefined && (bytes.length === 1 || (bytes[0] >= 0xa1 && bytes[1] >= 0xa1)) && ch !== '€' && ch !== '®';
    });
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ksx), { maxLength: 40 }), (chars) => {
        const text = chars.join('');
        return decoder.decode(encodeCp949(text)) === text;
      }),
    );
  });

  it.skipIf(!iconvAvailable)('matches the system iconv CP949 encoder on every encodable character', () => {
    const all = encodableChars.join('');
    const result = spawnSync('iconv', ['-f', 'UTF-8', '-t', 'CP949'], { input: Buffer.from(all, 'utf8') });
    expect(result.status).toBe(0);
    const mine = encodeCp949(all);
    expect(mine).toBeDefined();
    expect(Buffer.from(mine as Uint8Array).equals(result.stdout)).toBe(true);
  });

  it.skipIf(!iconvAvailable)('property: random encodable strings decode back through iconv CP949', () => {
    fc.assert(
      fc.property(encodableString, (text) => {
        const bytes = encodeCp949(text) as Uint8Array;
        const back = spawnSync('iconv', ['-f', 'CP949', '-t', 'UTF-8'], { input: Buffer.from(bytes) });
        return back.status === 0 && back.stdout.toString('utf8') === text && bytes.length === carrierByteLength(text);
      }),
      { numRuns: 30 },
    );
  });
});

describe('chooseTextKind', () => {
  it('45 Hangul (90 bytes) is SMS, 46 (92 bytes) is LMS', () => {
    expect(chooseTextKind('가'.repeat(45))).toBe('sms');
    expect(chooseTextKind('가'.repeat(46))).toBe('lms');
  });

  it('90 ASCII is SMS, 91 is LMS; 44 Hangul + 2 ASCII is SMS, + 3 is LMS', () => {
    expect(chooseTextKind('a'.repeat(90))).toBe('sms');
    expect(chooseTextKind('a'.repeat(91))).toBe('lms');
    expect(chooseTextKind(`${'가'.repeat(44)}ab`)).toBe('sms');
    expect(chooseTextKind(`${'가'.repeat(44)}abc`)).toBe('lms');
  });

  it('an emoji pushes 88 bytes of text over the SMS limit', () => {
    expect(chooseTextKind(`${'가'.repeat(44)}😀`)).toBe('lms');
  });
});

describe('checkTextLimits', () => {
  it('accepts a message within the limits', () => {
    expect(checkTextLimits({ kind: 'sms', body: '가'.repeat(45) })).toEqual([]);
    expect(checkTextLimits({ kind: 'lms', title: '가'.repeat(20), body: '가'.repeat(1000) })).toEqual([]);
    expect(checkTextLimits({ kind: 'mms', title: 't', body: 'a'.repeat(LMS_MAX_BYTES) })).toEqual([]);
  });

  it('names the body and the SMS limit when an SMS is too long', () => {
    expect(checkTextLimits({ kind: 'sms', body: '가'.repeat(46) })).toEqual([
      expect.objectContaining({ field: 'body', code: 'too_long', limitBytes: SMS_MAX_BYTES, actualBytes: 92 }),
    ]);
  });

  it('names the title and its 40-byte limit, and the 2,000-byte body limit, for LMS', () => {
    const violations = checkTextLimits({ kind: 'lms', title: '가'.repeat(21), body: '가'.repeat(1001) });
    expect(violations).toEqual([
      expect.objectContaining({ field: 'body', code: 'too_long', limitBytes: 2000, actualBytes: 2002 }),
      expect.objectContaining({ field: 'title', code: 'too_long', limitBytes: LMS_TITLE_MAX_BYTES, actualBytes: 42 }),
    ]);
    expect(violations[1].message).toContain('40 bytes');
  });

  it('requires a title for LMS/MMS and a body for all kinds; ignores a title on SMS', () => {
    expect(checkTextLimits({ kind: 'lms', body: 'x' })).toEqual([expect.objectContaining({ field: 'title', code: 'required' })]);
    expect(checkTextLimits({ kind: 'sms', body: '' })).toEqual([expect.objectContaining({ field: 'body', code: 'required' })]);
    expect(checkTextLimits({ kind: 'sms', title: '가'.repeat(50), body: 'x' })).toEqual([]);
  });

  it('reports characters carriers cannot send, per field', () => {
    expect(checkTextLimits({ kind: 'lms', title: '공지😀', body: '₩1,000 할인 😀😀' })).toEqual([
      expect.objectContaining({ field: 'body', code: 'unencodable', characters: ['₩', '😀'] }),
      expect.objectContaining({ field: 'title', code: 'unencodable', characters: ['😀'] }),
    ]);
  });
});

describe('helpers', () => {
  it('unencodableCharacters lists distinct offenders in order', () => {
    expect(unencodableCharacters('a😀b₩😀가')).toEqual(['😀', '₩']);
    expect(unencodableCharacters('똠·漢')).toEqual([]);
  });

  it('truncateToCarrierBytes keeps whole characters within the byte budget', () => {
    expect(truncateToCarrierBytes('가나다라', 5)).toBe('가나');
    expect(truncateToCarrierBytes('ab가', 3)).toBe('ab');
    expect(truncateToCarrierBytes('a😀', 4)).toBe('a');
    fc.assert(
      fc.property(fc.string({ maxLength: 60, unit: 'grapheme' }), fc.integer({ min: 0, max: 100 }), (text, max) => {
        const cut = truncateToCarrierBytes(text, max);
        return text.startsWith(cut) && carrierByteLength(cut) <= max;
      }),
    );
  });
});
