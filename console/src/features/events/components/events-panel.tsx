import { useState } from 'react';
import { Anchor, Button, Card, Code, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { DateTimePicker } from '@mantine/dates';
import { useForm } from '@mantine/form';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { QueryState } from '../../../components/query-state';
import { Pager, usePager } from '../../../components/pager';
import { DayChart } from '../../../components/day-chart';
import { Time } from '../../../components/time';
import { useCurrentProject } from '../../../lib/project-context';
import { zonedToInstant } from '../../../lib/time';
import { useEventCounts, useEvents, type EventFilter } from '../api/list-events';

export function EventsPanel() {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const [filter, setFilter] = useState<EventFilter>({});
  const pager = usePager();
  const events = useEvents(project.id, filter, pager.cursor);
  const counts = useEventCounts(project.id, filter);
  const form = useForm<{ name: string; profile: string; from: string | null; to: string | null }>({
    initialValues: { name: '', profile: '', from: null, to: null },
    validate: { to: (v, all) => (v && all.from && v < all.from ? t('events.toBeforeFrom') : null) },
  });
  return (
    <Stack>
      <form
        noValidate
        onSubmit={form.onSubmit((v) => {
          pager.reset();
          setFilter({
            name: v.name.trim() || undefined,
            profileId: v.profile.trim() || undefined,
            from: v.from ? zonedToInstant(v.from, project.timezone) : undefined,
            to: v.to ? zonedToInstant(v.to, project.timezone) : undefined,
          });
        })}
      >
        <Group align="flex-end">
          <TextInput label={t('events.name')} placeholder="df_purchase" {...form.getInputProps('name')} />
          <TextInput label={t('events.profile')} {...form.getInputProps('profile')} />
          <DateTimePicker label={t('events.from', { zone: project.timezone })} clearable valueFormat="YYYY-MM-DD HH:mm" {...form.getInputProps('from')} />
          <DateTimePicker label={t('events.to', { zone: project.timezone })} clearable valueFormat="YYYY-MM-DD HH:mm" {...form.getInputProps('to')} />
          <Button type="submit">{t('events.apply')}</Button>
        </Group>
      </form>
      <Card withBorder>
        <Title order={2} size="h4" mb="xs">
          {t('events.perDay', { zone: project.timezone })}
        </Title>
        <QueryState isPending={counts.isPending} error={counts.error} empty={!counts.data?.days.some((d) => d.count > 0)} emptyText={t('events.empty')}>
          <DayChart title={t('events.perDay', { zone: project.timezone })} days={counts.data?.days ?? []} height={200} />
        </QueryState>
      </Card>
      <QueryState isPending={events.isPending} error={events.error} empty={events.data?.items.length === 0} emptyText={t('events.empty')}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('common.time')}</Table.Th>
              <Table.Th>{t('events.name')}</Table.Th>
              <Table.Th>{t('events.profile')}</Table.Th>
              <Table.Th>{t('events.properties')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {events.data?.items.map((e) => (
              <Table.Tr key={e.eventKey}>
                <Table.Td>
                  <Time value={e.occurredAt} />
                </Table.Td>
                <Table.Td ff="monospace">{e.name}</Table.Td>
                <Table.Td>
                  {e.profileId ? (
                    <Anchor component={Link} to={`/p/${project.id}/profiles/${encodeURIComponent(e.profileId)}`} ff="monospace" size="sm">
                      {e.profileId}
                    </Anchor>
                  ) : (
                    '—'
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="xs" lineClamp={2}>
                    <Code>{JSON.stringify(e.properties ?? {})}</Code>
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Pager pager={pager} next={events.data?.next} />
      </QueryState>
    </Stack>
  );
}
