import type { Clock } from '../../platform/clock.ts';
import type { Store } from '../../platform/db/store.ts';
import type { CampaignsService } from '../campaigns/campaigns.service.ts';
import { MaruError, invalid } from '../errors.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import { parseDatetime } from '../taxonomy/values.ts';
import * as repo from './deliveries.repository.ts';
import { CONVERSION_PREFIX, METRICS, metricsForChannel } from './deliveries.types.ts';
import { localDate, localDateTime } from './local-time.ts';

export interface DimensionCount {
  dimensionKey: string;
  dimensionValue: string;
  count: number;
}
export interface DailyCount {
  date: string;
  count: number;
  dimensionCounts: DimensionCount[];
}
export interface MetricStats {
  metricName: string;
  metricType: 'standard' | 'conversion';
  totalCount: number;
  dailyCounts: DailyCount[];
}
export interface CampaignStats {
  lastCollectedAt: string;
  stats: MetricStats[];
}

/** Messages sent of every campaign of a project, per local day (CampaignStatsService.activity). */
export interface CampaignActivity {
  timezone: string;
  /** The local days covered, oldest first, ending today. */
  days: string[];
  campaigns: { campaignId: string; sends: number[]; lastSentAt: number | null }[];
}

/** Metrics that count a message sent: `send_success`, and an alimtalk's failover text sent instead. */
const SENT_METRICS = [METRICS.sendSuccess, METRICS.failoverSuccess];
export const MAX_ACTIVITY_DAYS = 92;

/** Longest span one stats request may cover. */
export const MAX_STATS_RANGE_DAYS = 366;

/**
 * Campaign statistics (seed 004 §10). Metrics are counted as they happen, per campaign, metric, day in the project's
 * time zone and statistics dimension (campaign_metrics), in the same units that change the deliveries, so the
 * numbers are always current: `lastCollectedAt` is the time of the request.
 *
 * A request covers the local days from the day of `start` to the day of `end` (both in the project time zone),
 * whole days — counters are kept per day. Every standard metric that applies to the campaign's channel is listed
 * (totalCount 0 and no dailyCounts when nothing happened), plus any other metric that has counts in the range;
 * conversions are listed with metricType "conversion" under their event name. `pending` is live: the deliveries of
 * the campaign created in the range that are not final yet (pending, rendering or sending).
 */
export class CampaignStatsService {
  #store: Store;
  #clock: Clock;
  #projects: ProjectsService;
  #campaigns: CampaignsService;

  constructor(deps: { store: Store; clock: Clock; projects: ProjectsService; campaigns: CampaignsService }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#projects = deps.projects;
    this.#campaigns = deps.campaigns;
  }

