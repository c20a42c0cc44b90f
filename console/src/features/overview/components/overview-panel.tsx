import { Card, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { QueryState } from '../../../components/query-state';
import { DayChart } from '../../../components/day-chart';
import { Time } from '../../../components/time';
import { useCurrentProject } from '../../../lib/project-context';
import { useOverview } from '../api/get-overview';

function Stat({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Card withBorder padding="md" role="group" aria-label={label}>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text size="xl" fw={700} component="div">
        {children}
      </Text>
    </Card>
  );
}

export function OverviewPanel() {
  const { t, i18n } = useTranslation();
  const { project } = useCurrentProject();
  const q = useOverview(project.id);
  const nf = new Intl.NumberFormat(i18n.language);
  const o = q.data;
  const faces = o ? Object.keys(o.eventsToday.byFace).sort() : [];
  const todayTotal = o?.eventsToday.total ?? 0;
  return (
    <QueryState isPending={q.isPending} error={q.error}>
      {o && (
        <Stack>
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
            <Stat label={t('overview.eventsToday')}>
              {nf.format(todayTotal)}
              <Text size="xs" c="dimmed">
                {faces.map((f) => `${f} ${nf.format(o.eventsToday.byFace[f] ?? 0)}`).join(' · ') || t('overview.noEvents')}
              </Text>
            </Stat>
            <Stat label={t('overview.lastEvent')}>
              {o.lastEvent ? (
                <>
                  <Text size="sm" fw={600} ff="monospace">
                    {o.lastEvent.name}
                  </Text>
                  <Text size="xs">
                    <Time value={o.lastEvent.occurredAt} />
                  </Text>
                </>
              ) : (
                <Text size="sm">{t('overview.never')}</Text>
              )}
            </Stat>
            <Stat label={t('overview.profiles')}>{nf.format(o.profileCount)}</Stat>
            <Stat label={t('overview.messagesToday')}>{nf.format(o.messagesSentToday)}</Stat>
          </SimpleGrid>
          <Card withBorder>
            <Title order={2} size="h4" mb="sm">
              {t('overview.perDay', { zone: project.timezone })}
            </Title>
            {o.eventsPerDay.every((d) => d.count === 0) ? (
              <Text c="dimmed">{t('overview.noEvents')}</Text>
            ) : (
              <DayChart title={t('overview.perDay', { zone: project.timezone })} days={o.eventsPerDay} height={260} />
            )}
          </Card>
          <Card withBorder>
            <Title order={2} size="h4" mb="sm">
              {t('overview.rejected')}
            </Title>
            {o.latestRejected.length === 0 ? (
              <Text c="dimmed">{t('overview.noRejected')}</Text>
            ) : (
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('common.time')}</Table.Th>
                    <Table.Th>{t('overview.face')}</Table.Th>
                    <Table.Th>{t('overview.code')}</Table.Th>
                    <Table.Th>{t('overview.reason')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {o.latestRejected.map((r) => (
                    <Table.Tr key={r.id}>
                      <Table.Td>
                        <Time value={r.at} />
                      </Table.Td>
                      <Table.Td ff="monospace">
                        {r.method} {r.route}
                      </Table.Td>
                      <Table.Td>{r.code}</Table.Td>
                      <Table.Td>
                        {r.message}
                        {r.field ? ` (${r.field})` : ''}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Card>
        </Stack>
      )}
    </QueryState>
  );
}
