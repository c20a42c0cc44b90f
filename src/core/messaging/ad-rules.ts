import { METRICS } from '../deliveries/deliveries.types.ts';
import type { ExtraFilter } from '../deliveries/filters.ts';
import { inWindow, localParts } from '../deliveries/local-time.ts';

/**
 * Korean rules for advertising messages (정보통신망법 제50조), as maru applies them to direct messages
 * (docs/korean-messaging.md "Advertising"):
 *
 * - An advertising message starts with `(광고)`. A message whose text already starts with it (after leading
 *   whitespace) is advertising whatever the request says; one sent with `isAd: true` without it gets `(광고) `
 *   prepended. Limits are checked on the text as sent, marking included.
 * - No advertising between 21:00 and 08:00 in the project's time zone without the recipient's separate night-time
 *   consent. For Kakao friendtalk maru refuses advertising in that window outright: Kakao itself does not deliver
 *   advertising friendtalk at night, whatever the consent.
 */
export const AD_MARK = '(광고)';

/** The night window of advertising messages, local time (start inclusive, end exclusive). */
export const AD_NIGHT = { start: '21:00', end: '08:00' } as const;

export const isMarkedAd = (text: string | undefined): boolean => typeof text === 'string' && text.trimStart().startsWith(AD_MARK);

/** The text with the `(광고)` marking in front (unchanged when it is already there). */
export const markAd = (text: string): string => (isMarkedAd(text) ? text : `${AD_MARK} ${text}`);

/** Whether `at` falls in the advertising night window in the zone; with the local time for messages. */
export function adNight(at: number, timezone: string): { night: boolean; localTime: string } {
  const local = localParts(at, timezone);
  return { night: inWindow(local.minuteOfDay, AD_NIGHT.start, AD_NIGHT.end), localTime: local.time.slice(0, 5) };
}

/**
 * The delivery filter of advertising Kakao messages (friendtalk): one that reaches its send time inside the night
 * window (a retry, a queue backlog) is skipped, counted under skipped__forbidden_timing_filter.
 */
export const kakaoAdNightFilter: ExtraFilter = async (_tx, s) => {
  if (s.campaign.channel !== 'kakao_alimtalk' || s.campaign.consentClass !== 'advertising') return undefined;
  const { night, localTime } = adNight(s.now, s.project.timezone);
  return night ? { metric: METRICS.forbiddenTiming, reason: `night_ads: advertising Kakao messages are not sent between ${AD_NIGHT.start} and ${AD_NIGHT.end} (it was ${localTime})` } : undefined;
};
