import { Card, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { BarChart } from '@mantine/charts';
import { useTranslation } from 'react-i18next';
import { QueryState } from '../../../components/query-state';
import { Time } from '../../../components/time';
import { useCurrentProject } from '../../../lib/project-context';
import { useOverview } from '../api/get-overview';

const FACE_COLORS: Record<string, string> = { dfinery: 'indigo.6', marketap: 'teal.6', notifly: 'orange.6' };

function Stat({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Card withBorder padding="md">
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
  const faces = o ? [...new Set(o.days.flatMap((d) => Object.keys(d.faces)).concat(Object.keys(o.today)))].sort() : [];
  const todayTotal = o ? Object.values(o.today).reduce((a, b) => a + b, 0) : 0;
  return (
    <QueryState isPending={q.isPending} error={q.error}>
      {o && (
        <Stack>
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
            <Stat label={t('overview.eventsToday')}>
              {nf.format(todayTotal)}
              <Text size="xs" c="dimmed">
                {faces.map((f) => `${f} ${nf.format(o.today[f] ?? 0)}`).join(' · ') || t('overview.noEvents')}
              </Text>
            </Stat>
            <Stat label={t('overview.lastEvent')}>
              <Text size="sm" fw={600}>
                {o.lastEventAt ? <Time value={o.lastEventAt} /> : t('overview.never')}
              </Text>
            </Stat>
            <Stat label={t('overview.profiles')}>{nf.format(o.profileCount)}</Stat>
            <Stat label={t('overview.messagesToday')}>{nf.format(o.messagesSentToday)}</Stat>
          </SimpleGrid>
          <Card withBorder>
            <Title order={2} size="h4" mb="sm">
              {t('overview.perDay', { zone: project.timezone })}
            </Title>
            {o.days.every((d) => Object.values(d.faces).every((n) => n === 0)) ? (
              <Text c="dimmed">{t('overview.noEvents')}</Text>
            ) : (
              <BarChart
                h={260}
                data={o.days.map((d) => ({ day: d.day.slice(5), ...Object.fromEntries(faces.map((f) => [f, d.faces[f] ?? 0])) }))}
                dataKey="day"
                type="stacked"
                withLegend
                series={faces.map((f) => ({ name: f, color: FACE_COLORS[f] ?? 'gray.6' }))}
                aria-label={t('overview.perDay', { zone: project.timezone })}
              />
            )}
          </Card>
          <Card withBorder>
            <Title order={2} size="h4" mb="sm">
              {t('overview.rejected')}
            </Title>
            {o.rejected.length === 0 ? (
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
                  {o.rejected.map((r, i) => (
                    <Table.Tr key={i}>
                      <Table.Td>
                        <Time value={r.at} />
                      </Table.Td>
                      <Table.Td>{r.face}</Table.Td>
                      <Table.Td>{r.code}</Table.Td>
                      <Table.Td>{r.reason}</Table.Td>
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
