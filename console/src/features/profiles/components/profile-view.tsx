import { useState } from 'react';
import { Badge, Button, Card, Code, Group, Modal, Progress, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, QueryState } from '../../../components/query-state';
import { Time } from '../../../components/time';
import { useCurrentProject } from '../../../lib/project-context';
import { useProfile } from '../api/get-profile';
import type { ProfileDetail } from '../api/types';
import { useDeleteProfile, useDeletionJob } from '../api/delete-profile';

const CONSENT_FLAGS = ['df_push_optin', 'df_push_ads_optin', 'df_push_night_ads_optin', 'df_sms_ads_optin', 'df_kakao_ads_optin', 'df_email_ads_optin'];

function typeOf(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? 'long' : 'double';
  return typeof v;
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="xs">
        {title}
      </Title>
      {children}
    </Card>
  );
}

export function ProfileView({ profileId, canDelete }: { profileId: string; canDelete: boolean }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const q = useProfile(project.id, profileId);
  const del = useDeleteProfile(project.id);
  const job = useDeletionJob(project.id, del.data?.id);
  const [confirm, setConfirm] = useState(false);
  const p = q.data ? toView(q.data) : undefined;
  const none = <Text c="dimmed">{t('common.none')}</Text>;
  const j = job.data ?? del.data;
  return (
    <QueryState isPending={q.isPending} error={q.error}>
      {p && (
        <Stack>
          <Group justify="space-between">
            <Text>
              {t('profiles.created')} <Time value={p.createdAt} /> · {t('profiles.updated')} <Time value={p.updatedAt} />
            </Text>
            {canDelete && (
              <Button color="red" variant="light" onClick={() => setConfirm(true)} disabled={del.isSuccess}>
                {t('profiles.delete')}
              </Button>
            )}
          </Group>
          {del.error && <ErrorAlert error={del.error} />}
          {j && (
            <Card withBorder role="status" aria-live="polite">
              <Text fw={600}>{t('profiles.deletion', { status: t(`profiles.jobStatus.${j.status}`) })}</Text>
              <Progress
                value={j.status === 'completed' ? 100 : j.status === 'running' ? 50 : j.status === 'failed' ? 100 : 10}
                color={j.status === 'failed' ? 'red' : 'blue'}
                aria-label={t('profiles.deletionProgress')}
                mt="xs"
              />
              {j.error && <Text c="red">{j.error}</Text>}
              {j.status === 'completed' && <Text size="sm">{t('profiles.deleted', { n: j.deleted })}</Text>}
            </Card>
          )}
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Section title={t('profiles.properties')}>
              {Object.keys(p.properties).length === 0 ? (
                none
              ) : (
                <Table>
                  <Table.Tbody>
                    {Object.entries(p.properties).map(([k, v]) => (
                      <Table.Tr key={k}>
                        <Table.Td ff="monospace">{k}</Table.Td>
                        <Table.Td>
                          <Code>{JSON.stringify(v)}</Code>
                        </Table.Td>
                        <Table.Td>
                          <Badge variant="light" color="gray">
                            {typeOf(v)}
                          </Badge>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </Section>
            <Stack>
              <Section title={t('profiles.identifiers')}>
                {p.identifiers.length === 0 ? (
                  none
                ) : (
                  <Table>
                    <Table.Tbody>
                      {p.identifiers.map((i) => (
                        <Table.Tr key={`${i.type}:${i.value}`}>
                          <Table.Td>{t(`identifiers.${i.type as 'email'}`, { defaultValue: i.type })}</Table.Td>
                          <Table.Td ff="monospace">{i.value}</Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                )}
              </Section>
              <Section title={t('profiles.consent')}>
                <Group gap="xs">
                  {CONSENT_FLAGS.map((f) => {
                    const on = p.consent ? p.consent[f] === true : p.properties[f] === true;
                    return (
                      <Badge key={f} color={on ? 'green' : 'gray'} variant="light" tt="none">
                        {f}: {on ? t('common.yes') : t('common.no')}
                      </Badge>
                    );
                  })}
                </Group>
              </Section>
              <Section title={t('profiles.merged')}>
                {!p.merged?.length
                  ? none
                  : p.merged.map((m) => (
                      <Text key={m.profileId} size="sm">
                        <Code>{m.profileId}</Code> · <Time value={m.mergedAt} />
                      </Text>
                    ))}
              </Section>
            </Stack>
          </SimpleGrid>
          <Section title={t('profiles.devices')}>
            {!p.devices?.length ? (
              none
            ) : (
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('profiles.deviceId')}</Table.Th>
                    <Table.Th>{t('profiles.platform')}</Table.Th>
                    <Table.Th>{t('profiles.pushToken')}</Table.Th>
                    <Table.Th>{t('profiles.updated')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {p.devices.map((d) => (
                    <Table.Tr key={d.id}>
                      <Table.Td ff="monospace">{d.id}</Table.Td>
                      <Table.Td>{d.platform}</Table.Td>
                      <Table.Td>{d.pushToken ? `${d.pushToken.slice(0, 12)}…` : d.pushTokenSet ? t('common.yes') : t('common.no')}</Table.Td>
                      <Table.Td>
                        <Time value={d.updatedAt} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Section>
          <Section title={t('profiles.recentEvents')}>
            {!p.recentEvents?.length ? (
              none
            ) : (
              <Table>
                <Table.Tbody>
                  {p.recentEvents.map((e, i) => (
                    <Table.Tr key={e.id ?? i}>
                      <Table.Td ff="monospace">{e.name}</Table.Td>
                      <Table.Td>
                        <Time value={e.occurredAt} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Section>
          <Modal opened={confirm} onClose={() => setConfirm(false)} title={t('profiles.delete')}>
            <Stack>
              <Text>{t('profiles.deleteConfirm', { id: p.id })}</Text>
              <Group justify="flex-end">
                <Button variant="default" onClick={() => setConfirm(false)}>
                  {t('common.cancel')}
                </Button>
                <Button color="red" loading={del.isPending} onClick={() => del.mutate(p.id, { onSettled: () => setConfirm(false) })}>
                  {t('profiles.deleteSubmit')}
                </Button>
              </Group>
            </Stack>
          </Modal>
        </Stack>
      )}
    </QueryState>
  );
}

/** The detail answer as the page shows it. */
function toView(d: ProfileDetail) {
  return {
    ...d.profile,
    identifiers: d.identifiers,
    consent: d.consent,
    merged: d.mergedProfiles.map((m) => ({ profileId: m.profileId, mergedAt: m.mergedAt })),
    devices: d.devices.map((x) => ({ id: x.deviceId, platform: x.platform, pushToken: x.pushToken, pushTokenSet: x.webPush, updatedAt: x.updatedAt })),
    recentEvents: d.recentEvents.map((e) => ({ id: e.eventKey, name: e.name, occurredAt: e.occurredAt })),
  };
}
