/**
 * Korean carrier text-size rules (SMS / LMS / MMS), as pure functions.
 *
 * Korean carriers and aggregators (NHN Cloud among them) measure a text message in bytes of its
 * EUC-KR / CP949 encoding, not in characters:
 *
 * - ASCII (U+0000–U+007F) is 1 byte.
 * - Every character representable in CP949 is 2 bytes: the KS X 1001 repertoire (2,350 Hangul,
 *   4,888 Hanja, symbols such as '·', '※', '①', Greek, Cyrillic, box drawing, ...) plus the 8,822
 *   Hangul syllables CP949 (UHC) adds, so that all 11,172 modern syllables U+AC00–U+D7A3 are
 *   encodable ('똠', '햏', '뷁' included). We also count '€' (0xA2E6) and '®' (0xA2E7), which Windows
 *   CP949 added in 1998. The user-defined rows (0xC9xx, 0xFExx) are not treated as encodable: a
 *   handset has no glyph for them.
 * - A character that CP949 cannot represent (emoji, most non-Korean scripts, '₩' U+20A9, ...) is
 *   counted as **2 bytes per UTF-16 code unit** — so a BMP symbol is 2 and an astral emoji such as
 *   '😀' (a surrogate pair) is 4. That is an upper bound: it never under-counts, so `chooseTextKind`
 *   errs towards LMS rather than a truncated SMS. Such characters are *also* reported by
 *   `checkTextLimits` as an `unencodable` violation, because NHN Cloud rejects the whole message
 *   (result code -2023 "Unacceptable characters in title and body") rather than substituting them.
 *   The engine decides what to do with that violation (refuse, strip, or use a provider such as
 *   Twilio that sends UCS-2).
 *
 * Limits (NHN Cloud SMS API v3.0 "주의 사항", which follows the carriers' standard):
 * - SMS body 90 bytes (45 Hangul / 90 ASCII). SMS has no title.
 * - LMS/MMS body 2,000 bytes (1,000 Hangul / 2,000 ASCII), title 40 bytes (20 Hangul / 40 ASCII).
 * NHN *stores* up to 255 characters of SMS body, 120 characters of title and 4,000 characters of
 * LMS body, but the handset receives only the standard byte sizes above; anything over is cut.
 *
 * How the CP949 table is built, without an encoding package: Node's (full-ICU) `TextDecoder('euc-kr')`
 * decodes the KS X 1001 block (lead and trail bytes 0xA1–0xFE), which is done once, lazily. ICU's
 * EUC-KR does not know the UHC extension, but that extension is algorithmic: the 8,822 syllables
 * not in KS X 1001 occupy, in Unicode order, lead bytes 0x81–0xC6 with trail bytes 0x41–0x5A,
 * 0x61–0x7A and 0x81–0xFE (0x81–0xA0 only for leads 0xA1 and above), ending at 0xC652. The result
 * is checked in text-size.test.ts against known code points and, when the system has `iconv`,
 * against a real CP949 encoder.
 */
/** The three Korean text message kinds (same strings as the channel port's TextMessageKind). */
export type TextKind = 'sms' | 'lms' | 'mms';

export const SMS_MAX_BYTES = 90;
/** Body limit for LMS and MMS. */
export const LMS_MAX_BYTES = 2000;
/** Title limit for LMS/MMS (NHN Cloud's documented standard: 40 bytes, 20 Hangul). */
export const LMS_TITLE_MAX_BYTES = 40;

interface Cp949Table {
  /** code point (BMP, ≥ 0x80) → (lead << 8) | trail; 0 when not encodable. */
  codes: Uint16Array;
}

let cachedTable: Cp949Table | undefined;

function uhcTrailBytes(lead: number): number[] {
  const trails: number[] = [];
  for (let t = 0x41; t <= 0x5a; t++) trails.push(t);
  for (let t = 0x61; t <= 0x7a; t++) trails.push(t);
  const last = lead <= 0xa0 ? 0xfe : 0xa0;
  for (let t = 0x81; t <= last; t++) trails.push(t);
  return trails;
}

function buildTable(): Cp949Table {
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder('euc-kr');
  } catch (error) {
    throw new Error('text-size: this Node.js build has no EUC-KR decoder (full ICU is required)', { cause: error });
  }
  const codes = new Uint16Array(0x10000);

  // KS X 1001: decode every 2-byte pair in one call, pairs separated by '\n' (never a valid byte here).
  const positions: number[] = [];
  const bytes: number[] = [];
  for (let lead = 0xa1; lead <= 0xfe; lead++) {
    for (let trail = 0xa1; trail <= 0xfe; trail++) {
      positions.push((lead << 8) | trail);
      bytes.push(lead, trail, 0x0a);
    }
  }
  const decoded = decoder.decode(new Uint8Array(bytes)).split('\n');
  for (let i = 0; i < positions.length; i++) {
    const ch = decoded[i];
    if (ch === undefined || ch.length !== 1) continue;
    const cp = ch.charCodeAt(0);
    if (cp < 0x80 || cp === 0xfffd) continue;
    if (cp >= 0xe000 && cp <= 0xf8ff) continue; // user-defined area → Private Use: no glyph on handsets
    if (codes[cp] === 0) codes[cp] = positions[i];
  }
  // Added to CP949 by Microsoft in 1998; ICU's EUC-KR predates them.
  if (codes[0x20ac] === 0) codes[0x20ac] = 0xa2e6; // €
  if (codes[0x00ae] === 0) codes[0x00ae] = 0xa2e7; // ®

  // UHC extension: the remaining modern syllables, in Unicode order.
  let lead = 0x81;
  let trails = uhcTrailBytes(lead);
  let index = 0;
  for (let cp = 0xac00; cp <= 0xd7a3; cp++) {
    if (codes[cp] !== 0) continue;
    if (index >= trails.length) {
      lead += 1;
      trails = uhcTrailBytes(lead);
      index = 0;
    }
    codes[cp] = (lead << 8) | trails[index];
    index += 1;
  }
  return { codes };
}

