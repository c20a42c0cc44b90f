import { useMemo, useState } from 'react';
import { Alert, Anchor, Badge, Button, Group, Modal, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, QueryState } from '../../../components/query-state';
import { Time } from '../../../components/time';
import { useCurrentProject } from '../../../lib/project-context';
import { useActivity, useCampaigns, useSaveCampaign, useSetStatus, type Stored } from '../api/campaigns';
import { CHANNELS, DIRECT_PREFIX, fromStored, SEND_TIME_TYPES, STATUSES, toApi } from './campaign-model';
import { Sparkline } from './sparkline';
import { STATUS_COLORS } from './status-actions';

/**
 * Every campaign with its status, channel, send-time type, last send and a sparkline of sends per day (one request
 * for all rows: GET …/campaigns/activity), filtered in the page; duplicate (a new draft with the same document) and
 * archive.
 */
export function CampaignsList({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const list = useCampaigns(project.id);
  const activity = useActivity(project.id);
  const save = useSaveCampaign(project.id);
  const setStatus = useSetStatus(project.id);
  const [status, setStatusFilter] = useState<string | null>(null);
  const [channel, setChannel] = useState<string | null>(null);
  const [type, setType] = useState<string | null>(null);
  const [text, setText] = useState('');
  const [archive, setArchive] = useState<Stored | null>(null);
  const byId = useMemo(() => new Map((activity.data?.campaigns ?? []).map((a) => [a.campaign_id, a])), [activity.data]);
  const days = activity.data?.days ?? [];
  const rows = (list.data ?? []).filter(
    (c) =>
      (!status || c.status === status) &&
      (!channel || c.channel === channel) &&
      (!type || c.send_time.type === type) &&
      (!text.trim() || c.name.toLowerCase().includes(text.trim().toLowerCase()) || c.id.includes(text.trim())),
  );
  const duplicate = (c: Stored) =>
    save.mutate(
      { doc: { ...toApi(fromStored(c as unknown as Record<string, unknown>)), name: t('campaigns.list.copyName', { name: c.name }).slice(0, 200) } },
      { onSuccess: (n) => notifications.show({ color: 'green', message: t('campaigns.list.duplicated', { name: n.name }) }) },
    );
  return (
    <Stack>
      {canEdit && (
        <div>
          <Button component={Link} to={`/p/${project.id}/campaigns/new`}>
            {t('campaigns.create')}
          </Button>
        </div>
      )}
      <Group align="flex-end" gap="xs" role="search" aria-label={t('campaigns.list.filters')}>
        <Select
          label={t('campaigns.list.status')}
          placeholder={t('campaigns.list.any')}
          data={STATUSES.map((s) => ({ value: s, label: t(`campaigns.status.${s}`) }))}
          value={status}
          onChange={setStatusFilter}
          clearable
          w={150}
        />
        <Select
          label={t('campaigns.list.channel')}
          placeholder={t('campaigns.list.any')}
          data={CHANNELS.map((c) => ({ value: c, label: t(`campaigns.channel.${c}`) }))}
          value={channel}
          onChange={setChannel}
          clearable
          w={170}
        />
        <Select
          label={t('campaigns.list.sendTime')}
          placeholder={t('campaigns.list.any')}
          data={SEND_TIME_TYPES.map((s) => ({ value: s, label: t(`campaigns.sendTimeType.${s}`) }))}
          value={type}
          onChange={setType}
          clearable
          w={170}
        />
        <TextInput label={t('campaigns.list.text')} value={text} onChange={(e) => setText(e.currentTarget.value)} w={220} />
      </Group>
      {(save.error || setStatus.error) && <ErrorAlert error={save.error ?? setStatus.error} />}
      {activity.error && <ErrorAlert error={activity.error} />}
      <QueryState
        isPending={list.isPending}
        error={list.error}
        empty={rows.length === 0}
        emptyText={list.data?.length ? t('campaigns.list.noMatch') : t('campaigns.list.empty')}
      >
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('campaigns.field.name')}</Table.Th>
              <Table.Th>{t('campaigns.list.status')}</Table.Th>
              <Table.Th>{t('campaigns.list.channel')}</Table.Th>
              <Table.Th>{t('campaigns.list.sendTime')}</Table.Th>
              <Table.Th>{t('campaigns.list.lastSend')}</Table.Th>
              <Table.Th>{t('campaigns.list.sends', { days: days.length })}</Table.Th>
              <Table.Th>{t('common.actions')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((c) => {
              const a = byId.get(c.id);
              return (
                <Table.Tr key={c.id} data-campaign={c.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/p/${project.id}/campaigns/${c.id}`}>
                      {c.name}
                    </Anchor>
                    <Text size="xs" c="dimmed" ff="monospace">
                      {c.id}
                      {c.consent_class === 'advertising' ? ` · ${t('campaigns.consent.advertising')}` : ''}
                      {c.id.startsWith(DIRECT_PREFIX) ? ` · ${t('campaigns.direct.badge')}` : ''}
                    </Text>
                  </Table.Td>
                  <Table.Td miw={100}>
                    <Badge color={STATUS_COLORS[c.status]} variant="light" c="dark.8">
                      {t(`campaigns.status.${c.status}`)}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{t(`campaigns.channel.${c.channel}`)}</Table.Td>
                  <Table.Td>{t(`campaigns.sendTimeType.${c.send_time.type}`)}</Table.Td>
                  <Table.Td data-testid="last-send">
                    <Time value={a?.last_sent_at ?? null} />
                  </Table.Td>
                  <Table.Td>
                    <Sparkline days={days} values={a?.sends ?? days.map(() => 0)} />
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      <Button
                        size="xs"
                        variant="light"
                        component={Link}
                        to={`/p/${project.id}/campaigns/${c.id}/stats`}
                        aria-label={t('campaigns.list.statsNamed', { name: c.name })}
                      >
                        {t('campaigns.list.stats')}
                      </Button>
                      {canEdit && !c.id.startsWith(DIRECT_PREFIX) && (
                        <Button size="xs" variant="subtle" onClick={() => duplicate(c)} aria-label={t('campaigns.list.duplicateNamed', { name: c.name })}>
                          {t('campaigns.list.duplicate')}
                        </Button>
                      )}
                      {canEdit && c.status !== 'archived' && (
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          onClick={() => setArchive(c)}
                          aria-label={t('campaigns.list.archiveNamed', { name: c.name })}
                        >
                          {t('campaigns.status.do_archived')}
                        </Button>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </QueryState>
      <Modal opened={archive !== null} onClose={() => setArchive(null)} title={t('campaigns.status.confirm_archived', { name: archive?.name ?? '' })}>
        <Stack>
          <Alert color="red">{t('campaigns.status.archiveFinal')}</Alert>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setArchive(null)}>
              {t('common.cancel')}
            </Button>
            <Button
              color="red"
              loading={setStatus.isPending}
              onClick={() => archive && setStatus.mutate({ id: archive.id, status: 'archived' }, { onSettled: () => setArchive(null) })}
            >
              {t('campaigns.status.do_archived')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
