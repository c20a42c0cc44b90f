import type { Channel } from '../campaigns/campaigns.types.ts';
import { invalid } from '../errors.ts';
import type { Project } from '../projects/projects.types.ts';
import { numberDigits } from './numbers.ts';

/**
 * The marking of advertising messages, on every channel (정보통신망법 제50조제4항·제6항 and the decree, to our knowledge 시행령 제61조; KISA 「불법스팸
 * 방지를 위한 정보통신망법 안내서」; docs/korean-messaging.md "Marking"). maru adds what is missing, so an advertising
 * message never leaves without it:
 *
 * | channel | start | contact | end |
 * |---|---|---|---|
 * | SMS/LMS/MMS | `(광고)` + sender name | `문의 <contact>` line when the project's contact differs from the sender number | `무료수신거부 080-XXX-XXXX` (the project's 080 number; required) |
 * | push, web push | `(광고)` + sender name (title; the body when there is no title) | `문의 <contact>` when set | the project's push opt-out instruction |
 * | friendtalk | `(광고)` + sender name | `문의 <contact>` when set | the project's Kakao opt-out instruction |
 * | email | subject `(광고)` | sender name and contact in the footer | the one-click unsubscribe link in the footer (and List-Unsubscribe) |
 *
 * Only exactly `(광고)` at the very start is the marking: `[광고]`, `(광 고)` or ` (광고)` are not (KISA: the marking
 * must not be written in a variant form). Alimtalk is informational only and never marked.
 */
export const AD_MARK = '(광고)';

/** Whether the text starts with exactly `(광고)` (nothing before it). */
export const startsWithAdMark = (text: string | undefined): boolean => typeof text === 'string' && text.startsWith(AD_MARK);

/** The project's advertiser identity (`settings.advertising`), as marking uses it. */
export interface Advertiser {
  /** Business or service name (전송자의 명칭); default: the project's name. */
  senderName: string;
  /** A contact (전화번호 등) shown when it differs from the sender number. */
  contact?: string;
  /** The project's free 080 opt-out number, digits (required for advertising text messages). */
  optOutNumber?: string;
  /** The short opt-out instruction ending advertising push and web push. */
  pushOptOut: string;
  /** The opt-out instruction ending advertising friendtalk. */
  kakaoOptOut: string;
}

export const ADVERTISING_DEFAULTS = { pushOptOut: '수신거부: 앱 설정 > 알림에서 변경', kakaoOptOut: '수신거부: 채널 차단' } as const;

export const ADVERTISING_FIELDS = ['senderName', 'contact', 'optOutNumber', 'pushOptOut', 'kakaoOptOut'] as const;
export type AdvertisingSettings = Partial<Record<(typeof ADVERTISING_FIELDS)[number], string>>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a `settings.advertising` document strictly; throws invalid naming the field (`advertising.<field>`). */
export function parseAdvertisingSettings(raw: unknown): AdvertisingSettings {
  const at = 'advertising';
  if (!isObject(raw)) throw invalid(at, `${at} must be an object {${ADVERTISING_FIELDS.join(', ')}}`);
  const out: AdvertisingSettings = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!(ADVERTISING_FIELDS as readonly string[]).includes(k))
      throw invalid(`${at}.${k}`, `${at}.${k} is not an advertising setting (${ADVERTISING_FIELDS.join(', ')})`);
    if (v === null || v === undefined) continue;
    if (typeof v !== 'string' || v.trim().length === 0 || v.length > 100)
      throw invalid(`${at}.${k}`, `${at}.${k} must be a non-empty string of at most 100 characters`);
    out[k as keyof AdvertisingSettings] = v.trim();
  }
  if (out.optOutNumber !== undefined) {
    const digits = numberDigits(out.optOutNumber);
    if (!digits || !/^080\d{7,8}$/.test(digits))
      throw invalid(
        `${at}.optOutNumber`,
        `${at}.optOutNumber must be a free 080 number (080-XXX-XXXX or 080-XXXX-XXXX), got ${JSON.stringify(out.optOutNumber)}`,
      );
    out.optOutNumber = digits;
  }
  if (out.contact !== undefined && !/\d/.test(out.contact))
    throw invalid(`${at}.contact`, `${at}.contact must be a phone number or another contact with digits`);
  return out;
}

/** The project's advertiser identity: what parses of `settings.advertising`, defaults for the rest. */
export function advertiserOf(project: Project): Advertiser {
  let s: AdvertisingSettings = {};
  try {
    s = project.settings.advertising === undefined ? {} : parseAdvertisingSettings(project.settings.advertising);
  } catch {
    s = {};
  }
  return {
    senderName: s.senderName ?? project.name,
    ...(s.contact !== undefined ? { contact: s.contact } : {}),
    ...(s.optOutNumber !== undefined ? { optOutNumber: s.optOutNumber } : {}),
    pushOptOut: s.pushOptOut ?? ADVERTISING_DEFAULTS.pushOptOut,
    kakaoOptOut: s.kakaoOptOut ?? ADVERTISING_DEFAULTS.kakaoOptOut,
  };
}

/** `0801234567` → `080-123-4567`, `08012345678` → `080-1234-5678`. */
export function format080(digits: string): string {
  return digits.length === 10
    ? `${digits.slice(0, 3)}-${digits.slice(3, 6)}-${digits.slice(6)}`
    : `${digits.slice(0, 3)}-${digits.slice(3, 7)}-${digits.slice(7)}`;
}