  /** `start`/`end`: ISO 8601 datetimes with a zone (the seed's yyyy-MM-ddTHH:mm:ss.sssZ). */
  async stats(input: { projectId: string; campaignId: string; start: unknown; end: unknown }): Promise<CampaignStats> {
    const project = await this.#projects.get(input.projectId);
    const start = parseDatetime(input.start);
    if (input.start === undefined || input.start === '') throw invalid('start', 'start is required (yyyy-MM-ddTHH:mm:ss.sssZ, UTC)');
    if (start === undefined) throw invalid('start', 'Invalid start: expected yyyy-MM-ddTHH:mm:ss.sssZ (UTC)');
    if (input.end === undefined || input.end === '') throw invalid('end', 'end is required (yyyy-MM-ddTHH:mm:ss.sssZ, UTC)');
    const end = parseDatetime(input.end);
    if (end === undefined) throw invalid('end', 'Invalid end: expected yyyy-MM-ddTHH:mm:ss.sssZ (UTC)');
    if (end < start) throw invalid('end', 'Invalid end: end is before start');
    if (end - start > MAX_STATS_RANGE_DAYS * 86_400_000) throw invalid('end', `Invalid range: at most ${MAX_STATS_RANGE_DAYS} days`);
    const campaign = await this.#campaigns.find(project.id, input.campaignId);
    if (!campaign) throw new MaruError('not_found', 'Invalid campaign ID', { field: 'campaignId' });

    const tz = project.timezone;
    const fromDay = localDate(start, tz);
    const toDay = localDate(end, tz);
    const rows = await repo.metricRows(this.#store.db, project.id, campaign.id, fromDay, toDay);

    // metric → day → {count, dims}
    const byMetric = new Map<string, Map<string, { count: number; dims: DimensionCount[] }>>();
    const dayOf = (metric: string, day: string) => {
      let days = byMetric.get(metric);
      if (!days) {
        days = new Map();
        byMetric.set(metric, days);
      }
      let d = days.get(day);
      if (!d) {
        d = { count: 0, dims: [] };
        days.set(day, d);
      }
      return d;
    };
    for (const r of rows) {
      if (r.metric === METRICS.pending) continue;
      const d = dayOf(r.metric, r.day);
      if (r.dimension_key === '') d.count += Number(r.count);
      else d.dims.push({ dimensionKey: r.dimension_key, dimensionValue: r.dimension_value, count: Number(r.count) });
    }
    for (const u of await repo.unfinished(this.#store.db, project.id, campaign.id)) {
      const day = localDate(u.created_at, tz);
      if (day < fromDay || day > toDay) continue;
      const d = dayOf(METRICS.pending, day);
      d.count++;
      for (const [k, v] of Object.entries(u.dimensions ? (JSON.parse(u.dimensions) as Record<string, string>) : {})) {
        const existing = d.dims.find((x) => x.dimensionKey === k && x.dimensionValue === v);
        if (existing) existing.count++;
        else d.dims.push({ dimensionKey: k, dimensionValue: v, count: 1 });
      }
    }

    const names = [...metricsForChannel(campaign.channel)];
    for (const m of byMetric.keys()) if (!names.includes(m)) names.push(m);
    if (campaign.options.conversion && !names.includes(CONVERSION_PREFIX + campaign.options.conversion.event))
      names.push(CONVERSION_PREFIX + campaign.options.conversion.event);

    const stats: MetricStats[] = names.map((name) => {
      const days = [...(byMetric.get(name) ?? new Map<string, { count: number; dims: DimensionCount[] }>()).entries()].sort(([a], [b]) => (a < b ? -1 : 1));
      const dailyCounts = days.map(([date, d]) => ({
        date,
        count: d.count,
        dimensionCounts: d.dims.sort((a, b) =>
          a.dimensionKey === b.dimensionKey ? (a.dimensionValue < b.dimensionValue ? -1 : 1) : a.dimensionKey < b.dimensionKey ? -1 : 1,
        ),
      }));
      const conversion = name.startsWith(CONVERSION_PREFIX);
      return {
        metricName: conversion ? name.slice(CONVERSION_PREFIX.length) : name,
        metricType: conversion ? 'conversion' : 'standard',
        totalCount: dailyCounts.reduce((n, d) => n + d.count, 0),
        dailyCounts,
      };
    });
    return { lastCollectedAt: localDateTime(this.#clock.now(), tz), stats };
  }

  /**
   * Messages sent per local day over the last `days` days (ending today, project time zone) and the time of the latest
   * one, for every campaign of the project that has sent anything ever, in two reads of the daily counters (the
   * console's campaign list, one request for all rows). Campaigns without sends are not listed.
   */
  async activity(input: { projectId: string; days?: unknown }): Promise<CampaignActivity> {
    const project = await this.#projects.get(input.projectId);
    const n = input.days === undefined || input.days === '' ? 14 : Number(input.days);
    if (!Number.isInteger(n) || n < 1 || n > MAX_ACTIVITY_DAYS) throw invalid('days', `days must be a whole number from 1 to ${MAX_ACTIVITY_DAYS}`);
    const tz = project.timezone;
    const now = this.#clock.now();
    const days: string[] = [];
    // Local days ending today: step back by 24 h from today's local noon, so no zone change can skip or repeat one.
    const today = localDate(now, tz);
    const noon = Date.parse(`${today}T12:00:00Z`);
    for (let i = n - 1; i >= 0; i--) days.push(new Date(noon - i * 86_400_000).toISOString().slice(0, 10));
    const [counts, last] = await Promise.all([
      repo.metricTotalsByCampaign(this.#store.db, project.id, SENT_METRICS, days[0]),
      repo.lastMetricAtByCampaign(this.#store.db, project.id, SENT_METRICS),
    ]);
    const index = new Map(days.map((d, i) => [d, i]));
    const byCampaign = new Map<string, { campaignId: string; sends: number[]; lastSentAt: number | null }>();
    for (const r of last)
      byCampaign.set(r.campaign_id, { campaignId: r.campaign_id, sends: days.map(() => 0), lastSentAt: r.at === null ? null : Number(r.at) });
    for (const r of counts) {
      const i = index.get(r.day);
      const c = byCampaign.get(r.campaign_id);
      if (i !== undefined && c) c.sends[i] += Number(r.n);
    }
    return { timezone: tz, days, campaigns: [...byCampaign.values()].sort((a, b) => (a.campaignId < b.campaignId ? -1 : 1)) };
  }
}
