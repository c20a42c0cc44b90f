import { useState } from 'react';
import { BarChart, FunnelChart } from '@mantine/charts';
// Legends and the funnel's size need the charts' own styles (the overview's bare bar chart does not).
import '@mantine/charts/styles.css';
import { Badge, Button, Card, Code, Group, ScrollArea, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { QueryState } from '../../../components/query-state';
import { useCurrentProject } from '../../../lib/project-context';
import { localDay, zonedToInstant } from '../../../lib/time';
import { useCampaignStats } from '../api/get-campaign-stats';
import type { CampaignStats, CampaignSummary, MetricStats } from '../api/types';
import { byDimensionValue, colorOf, countOn, daysBetween, describeMetric, funnelOf, isOutcomeMetric, isSkipMetric, outcomeOrder } from './metrics';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The days shown: `?from=&to=` (yyyy-MM-dd in the project's time zone), else the last 7 days ending today. The API
 * is asked for `start` = the first day's 00:00 and `end` = the last day's 23:59:59 in that zone, so it answers exactly
 * those local days.
 */
export function statsRange(search: URLSearchParams, timeZone: string, now = Date.now()) {
  const today = localDay(now, timeZone);
  const from = search.get('from');
  const to = search.get('to');
  const valid = from && to && DAY.test(from) && DAY.test(to) && from <= to && daysBetween(from, to).length <= 366;
  const week = localDay(now - 6 * 86_400_000, timeZone);
  const f = valid ? from : week;
  const l = valid ? to : today;
  return { from: f, to: l, start: zonedToInstant(`${f} 00:00:00`, timeZone), end: zonedToInstant(`${l} 23:59:59`, timeZone) };
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Card withBorder component="section" aria-label={title}>
      <Title order={2} size="h4" mb="sm">
        {title}
      </Title>
      {children}
    </Card>
  );
}

export function StatsPanel({ campaign }: { campaign: CampaignSummary }) {
  const { t, i18n } = useTranslation();
  const { project } = useCurrentProject();
  const zone = project.timezone;
  const [search, setSearch] = useSearchParams();
  const range = statsRange(search, zone);
  const [form, setForm] = useState({ from: range.from, to: range.to });
  const [formError, setFormError] = useState(false);
  const q = useCampaignStats(project.id, campaign.id, { start: range.start, end: range.end });
  const nf = new Intl.NumberFormat(i18n.language);
  return (
    <Stack>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const ok = DAY.test(form.from) && DAY.test(form.to) && form.from <= form.to && daysBetween(form.from, form.to).length <= 366;
          setFormError(!ok);
          if (ok) setSearch({ from: form.from, to: form.to });
        }}
      >
        <Group align="flex-end">
          <TextInput
            type="date"
            label={t('deliveries.stats.from', { zone })}
            value={form.from}
            onChange={(e) => setForm({ ...form, from: e.currentTarget.value })}
          />
          <TextInput type="date" label={t('deliveries.stats.to', { zone })} value={form.to} onChange={(e) => setForm({ ...form, to: e.currentTarget.value })} />
          <Button type="submit">{t('deliveries.stats.apply')}</Button>
        </Group>
        {formError && (
          <Text c="red" size="sm" mt="xs" role="alert">
            {t('deliveries.stats.rangeInvalid')}
          </Text>
        )}
      </form>
      <Text size="xs" c="dimmed">
        {t('deliveries.stats.request')} <Code data-testid="stats-request">{`GET …/campaigns/${campaign.id}/stats?start=${range.start}&end=${range.end}`}</Code>
      </Text>
      <QueryState isPending={q.isPending} error={q.error}>
        {q.data && <StatsView stats={q.data} campaign={campaign} days={daysBetween(range.from, range.to)} nf={nf} />}
      </QueryState>
    </Stack>
  );
}

