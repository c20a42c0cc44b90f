import { useState } from 'react';
import { Alert, Badge, Button, Card, Group, List, Loader, Modal, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../../components/query-state';
import { useCurrentProject } from '../../../lib/project-context';
import { useReach, useSendTest, useSetStatus, type Stored } from '../api/campaigns';
import { TRANSITIONS } from './campaign-model';
import { ProfilePicker, parseParams, type Recipient } from './profile-picker';

export const STATUS_COLORS = { draft: 'gray', active: 'green', paused: 'yellow', archived: 'dark' } as const;

/**
 * Activate, pause, archive: only the moves docs/campaigns.md allows from the current status have a button; a refusal
 * of the API (a role, a scheduled time in the past, ...) is shown in plain words. Activating first shows how many
 * people it reaches now (GET …/reach).
 */
export function StatusActions({ campaign, canEdit }: { campaign: Stored; canEdit: boolean }) {
  const { t, i18n } = useTranslation();
  const { project } = useCurrentProject();
  const setStatus = useSetStatus(project.id);
  const [confirm, setConfirm] = useState<'active' | 'paused' | 'archived' | null>(null);
  const reach = useReach(project.id, campaign.id, confirm === 'active');
  const nf = new Intl.NumberFormat(i18n.language);
  const allowed = TRANSITIONS[campaign.status];
  const run = (status: 'active' | 'paused' | 'archived') =>
    setStatus.mutate(
      { id: campaign.id, status },
      {
        onSuccess: (c) => notifications.show({ color: 'green', message: t(`campaigns.status.changed_${c.status}`, { name: c.name }) }),
        onSettled: () => setConfirm(null),
      },
    );
  return (
    <Stack gap="xs">
      <Group gap="xs">
        <Text size="sm">{t('campaigns.status.label')}</Text>
        <Badge color={STATUS_COLORS[campaign.status]} variant="light" c="dark.8" data-testid="campaign-status">
          {t(`campaigns.status.${campaign.status}`)}
        </Badge>
        {allowed.map((s) => (
          <Button
            key={s}
            size="xs"
            variant={s === 'active' ? 'filled' : 'light'}
            color={s === 'archived' ? 'red' : s === 'paused' ? 'yellow' : undefined}
            disabled={!canEdit}
            title={canEdit ? undefined : t('campaigns.status.needsRole')}
            onClick={() => setConfirm(s)}
          >
            {t(`campaigns.status.do_${s}`)}
          </Button>
        ))}
      </Group>
      {!canEdit && allowed.length > 0 && (
        <Text size="xs" c="dimmed">
          {t('campaigns.status.needsRole')}
        </Text>
      )}
      {setStatus.error && <ErrorAlert error={setStatus.error} title={t('campaigns.status.refused')} />}
      <Modal
        opened={confirm !== null}
        onClose={() => setConfirm(null)}
        title={confirm ? t(`campaigns.status.confirm_${confirm}`, { name: campaign.name }) : ''}
      >
        <Stack>
          {confirm === 'active' &&
            (reach.isPending ? (
              <Group aria-busy="true">
                <Loader size="xs" role="status" aria-label={t('common.loading')} />
                <Text size="sm">{t('campaigns.reach.counting')}</Text>
              </Group>
            ) : reach.error ? (
              <ErrorAlert error={reach.error} />
            ) : reach.data ? (
              <Stack gap={4} data-testid="reach">
                <Text fw={600}>
                  {t(reach.data.send_time_type === 'scheduled' ? 'campaigns.reach.scheduled' : 'campaigns.reach.now', {
                    count: reach.data.reachable,
                    formatted: nf.format(reach.data.reachable),
                  })}
                </Text>
                <List size="sm">
                  <List.Item>{t('campaigns.reach.profiles', { count: reach.data.profiles })}</List.Item>
                  <List.Item>{t('campaigns.reach.withoutAddress', { count: reach.data.without_address })}</List.Item>
                  <List.Item>{t('campaigns.reach.excluded', { count: reach.data.excluded })}</List.Item>
                  {campaign.consent_class === 'advertising' && (
                    <List.Item>{t('campaigns.reach.withoutConsent', { count: reach.data.without_consent })}</List.Item>
                  )}
                </List>
                <Text size="xs" c="dimmed">
                  {t(`campaigns.reach.note_${reach.data.send_time_type as 'api' | 'event' | 'scheduled'}`)}
                </Text>
              </Stack>
            ) : null)}
          {confirm === 'archived' && <Alert color="red">{t('campaigns.status.archiveFinal')}</Alert>}
          {confirm === 'paused' && <Text size="sm">{t('campaigns.status.pauseHelp')}</Text>}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirm(null)}>
              {t('common.cancel')}
            </Button>
            <Button
              loading={setStatus.isPending}
              disabled={confirm === 'active' && reach.isPending}
              color={confirm === 'archived' ? 'red' : undefined}
              onClick={() => confirm && run(confirm)}
            >
              {confirm ? t(`campaigns.status.do_${confirm}`) : ''}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

/** One message of the campaign to one profile, now (POST …/test): rendered and filtered like any send. */
export function TestSend({ campaign }: { campaign: Stored }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const send = useSendTest(project.id);
  const [who, setWho] = useState<Recipient>({ type: 'external_id', value: '' });
  const [paramsText, setParamsText] = useState('{}');
  const params = parseParams(paramsText);
  return (
    <Card withBorder component="section" aria-labelledby="test-send-title">
      <Title order={2} size="h5" id="test-send-title" mb="xs">
        {t('campaigns.test.title')}
      </Title>
      <Stack gap="xs">
        <Text size="xs" c="dimmed">
          {t('campaigns.test.help')}
        </Text>
        <ProfilePicker
          idPrefix="test"
          value={who}
          onChange={setWho}
          params={paramsText}
          onParamsChange={setParamsText}
          paramsError={params.ok ? null : t('campaigns.picker.paramsInvalid', { reason: params.error })}
        />
        {send.error && <ErrorAlert error={send.error} />}
        {send.data && (
          <Alert color={send.data.unreachable > 0 ? 'yellow' : 'green'} role="status">
            {send.data.unreachable > 0 ? t('campaigns.test.noAddress') : t('campaigns.test.sent', { id: send.data.request_id })}
          </Alert>
        )}
        <div>
          <Button
            size="xs"
            disabled={!who.value.trim() || !params.ok}
            loading={send.isPending}
            onClick={() => params.ok && send.mutate({ id: campaign.id, identifier: { type: who.type, value: who.value.trim() }, event_params: params.value })}
          >
            {t('campaigns.test.send')}
          </Button>
        </div>
      </Stack>
    </Card>
  );
}