/** The last line of an advertising text message: `무료수신거부 080-XXX-XXXX`. */
export const textOptOutLine = (digits: string): string => `무료수신거부 ${format080(digits)}`;

/** Why advertising cannot go out on the channel with this setup (a message for a 400), or undefined when it can. */
export function advertisingSetupProblem(channel: Channel, advertiser: Advertiser): string | undefined {
  if (channel === 'text_message' && advertiser.optOutNumber === undefined) {
    return 'advertising text messages must end with a free opt-out number (무료수신거부 080-XXX-XXXX, 정보통신망법 제50조제4항·제6항), and this project has none: set it with PUT /admin/v1/projects/{projectId}/messaging/advertising {"optOutNumber": "080-XXX-XXXX"}';
  }
  return undefined;
}

/** Throws invalid naming `field` when advertising cannot go out on the channel (advertisingSetupProblem). */
export function requireAdvertisingSetup(channel: Channel, advertiser: Advertiser, field: string): void {
  const problem = advertisingSetupProblem(channel, advertiser);
  if (problem) throw invalid(field, problem);
}

const digitsOf = (s: string) => s.replace(/\D/g, '');

/** `(광고)` + sender name in front of `text` (keeping a marking and name already there). */
function markStart(text: string, name: string): string {
  let rest = startsWithAdMark(text) ? text.slice(AD_MARK.length).replace(/^[ \t]+/, '') : text;
  if (!rest.startsWith(name)) rest = rest.length > 0 ? `${name} ${rest}` : name;
  return `${AD_MARK} ${rest}`;
}

/** `text` ending with `line` (added on a line of its own when it does not end with it already). */
function markEnd(text: string, line: string): string {
  return text.trimEnd().endsWith(line) ? text.trimEnd() : `${text.trimEnd()}\n${line}`;
}

/** The contact line when the advertiser's contact is set, differs from `from`, and the text does not show it yet. */
function withContact(text: string, advertiser: Advertiser, from: string | undefined): string {
  const c = advertiser.contact;
  if (c === undefined) return text;
  if (from !== undefined && digitsOf(c) === digitsOf(from)) return text;
  if (digitsOf(text).includes(digitsOf(c))) return text;
  return `${text.trimEnd()}\n문의 ${c}`;
}

/** An advertising SMS/LMS/MMS as sent: `(광고)` + name first, the contact, `무료수신거부 080-...` last. Needs the 080 number. */
export function markText(body: string, advertiser: Advertiser, from: string | undefined): string {
  if (advertiser.optOutNumber === undefined) throw new Error('markText: the project has no 080 opt-out number (check advertisingSetupProblem first)');
  const line = textOptOutLine(advertiser.optOutNumber);
  const start = markStart(body, advertiser.senderName);
  const end = start.trimEnd().endsWith(line) ? start.trimEnd().slice(0, -line.length) : start;
  return markEnd(withContact(end, advertiser, from), line);
}

/** An advertising push or web push as sent: the title (or, without one, the body) marked; the body ends with the opt-out. */
export function markPush<T extends { title: string; body: string }>(m: T, advertiser: Advertiser): T {
  const titled = m.title.trim().length > 0;
  const title = titled ? markStart(m.title, advertiser.senderName) : m.title;
  const body = markEnd(withContact(titled ? m.body : markStart(m.body, advertiser.senderName), advertiser, undefined), advertiser.pushOptOut);
  return { ...m, title, body };
}

/** An advertising friendtalk text as sent. */
export function markFriendtalk(text: string, advertiser: Advertiser): string {
  return markEnd(withContact(markStart(text, advertiser.senderName), advertiser, undefined), advertiser.kakaoOptOut);
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The footer of an advertising email (text form): sender name, contact, and the unsubscribe link. */
export const emailFooterText = (advertiser: Advertiser, unsubscribeUrl: string): string =>
  `${advertiser.senderName}${advertiser.contact ? ` · ${advertiser.contact}` : ''}\n수신거부(Unsubscribe): ${unsubscribeUrl}`;

/** An advertising email as sent: `(광고)` subject prefix; html and text end with the footer and the unsubscribe link. */
export function markEmail<T extends { subject: string; html?: string; text?: string }>(m: T, advertiser: Advertiser, unsubscribeUrl: string): T {
  const subject = startsWithAdMark(m.subject) ? m.subject : `${AD_MARK} ${m.subject}`;
  const out: T = { ...m, subject };
  if (m.text !== undefined) out.text = markEnd(m.text, emailFooterText(advertiser, unsubscribeUrl));
  if (m.html !== undefined) {
    const url = escapeHtml(unsubscribeUrl);
    const footer = `<p style="font-size:12px;color:#666">${escapeHtml(advertiser.senderName)}${advertiser.contact ? ` · ${escapeHtml(advertiser.contact)}` : ''}<br><a href="${url}">수신거부(Unsubscribe)</a></p>`;
    const at = m.html.toLowerCase().lastIndexOf('</body>');
    out.html = at >= 0 ? `${m.html.slice(0, at)}${footer}${m.html.slice(at)}` : `${m.html}${footer}`;
  }
  return out;
}