function StatsView({ stats, campaign, days, nf }: { stats: CampaignStats; campaign: CampaignSummary; days: string[]; nf: Intl.NumberFormat }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const zone = project.timezone;
  const label = (m: MetricStats) => describeMetric(t, m).label;
  const funnel = funnelOf(stats.stats);
  const outcomes = stats.stats.filter((m) => m.metricType === 'standard' && isOutcomeMetric(m.metricName) && m.totalCount > 0);
  outcomes.sort((a, b) => outcomeOrder(a.metricName, b.metricName));
  const skips = stats.stats.filter((m) => m.metricType === 'standard' && isSkipMetric(m.metricName));
  const perDay = days.map((day) => ({ day: day.slice(5), ...Object.fromEntries(outcomes.map((m) => [m.metricName, countOn(m, day)])) }));
  const perDayText = days
    .map((day) => {
      const parts = outcomes.filter((m) => countOn(m, day) > 0).map((m) => `${label(m)} ${nf.format(countOn(m, day))}`);
      return parts.length ? `${day.slice(5)} ${parts.join(', ')}` : '';
    })
    .filter(Boolean)
    .join('; ');
  const dimensionKeys = [...new Set([...(campaign.stats_dimensions ?? [])])];
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        {t('deliveries.stats.lastCollected', { at: stats.lastCollectedAt, zone })}
      </Text>
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <Section title={t('deliveries.stats.funnel')}>
          <Group align="center" wrap="nowrap" gap="lg">
            {funnel.some((s) => s.metric.totalCount > 0) && (
              <div
                role="img"
                aria-label={t('deliveries.stats.funnelLabel', {
                  steps: funnel.map((s) => `${t(`deliveries.funnelSteps.${s.step}`)} ${nf.format(s.metric.totalCount)}`).join(', '),
                })}
              >
                <FunnelChart
                  size={180}
                  withTooltip={false}
                  data={funnel.map((s, i) => ({
                    name: t(`deliveries.funnelSteps.${s.step}`),
                    value: Math.max(s.metric.totalCount, 0.0001),
                    color: ['teal.6', 'blue.6', 'indigo.6', 'violet.6', 'grape.6'][i],
                  }))}
                />
              </div>
            )}
            <Table aria-label={t('deliveries.stats.funnel')} data-testid="funnel">
              <Table.Tbody>
                {funnel.map((s, i) => {
                  const prev = i > 0 ? funnel[i - 1].metric.totalCount : 0;
                  return (
                    <Table.Tr key={s.step} data-metric={s.metric.metricName}>
                      <Table.Th scope="row">
                        {t(`deliveries.funnelSteps.${s.step}`)}{' '}
                        <Text span size="xs" c="dimmed" ff="monospace">
                          {s.metric.metricName}
                        </Text>
                      </Table.Th>
                      <Table.Td fw={700} ta="right" data-testid="count">
                        {nf.format(s.metric.totalCount)}
                      </Table.Td>
                      <Table.Td>
                        <Text size="xs" c="dimmed">
                          {i > 0 && prev > 0
                            ? t('deliveries.stats.ofPrevious', {
                                percent: new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 }).format(s.metric.totalCount / prev),
                              })
                            : ''}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Group>
        </Section>
        <Section title={t('deliveries.stats.perDay', { zone })}>
          {outcomes.length === 0 ? (
            <Text c="dimmed">{t('deliveries.stats.noOutcomes')}</Text>
          ) : (
            <div role="img" aria-label={t('deliveries.stats.perDayLabel', { zone, days: perDayText })}>
              <BarChart
                h={220}
                type="stacked"
                data={perDay}
                dataKey="day"
                withLegend
                legendProps={{ verticalAlign: 'bottom' }}
                series={outcomes.map((m, i) => ({ name: m.metricName, label: label(m), color: colorOf(m.metricName, i) }))}
              />
            </div>
          )}
        </Section>
      </SimpleGrid>
      <Section title={t('deliveries.stats.skipped')}>
        {skips.every((m) => m.totalCount === 0) && (
          <Text c="dimmed" mb="xs">
            {t('deliveries.stats.skippedNone')}
          </Text>
        )}
        <Table aria-label={t('deliveries.stats.skipped')} data-testid="skips">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('deliveries.stats.metric')}</Table.Th>
              <Table.Th ta="right">{t('deliveries.stats.count')}</Table.Th>
              <Table.Th>{t('deliveries.stats.meaning')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {[...skips]
              .sort((a, b) => b.totalCount - a.totalCount)
              .map((m) => (
                <Table.Tr key={m.metricName} data-metric={m.metricName}>
                  <Table.Th scope="row" fw={500}>
                    {label(m)}
                    <Text size="xs" c="dimmed" ff="monospace">
                      {m.metricName}
                    </Text>
                  </Table.Th>
                  <Table.Td ta="right" data-testid="count">
                    {m.totalCount > 0 ? (
                      <Badge color={colorOf(m.metricName)} variant="light" size="lg">
                        {nf.format(m.totalCount)}
                      </Badge>
                    ) : (
                      nf.format(0)
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{describeMetric(t, m).explain}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
          </Table.Tbody>
        </Table>
      </Section>
      <Section title={t('deliveries.stats.dimensions')}>
        {dimensionKeys.length === 0 ? (
          <Text c="dimmed">{t('deliveries.stats.dimensionsNone')}</Text>
        ) : (
          <Stack>
            <Text size="sm" c="dimmed">
              {t('deliveries.stats.dimensionNote')}
            </Text>
            {dimensionKeys.map((key) => (
              <DimensionBreakdown key={key} dimension={key} stats={stats.stats} nf={nf} />
            ))}
          </Stack>
        )}
      </Section>
      <Section title={t('deliveries.stats.table')}>
        <ScrollArea viewportProps={{ tabIndex: 0 }}>
          <Table striped withColumnBorders data-testid="stats-table">
            <Table.Caption>{t('deliveries.stats.tableCaption', { zone })}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('deliveries.stats.metric')}</Table.Th>
                <Table.Th ta="right">{t('deliveries.stats.total')}</Table.Th>
                {days.map((d) => (
                  <Table.Th key={d} ta="right">
                    <time dateTime={d}>{d}</time>
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {stats.stats.map((m) => (
                <Table.Tr key={`${m.metricType}:${m.metricName}`} data-metric={m.metricName} data-metric-type={m.metricType}>
                  <Table.Th scope="row" fw={500}>
                    {label(m)}{' '}
                    <Text span size="xs" c="dimmed" ff="monospace">
                      {m.metricType === 'conversion' ? `${t('deliveries.stats.conversion')}: ${m.metricName}` : m.metricName}
                    </Text>
                  </Table.Th>
                  <Table.Td ta="right" fw={700} data-testid="total">
                    {nf.format(m.totalCount)}
                  </Table.Td>
                  {days.map((d) => (
                    <Table.Td key={d} ta="right" data-day={d}>
                      {nf.format(countOn(m, d))}
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      </Section>
    </Stack>
  );
}

function DimensionBreakdown({ dimension, stats, nf }: { dimension: string; stats: MetricStats[]; nf: Intl.NumberFormat }) {
  const { t } = useTranslation();
  const withValues = stats
    .map((m) => ({ m, values: byDimensionValue(m, dimension) }))
    .filter((x) => [...x.values.values()].some((n) => n > 0) && x.m.metricName !== 'pending');
  const values = [...new Set(withValues.flatMap((x) => [...x.values.keys()]))].sort();
  const title = t('deliveries.stats.dimension', { key: dimension });
  if (values.length === 0)
    return (
      <div>
        <Title order={3} size="h5">
          {title}
        </Title>
        <Text c="dimmed" size="sm">
          {t('deliveries.stats.dimensionEmpty', { key: dimension })}
        </Text>
      </div>
    );
  const chartMetrics = withValues.slice(0, 4);
  const first = chartMetrics[0];
  return (
    <div>
      <Title order={3} size="h5" mb="xs">
        {title}
      </Title>
      <Stack>
        <div
          role="img"
          aria-label={t('deliveries.stats.dimensionLabel', {
            key: dimension,
            metric: describeMetric(t, first.m).label,
            values: values.map((v) => `${v} ${nf.format(first.values.get(v) ?? 0)}`).join(', '),
          })}
        >
          <BarChart
            h={200}
            maw={Math.max(320, values.length * chartMetrics.length * 48 + 120)}
            data={values.map((v) => ({ value: v, ...Object.fromEntries(chartMetrics.map((x) => [x.m.metricName, x.values.get(v) ?? 0])) }))}
            dataKey="value"
            withLegend
            series={chartMetrics.map((x, i) => ({ name: x.m.metricName, label: describeMetric(t, x.m).label, color: colorOf(x.m.metricName, i) }))}
          />
        </div>
        <ScrollArea viewportProps={{ tabIndex: 0 }}>
          <Table data-testid={`dimension-${dimension}`} aria-label={title}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('deliveries.stats.value')}</Table.Th>
                {withValues.map((x) => (
                  <Table.Th key={x.m.metricName} ta="right">
                    {describeMetric(t, x.m).label}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {values.map((v) => (
                <Table.Tr key={v} data-value={v}>
                  <Table.Th scope="row" ff="monospace" fw={500}>
                    {v}
                  </Table.Th>
                  {withValues.map((x) => (
                    <Table.Td key={x.m.metricName} ta="right" data-metric={x.m.metricName}>
                      {nf.format(x.values.get(v) ?? 0)}
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      </Stack>
    </div>
  );
}
