import type { Db } from '../../platform/db/store.ts';
import { CHANNELS, type Campaign, type Channel, type QuietHours } from '../campaigns/campaigns.types.ts';
import { parseQuietHours } from '../campaigns/campaign-input.ts';
import { invalid } from '../errors.ts';
import type { Project } from '../projects/projects.types.ts';
import { AD_NIGHT, adNightEnd, advertisingConsent } from '../consent/consent-rules.ts';
import * as repo from './deliveries.repository.ts';
import type { Delivery } from './deliveries.types.ts';
import { METRICS } from './deliveries.types.ts';
import { inWindow, localParts } from './local-time.ts';

/**
 * The filters a delivery passes before it is sent (docs/campaigns.md "Filters"). Each one that skips a recipient
 * names the seed 004 metric it is counted under and a reason kept on the delivery:
 *
 * | order | filter | metric | reason |
 * |---|---|---|---|
 * | 1 | excluded users (campaign `excluded_user_ids`, project `campaigns.excludedUserIds`) | skipped__excluded_user_filter | excluded_user |
 * | 2 | consent, advertising only (D10) | skipped__excluded_user_filter | no_consent:<property> |
 * | 3 | quiet hours (campaign `quiet_hours`, else project `campaigns.quietHours`) | skipped__forbidden_timing_filter | quiet_hours |
 * | 4 | ads 21:00–08:00 local without the channel's night opt-in (D10; not email) — or held until 08:00 when the campaign says `night_ads: "hold"` | skipped__forbidden_timing_filter | night_ads_without_consent |
 * | 4 | advertising Kakao messages 21:00–08:00 (Kakao does not deliver them) | skipped__forbidden_timing_filter | night_ads: ... |
 * | 5 | same campaign to the same person within `noisy_window_seconds` | skipped__noisy_filter | noisy_window |
 * | 6 | fatigue: at most `max` advertising messages per person per `periodHours` | skipped__fatigue_management | fatigue |
 * | 7 | the project's daily send cap of the channel (D14) | skipped__global_frequency_limit_filter | daily_cap |
 *
 * The seed has no consent metric; a recipient without the opt-in is a user the campaign must exclude, so consent
 * skips count under skipped__excluded_user_filter (the delivery's reason tells the two apart). Filters 5–7 count
 * deliveries that went out (`sending` or `sent`), and run inside the unit that marks this delivery `sending`, so
 * concurrent workers cannot both pass the same limit.
 */

export interface FatigueRule {
  max: number;
  periodHours: number;
}

/** The project's campaign settings (`settings.campaigns`), with defaults. */
export interface CampaignSettings {
  quietHours: QuietHours | null;
  fatigue: FatigueRule | null;
  dailyCap: Record<Channel, number>;
  excludedUserIds: string[];
}

export const DEFAULT_DAILY_CAP = 1_000_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a `settings.campaigns` document strictly (admin API); throws invalid naming the field. */
export function parseCampaignSettings(raw: unknown): Partial<CampaignSettings> {
  const at = 'campaigns';
  if (!isObject(raw)) throw invalid(at, `${at} must be an object {quietHours, fatigue, dailyCap, excludedUserIds}`);
  const out: Partial<CampaignSettings> = {};
  for (const k of Object.keys(raw)) {
    if (!['quietHours', 'fatigue', 'dailyCap', 'excludedUserIds'].includes(k))
      throw invalid(`${at}.${k}`, `${at}.${k} is not a campaign setting (quietHours, fatigue, dailyCap, excludedUserIds)`);
  }
  if (raw.quietHours !== undefined) out.quietHours = parseQuietHours(raw.quietHours, `${at}.quietHours`);
  if (raw.fatigue !== undefined) {
    if (raw.fatigue === null) out.fatigue = null;
    else {
      const f = raw.fatigue;
      if (!isObject(f)) throw invalid(`${at}.fatigue`, `${at}.fatigue must be {"max": n, "periodHours": h} or null`);
      if (!Number.isInteger(f.max) || (f.max as number) < 0 || (f.max as number) > 1000)
        throw invalid(`${at}.fatigue.max`, `${at}.fatigue.max must be an integer from 0 to 1000`);
      if (!Number.isInteger(f.periodHours) || (f.periodHours as number) < 1 || (f.periodHours as number) > 24 * 90)
        throw invalid(`${at}.fatigue.periodHours`, `${at}.fatigue.periodHours must be an integer from 1 to 2160`);
      out.fatigue = { max: f.max as number, periodHours: f.periodHours as number };
    }
  }
  if (raw.dailyCap !== undefined) {
    if (!isObject(raw.dailyCap)) throw invalid(`${at}.dailyCap`, `${at}.dailyCap must be an object of channel to messages per day`);
    const caps: Partial<Record<Channel, number>> = {};
    for (const [k, v] of Object.entries(raw.dailyCap)) {
      if (!CHANNELS.includes(k as Channel)) throw invalid(`${at}.dailyCap.${k}`, `${at}.dailyCap.${k}: not a channel (${CHANNELS.join(', ')})`);
      if (!Number.isInteger(v) || (v as number) < 0) throw invalid(`${at}.dailyCap.${k}`, `${at}.dailyCap.${k} must be a whole number of messages per day`);
      caps[k as Channel] = v as number;
    }
    out.dailyCap = caps as Record<Channel, number>;
  }
  if (raw.excludedUserIds !== undefined) {
    const ids = raw.excludedUserIds;
    if (!Array.isArray(ids) || ids.length > 100_000 || !ids.every((x) => typeof x === 'string' && x.length > 0))
      throw invalid(`${at}.excludedUserIds`, `${at}.excludedUserIds must be an array of user ids`);
    out.excludedUserIds = ids as string[];
  }
  return out;
}