function table(): Cp949Table {
  cachedTable ??= buildTable();
  return cachedTable;
}

/** Whether one character (one code point) is representable in CP949. */
export function isCarrierEncodable(char: string): boolean {
  const cp = char.codePointAt(0);
  if (cp === undefined) return false;
  if (cp < 0x80) return true;
  if (cp > 0xffff) return false;
  return table().codes[cp] !== 0;
}

/**
 * Byte length of `text` as Korean carriers count it (see the module comment for the rule on
 * characters CP949 cannot represent: 2 bytes per UTF-16 code unit).
 */
export function carrierByteLength(text: string): number {
  const { codes } = table();
  let bytes = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (cp < 0x80) bytes += 1;
    else if (cp <= 0xffff && codes[cp] !== 0) bytes += 2;
    else bytes += 2 * ch.length;
  }
  return bytes;
}

/** The distinct characters of `text` that CP949 cannot represent, in order of first appearance. */
export function unencodableCharacters(text: string): string[] {
  const found: string[] = [];
  for (const ch of text) {
    if (!isCarrierEncodable(ch) && !found.includes(ch)) found.push(ch);
  }
  return found;
}

/** The CP949 bytes of `text`, or `undefined` if it contains a character CP949 cannot represent. */
export function encodeCp949(text: string): Uint8Array | undefined {
  const { codes } = table();
  const out: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (cp < 0x80) {
      out.push(cp);
      continue;
    }
    const code = cp <= 0xffff ? codes[cp] : 0;
    if (code === 0) return undefined;
    out.push(code >> 8, code & 0xff);
  }
  return Uint8Array.from(out);
}

/** SMS when the body fits 90 bytes, otherwise LMS. (MMS is only chosen by the caller, for attachments.) */
export function chooseTextKind(text: string): 'sms' | 'lms' {
  return carrierByteLength(text) <= SMS_MAX_BYTES ? 'sms' : 'lms';
}

/** The longest prefix of `text` (whole characters) whose carrier byte length is ≤ maxBytes. */
export function truncateToCarrierBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const size = carrierByteLength(ch);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += ch.length;
  }
  return text.slice(0, end);
}

export type TextLimitViolationCode = 'required' | 'too_long' | 'unencodable';

export interface TextLimitViolation {
  field: 'title' | 'body';
  code: TextLimitViolationCode;
  /** For too_long: the limit and the measured size, in carrier bytes. */
  limitBytes?: number;
  actualBytes?: number;
  /** For unencodable: the offending characters. */
  characters?: string[];
  message: string;
}

export interface TextLimitsInput {
  kind: TextKind;
  title?: string;
  body: string;
}

/**
 * Every way `{kind, title, body}` breaks the carrier rules; an empty list means it is sendable as is.
 * A title given for an SMS is ignored (SMS has no title), not reported.
 */
export function checkTextLimits(input: TextLimitsInput): TextLimitViolation[] {
  const violations: TextLimitViolation[] = [];
  const bodyLimit = input.kind === 'sms' ? SMS_MAX_BYTES : LMS_MAX_BYTES;
  const kindName = input.kind.toUpperCase();

  if (input.body.length === 0) {
    violations.push({ field: 'body', code: 'required', message: `body is required for ${kindName}` });
  }
  const bodyBytes = carrierByteLength(input.body);
  if (bodyBytes > bodyLimit) {
    violations.push({
      field: 'body',
      code: 'too_long',
      limitBytes: bodyLimit,
      actualBytes: bodyBytes,
      message: `body is ${bodyBytes} bytes; ${kindName} allows at most ${bodyLimit} bytes`,
    });
  }
  const bodyUnencodable = unencodableCharacters(input.body);
  if (bodyUnencodable.length > 0) {
    violations.push({
      field: 'body',
      code: 'unencodable',
      characters: bodyUnencodable,
      message: `body contains characters carriers cannot send (not in CP949): ${bodyUnencodable.join(' ')}`,
    });
  }

  if (input.kind !== 'sms') {
    const title = input.title ?? '';
    if (title.length === 0) {
      violations.push({ field: 'title', code: 'required', message: `title is required for ${kindName}` });
    }
    const titleBytes = carrierByteLength(title);
    if (titleBytes > LMS_TITLE_MAX_BYTES) {
      violations.push({
        field: 'title',
        code: 'too_long',
        limitBytes: LMS_TITLE_MAX_BYTES,
        actualBytes: titleBytes,
        message: `title is ${titleBytes} bytes; ${kindName} allows at most ${LMS_TITLE_MAX_BYTES} bytes`,
      });
    }
    const titleUnencodable = unencodableCharacters(title);
    if (titleUnencodable.length > 0) {
      violations.push({
        field: 'title',
        code: 'unencodable',
        characters: titleUnencodable,
        message: `title contains characters carriers cannot send (not in CP949): ${titleUnencodable.join(' ')}`,
      });
    }
  }
  return violations;
}
