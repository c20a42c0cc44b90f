import { Type, type TSchema } from '@sinclair/typebox';

const Obj = <T extends Record<string, TSchema>>(properties: T, options: Record<string, unknown> = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });

/**
 * Campaign statistics, seed 004 §10 (src/core/deliveries/stats.service.ts): one answer of the core, sent as it is by
 * the admin API and under `data` by the Notifly face.
 */
export const CampaignStatsDoc = Obj(
  {
    lastCollectedAt: Type.String({ description: 'time of the request in the project time zone, yyyy-MM-dd HH:mm:ss' }),
    stats: Type.Array(
      Obj({
        metricName: Type.String({ description: 'send_success, skipped__noisy_filter, ... or the conversion event' }),
        metricType: Type.Union([Type.Literal('standard'), Type.Literal('conversion')]),
        totalCount: Type.Integer(),
        dailyCounts: Type.Array(
          Obj({
            date: Type.String({ description: 'yyyy-MM-dd, project time zone' }),
            count: Type.Integer(),
            dimensionCounts: Type.Array(Obj({ dimensionKey: Type.String(), dimensionValue: Type.String(), count: Type.Integer() })),
          }),
        ),
      }),
    ),
  },
  { description: 'Counts by metric, day (project time zone) and statistics dimension (docs/campaigns.md "Statistics")' },
);

/** The seed's sample answer (seed 004 §10), for the OpenAPI document. */
export const CAMPAIGN_STATS_EXAMPLE = {
  lastCollectedAt: '2024-10-29 04:00:00',
  stats: [
    {
      metricName: 'send_success',
      metricType: 'standard',
      totalCount: 550,
      dailyCounts: [
        {
          date: '2024-10-28',
          count: 250,
          dimensionCounts: [
            { dimensionKey: 'region', dimensionValue: 'us-east', count: 100 },
            { dimensionKey: 'region', dimensionValue: 'us-west', count: 150 },
          ],
        },
      ],
    },
  ],
};
