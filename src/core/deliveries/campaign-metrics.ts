import type { Db } from '../../platform/db/store.ts';
import * as repo from './deliveries.repository.ts';
import { localDate } from './local-time.ts';

/**
 * Counts one occurrence of a campaign metric, inside the write unit that changes the delivery it is about (so a
 * metric and the state it describes commit together, exactly once). Counted under the day of `at` in the project's
 * time zone, once in total (dimension_key '') and once per statistics dimension the recipient has a value for.
 */
export async function countMetric(
  tx: Db,
  input: { projectId: string; campaignId: string; metric: string; at: number; timezone: string; dimensions?: Record<string, string> | null; by?: number },
): Promise<void> {
  const day = localDate(input.at, input.timezone);
  const base = { project_id: input.projectId, campaign_id: input.campaignId, metric: input.metric, day };
  const by = input.by ?? 1;
  await repo.incrementMetric(tx, { ...base, dimension_key: '', dimension_value: '' }, by, input.at);
  for (const [key, value] of Object.entries(input.dimensions ?? {})) {
    await repo.incrementMetric(tx, { ...base, dimension_key: key, dimension_value: value }, by, input.at);
  }
}

/** The values of a campaign's statistics dimensions for a profile (user properties at send time). */
export function dimensionsOf(statsDimensions: string[], properties: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!properties) return out;
  for (const key of statsDimensions) {
    const v = properties[key];
    if (v === undefined || v === null) continue;
    out[key] = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  }
  return out;
}