/** The effective settings of a project: what parses of `settings.campaigns`, defaults for the rest. */
export function campaignSettings(project: Project): CampaignSettings {
  let parsed: Partial<CampaignSettings> = {};
  try {
    parsed = project.settings.campaigns === undefined ? {} : parseCampaignSettings(project.settings.campaigns);
  } catch {
    parsed = {};
  }
  const dailyCap = Object.fromEntries(CHANNELS.map((c) => [c, parsed.dailyCap?.[c] ?? DEFAULT_DAILY_CAP])) as Record<Channel, number>;
  return { quietHours: parsed.quietHours ?? null, fatigue: parsed.fatigue ?? null, dailyCap, excludedUserIds: parsed.excludedUserIds ?? [] };
}

export interface FilterSubject {
  delivery: Delivery;
  campaign: Campaign;
  project: Project;
  settings: CampaignSettings;
  /** The profile whose consent and identity the filters judge: the recipient's, or the one holding its phone/email. */
  profile: { id: string; properties: Record<string, unknown>; externalId: string | undefined } | undefined;
  now: number;
  /** Filters other modules own (the `filters` of DeliveryWorker), run after filter 4 and before the counting filters 5–7. */
  extra?: readonly ExtraFilter[];
}

/**
 * A filter another module owns (e.g. the 080 block list of advertising text messages, src/core/blocklist), run in
 * the same unit as the built-in ones; returns the skip (metric and reason) or undefined to let the delivery pass.
 */
export type ExtraFilter = (tx: Db, s: FilterSubject) => Promise<Skip | undefined>;

export interface Skip {
  metric: string;
  reason: string;
  /**
   * Not skipped but held: the delivery waits until this instant (08:00 project time, a night-time advertising send
   * without night consent of a campaign with `night_ads: "hold"`). Nothing is counted for it until it is sent or skipped.
   */
  holdUntil?: number;
}

/** Runs the filters in order; the first that skips wins. Counts the send against the daily cap when it passes. */
export async function applyFilters(tx: Db, s: FilterSubject): Promise<Skip | undefined> {
  const { delivery: d, campaign, settings, profile, now } = s;
  const tz = s.project.timezone;
  const advertising = campaign.consentClass === 'advertising';

  // 1. excluded users
  const externalId = profile?.externalId ?? (d.recipientType === 'user-id' ? d.recipientValue : undefined);
  if (externalId !== undefined && (campaign.options.excluded_user_ids?.includes(externalId) || settings.excludedUserIds.includes(externalId))) {
    return { metric: METRICS.excludedUser, reason: 'excluded_user' };
  }

  // 2. consent (D10; core/consent/consent-rules.ts)
  const consent = advertising
    ? advertisingConsent({ channel: campaign.channel, properties: profile?.properties, at: now, timezone: tz })
    : { ok: true as const };
  if (!consent.ok && consent.kind === 'ads') return { metric: METRICS.excludedUser, reason: `no_consent:${consent.property}` };

  // 3. quiet hours
  const local = localParts(now, tz);
  const quiet = campaign.options.quiet_hours === undefined ? settings.quietHours : campaign.options.quiet_hours;
  if (quiet && inWindow(local.minuteOfDay, quiet.start, quiet.end)) return { metric: METRICS.forbiddenTiming, reason: 'quiet_hours' };

  // 4. night-time advertising (D10): Kakao not at all; the other channels (email aside) with night consent only
  if (!consent.ok && consent.kind === 'night_refused') {
    return {
      metric: METRICS.forbiddenTiming,
      reason: `night_ads: advertising Kakao messages are not sent between ${AD_NIGHT.start} and ${AD_NIGHT.end} (it was ${consent.localTime})`,
    };
  }
  if (!consent.ok && consent.kind === 'night') {
    const skip = { metric: METRICS.forbiddenTiming, reason: 'night_ads_without_consent' };
    return campaign.options.night_ads === 'hold' ? { ...skip, holdUntil: adNightEnd(now, tz) } : skip;
  }

  // 4b. filters of other modules
  for (const filter of s.extra ?? []) {
    const skip = await filter(tx, s);
    if (skip) return skip;
  }

  // 5. noisy: the same campaign to the same person again within the window
  const window = campaign.options.noisy_window_seconds;
  if (window !== undefined) {
    const recent = await repo.countRecentToRecipient(tx, {
      projectId: d.projectId,
      campaignId: d.campaignId,
      profileId: profile?.id ?? null,
      address: d.address,
      since: now - window * 1000,
      exceptId: d.id,
    });
    if (recent > 0) return { metric: METRICS.noisy, reason: 'noisy_window' };
  }

  // 6. fatigue (advertising only)
  if (advertising && campaign.options.fatigue !== false && settings.fatigue && profile) {
    const sent = await repo.countAdvertisingTo(tx, d.projectId, profile.id, now - settings.fatigue.periodHours * 3_600_000, d.id);
    if (sent >= settings.fatigue.max) return { metric: METRICS.fatigue, reason: 'fatigue' };
  }

  // 7. the project's daily cap per channel (D14)
  const cap = settings.dailyCap[campaign.channel];
  if (!(await repo.takeSendSlot(tx, d.projectId, campaign.channel, local.date, cap))) return { metric: METRICS.globalFrequencyLimit, reason: 'daily_cap' };
  return undefined;
}
