import type { TFunction } from 'i18next';
import type { MetricStats } from '../api/types';

/**
 * How the statistics page groups the metrics of seed 004 §10 (docs/campaigns.md "Statistics"). The page shows the
 * API's numbers as they are: nothing here adds metrics together.
 */

/** Metrics that mean "not sent, and why": the skip filters, cancellations and rendering failures. */
export const isSkipMetric = (name: string) =>
  name.startsWith('skipped__') || name === 'cancelled' || name === 'rendering_failure' || name === 'email_rendering_failure';

/** The outcome of each delivery (one per delivery), stacked per day. */
const OUTCOMES = [
  'send_success',
  'failover_text_message_send_success',
  'send_failure',
  'failover_text_message_send_failure',
  'rendering_failure',
  'cancelled',
  'skipped__noisy_filter',
  'skipped__fatigue_management',
  'skipped__forbidden_timing_filter',
  'skipped__excluded_user_filter',
  'skipped__aborted_message',
  'skipped__global_frequency_limit_filter',
  'pending',
];
export const isOutcomeMetric = (name: string) => OUTCOMES.includes(name);
export const outcomeOrder = (a: string, b: string) => OUTCOMES.indexOf(a) - OUTCOMES.indexOf(b);

const COLORS: Record<string, string> = {
  send_success: 'teal.6',
  failover_text_message_send_success: 'cyan.6',
  send_failure: 'red.7',
  failover_text_message_send_failure: 'red.4',
  rendering_failure: 'orange.7',
  cancelled: 'gray.6',
  skipped__noisy_filter: 'yellow.6',
  skipped__fatigue_management: 'grape.6',
  skipped__forbidden_timing_filter: 'indigo.4',
  skipped__excluded_user_filter: 'pink.6',
  skipped__aborted_message: 'dark.3',
  skipped__global_frequency_limit_filter: 'violet.7',
  pending: 'blue.3',
  push_delivered: 'blue.6',
  push_click: 'indigo.7',
  email_send: 'teal.8',
  email_open: 'blue.6',
  email_click: 'indigo.7',
};
export const colorOf = (name: string, i = 0) => COLORS[name] ?? ['lime.7', 'cyan.8', 'orange.5', 'grape.8'][i % 4];

export type FunnelStep = 'sent' | 'delivered' | 'opened' | 'clicked' | 'converted';

/**
 * The funnel sent → delivered → opened/clicked → converted, from the metrics the campaign's channel lists: push
 * (delivered, clicked), email (sent as email_send, opened, clicked), every channel's conversion. A step whose metric
 * the API does not list for the channel is left out (a text message has no "opened").
 */
export function funnelOf(stats: MetricStats[]): { step: FunnelStep; metric: MetricStats }[] {
  const by = (name: string) => stats.find((s) => s.metricType === 'standard' && s.metricName === name);
  const steps: { step: FunnelStep; metric: MetricStats | undefined }[] = [
    { step: 'sent', metric: by('email_send') ?? by('send_success') },
    { step: 'delivered', metric: by('push_delivered') ?? by('email_delivery') },
    { step: 'opened', metric: by('email_open') },
    { step: 'clicked', metric: by('push_click') ?? by('email_click') },
    { step: 'converted', metric: stats.find((s) => s.metricType === 'conversion') },
  ];
  return steps.filter((s): s is { step: FunnelStep; metric: MetricStats } => s.metric !== undefined);
}

/** A metric's name in plain words, and what it means (conversions are named by their event). */
export function describeMetric(t: TFunction, m: Pick<MetricStats, 'metricName' | 'metricType'>): { label: string; explain: string } {
  if (m.metricType === 'conversion')
    return {
      label: t('deliveries.metrics.conversion.label', { event: m.metricName }),
      explain: t('deliveries.metrics.conversion.explain', { event: m.metricName }),
    };
  const key = `deliveries.metrics.${m.metricName}`;
  const label = t(`${key}.label`, { defaultValue: '' });
  if (!label) return { label: m.metricName, explain: t('deliveries.metrics.other.explain') };
  return { label, explain: t(`${key}.explain`, { defaultValue: '' }) };
}

/** Every local day from `from` to `to` (yyyy-MM-dd, inclusive). */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  const d = new Date(`${from}T00:00:00Z`);
  const end = new Date(`${to}T00:00:00Z`);
  while (d <= end && out.length < 400) {
    out.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

/** A metric's count on a day (0 when the API lists no count for it). */
export const countOn = (m: MetricStats, day: string) => m.dailyCounts.find((d) => d.date === day)?.count ?? 0;

/** A metric's counts per value of one dimension, over all days. */
export function byDimensionValue(m: MetricStats, key: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of m.dailyCounts)
    for (const c of d.dimensionCounts) if (c.dimensionKey === key) out.set(c.dimensionValue, (out.get(c.dimensionValue) ?? 0) + c.count);
  return out;
}
