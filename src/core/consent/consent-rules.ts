import type { Channel } from '../campaigns/campaigns.types.ts';
import { inWindow, localParts, minuteOf } from '../deliveries/local-time.ts';
import { CONSENT_PROPERTIES } from '../taxonomy/standard-taxonomy.ts';

/**
 * The consent rules of advertising messages, for every channel, in one place (D10; docs/korean-messaging.md
 * "Consent"; 정보통신망법 제50조제1항·제3항). Campaign filters (core/deliveries/filters.ts) and direct sends
 * (core/messaging) both read them from here.
 *
 * | channel | advertising needs | between 21:00 and 08:00 (project time zone) also needs |
 * |---|---|---|
 * | push, web_push | df_push_ads_optin | df_push_night_ads_optin |
 * | text_message | df_sms_ads_optin | df_sms_night_ads_optin |
 * | kakao_alimtalk (friendtalk) | df_kakao_ads_optin | df_kakao_night_ads_optin (and Kakao refuses advertising friendtalk at night, whatever the consent) |
 * | email | df_email_ads_optin | — (제50조제3항 exempts email) |
 */
export interface ChannelConsent {
  /** The opt-in every advertising message of the channel needs. */
  ads: string;
  /** The separate night-time opt-in, or null when the channel has no night rule (email). */
  night: string | null;
  /** Advertising is not sent at night at all, whatever the consent (Kakao does not deliver advertising friendtalk then). */
  nightRefused?: true;
}

export const CONSENT_BY_CHANNEL: Readonly<Record<Channel, ChannelConsent>> = {
  push: { ads: CONSENT_PROPERTIES.pushAds, night: CONSENT_PROPERTIES.pushNightAds },
  web_push: { ads: CONSENT_PROPERTIES.pushAds, night: CONSENT_PROPERTIES.pushNightAds },
  text_message: { ads: CONSENT_PROPERTIES.smsAds, night: CONSENT_PROPERTIES.smsNightAds },
  kakao_alimtalk: { ads: CONSENT_PROPERTIES.kakaoAds, night: CONSENT_PROPERTIES.kakaoNightAds, nightRefused: true },
  email: { ads: CONSENT_PROPERTIES.emailAds, night: null },
};

/** The night window of advertising, local time of the project (start inclusive, end exclusive): 제50조제3항. */
export const AD_NIGHT = { start: '21:00', end: '08:00' } as const;

/** What a consent change is about, for consent records: the channel group and whether it is the night opt-in. */
export interface ConsentSubject {
  property: string;
  /** `push` covers push and web push; `text_message` SMS/LMS/MMS; `kakao` Kakao messages; `email`. */
  channel: 'push' | 'text_message' | 'kakao' | 'email';
  kind: 'ads' | 'night';
}

/** Every advertising consent property (day and night), with what it is about. */
export const ADVERTISING_CONSENTS: Readonly<Record<string, ConsentSubject>> = {
  [CONSENT_PROPERTIES.pushAds]: { property: CONSENT_PROPERTIES.pushAds, channel: 'push', kind: 'ads' },
  [CONSENT_PROPERTIES.pushNightAds]: { property: CONSENT_PROPERTIES.pushNightAds, channel: 'push', kind: 'night' },
  [CONSENT_PROPERTIES.smsAds]: { property: CONSENT_PROPERTIES.smsAds, channel: 'text_message', kind: 'ads' },
  [CONSENT_PROPERTIES.smsNightAds]: { property: CONSENT_PROPERTIES.smsNightAds, channel: 'text_message', kind: 'night' },
  [CONSENT_PROPERTIES.kakaoAds]: { property: CONSENT_PROPERTIES.kakaoAds, channel: 'kakao', kind: 'ads' },
  [CONSENT_PROPERTIES.kakaoNightAds]: { property: CONSENT_PROPERTIES.kakaoNightAds, channel: 'kakao', kind: 'night' },
  [CONSENT_PROPERTIES.emailAds]: { property: CONSENT_PROPERTIES.emailAds, channel: 'email', kind: 'ads' },
};

/** Whether `at` falls in the advertising night window in the zone; with the local time (HH:mm) for messages. */
export function adNight(at: number, timezone: string): { night: boolean; localTime: string } {
  const local = localParts(at, timezone);
  return { night: inWindow(local.minuteOfDay, AD_NIGHT.start, AD_NIGHT.end), localTime: local.time.slice(0, 5) };
}

/** The first instant at or after `at` when the night window has ended (08:00 local); `at` itself outside the window. */
export function adNightEnd(at: number, timezone: string): number {
  if (!adNight(at, timezone).night) return at;
  const local = localParts(at, timezone);
  const seconds = Number(local.time.slice(6, 8));
  const minutes = (minuteOf(AD_NIGHT.end) - local.minuteOfDay + 1440) % 1440;
  let t = at - (at % 1000) - seconds * 1000 + minutes * 60_000;
  // A zone whose offset changes during the night (daylight saving) lands an hour off: step until 08:00 local.
  for (let i = 0; i < 4 && localParts(t, timezone).minuteOfDay !== minuteOf(AD_NIGHT.end); i++) {
    t += (minuteOf(AD_NIGHT.end) - localParts(t, timezone).minuteOfDay) * 60_000;
  }
  return t;
}

const isTrue = (v: unknown) => v === true || v === 'true';

export type ConsentVerdict = { ok: true } | { ok: false; kind: 'ads' | 'night'; property: string } | { ok: false; kind: 'night_refused'; localTime: string };

/**
 * Whether an advertising message on `channel` may go to a recipient with these properties at `at` (project time
 * zone): the channel's ads opt-in always; its night opt-in too inside the night window. `properties` undefined: no
 * profile holds the recipient, so there is no consent.
 */
export function advertisingConsent(input: { channel: Channel; properties: Record<string, unknown> | undefined; at: number; timezone: string }): ConsentVerdict {
  const rule = CONSENT_BY_CHANNEL[input.channel];
  if (!input.properties || !isTrue(input.properties[rule.ads])) return { ok: false, kind: 'ads', property: rule.ads };
  const { night, localTime } = adNight(input.at, input.timezone);
  if (night && rule.nightRefused) return { ok: false, kind: 'night_refused', localTime };
  if (night && rule.night !== null && !isTrue(input.properties[rule.night])) return { ok: false, kind: 'night', property: rule.night };
  return { ok: true };
}
