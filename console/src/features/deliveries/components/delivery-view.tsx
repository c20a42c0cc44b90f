import { Anchor, Card, Code, SimpleGrid, Stack, Table, Text, Timeline, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { QueryState } from '../../../components/query-state';
import { Time } from '../../../components/time';
import { useCurrentProject } from '../../../lib/project-context';
import { useDelivery } from '../api/get-delivery';
import { useAlimtalkTemplates } from '../api/list-outbox';
import type { Delivery } from '../api/types';
import { StateBadge } from './deliveries-table';
import { MessagePreview } from './message-preview';

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Card withBorder component="section" aria-label={title}>
      <Title order={2} size="h4" mb="xs">
        {title}
      </Title>
      {children}
    </Card>
  );
}

/** The steps maru keeps the time of, in order; a step that did not happen is left out. */
function historyOf(d: Delivery, t: (k: string, o?: Record<string, unknown>) => string) {
  const steps: { label: string; at: string | null }[] = [
    { label: t('deliveries.detail.steps.created'), at: d.created_at },
    { label: t('deliveries.detail.steps.due'), at: d.run_at !== d.created_at ? d.run_at : null },
    { label: t('deliveries.detail.steps.sending'), at: d.sending_at },
    { label: t('deliveries.detail.steps.finished', { state: t(`deliveries.states.${d.state}`) }), at: d.finished_at },
    { label: t('deliveries.detail.steps.delivered'), at: d.delivered_at },
    { label: t('deliveries.detail.steps.opened'), at: d.opened_at },
    { label: t('deliveries.detail.steps.clicked'), at: d.clicked_at },
    { label: t('deliveries.detail.steps.converted'), at: d.converted_at },
  ];
  return steps.filter((s): s is { label: string; at: string } => s.at !== null);
}

export function DeliveryView({ deliveryId }: { deliveryId: string }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const q = useDelivery(project.id, deliveryId);
  const templates = useAlimtalkTemplates(project.id);
  const d = q.data;
  const buttonsOf = (code: string) => templates.data?.find((x) => x.templateCode === code)?.buttons;
  const rendered = d?.rendered as { message?: Record<string, unknown>; failover?: Record<string, unknown> } | null | undefined;
  const json = (v: unknown) => (
    <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
      {JSON.stringify(v, null, 2)}
    </Code>
  );
  return (
    <QueryState isPending={q.isPending} error={q.error}>
      {d && (
        <Stack>
          <SimpleGrid cols={{ base: 1, lg: 2 }}>
            <Section title={t('deliveries.detail.summary')}>
              <Table data-testid="delivery-summary">
                <Table.Tbody>
                  <Field label={t('deliveries.detail.fields.state')}>
                    <StateBadge state={d.state} />
                  </Field>
                  <Field label={t('deliveries.detail.fields.metric')}>{d.metric ? <Code>{d.metric}</Code> : '—'}</Field>
                  <Field label={t('deliveries.detail.fields.reason')}>{d.reason ?? '—'}</Field>
                  <Field label={t('deliveries.detail.fields.attempts')}>{d.attempts}</Field>
                  <Field label={t('deliveries.detail.fields.provider')}>{d.provider ?? '—'}</Field>
                  <Field label={t('deliveries.detail.fields.providerMessageId')}>{d.provider_message_id ? <Code>{d.provider_message_id}</Code> : '—'}</Field>
                  <Field label={t('deliveries.detail.fields.channel')}>{d.channel}</Field>
                  <Field label={t('deliveries.detail.fields.trigger')}>{d.trigger}</Field>
                  <Field label={t('deliveries.detail.fields.campaign')}>
                    <Anchor component={Link} to={`/p/${project.id}/campaigns/${encodeURIComponent(d.campaign_id)}/deliveries`} ff="monospace" size="sm">
                      {d.campaign_id}
                    </Anchor>
                  </Field>
                  <Field label={t('deliveries.detail.fields.recipient')}>
                    {d.recipient.type}: <Code>{d.recipient.value}</Code>
                  </Field>
                  <Field label={t('deliveries.detail.fields.address')}>
                    <Text size="sm" ff="monospace" style={{ wordBreak: 'break-all' }}>
                      {d.address ?? '—'}
                    </Text>
                  </Field>
                  <Field label={t('deliveries.detail.fields.profile')}>
                    {d.profile_id ? (
                      <Anchor component={Link} to={`/p/${project.id}/profiles/${encodeURIComponent(d.profile_id)}`} ff="monospace" size="sm">
                        {d.profile_id}
                      </Anchor>
                    ) : (
                      '—'
                    )}
                  </Field>
                  {d.parent_id && (
                    <Field label={t('deliveries.detail.fields.parent')}>
                      <Anchor component={Link} to={`/p/${project.id}/deliveries/${encodeURIComponent(d.parent_id)}`} ff="monospace" size="sm">
                        {d.parent_id}
                      </Anchor>
                    </Field>
                  )}
                  <Field label={t('deliveries.detail.fields.dimensions')}>{d.dimensions ? <Code>{JSON.stringify(d.dimensions)}</Code> : '—'}</Field>
                  <Field label={t('deliveries.detail.fields.eventParams')}>
                    <Code>{JSON.stringify(d.event_params)}</Code>
                  </Field>
                  <Field label={t('deliveries.detail.fields.idempotencyKey')}>
                    <Text size="xs" ff="monospace" style={{ wordBreak: 'break-all' }}>
                      {d.idempotency_key}
                    </Text>
                  </Field>
                </Table.Tbody>
              </Table>
            </Section>
            <Stack>
              <Section title={t('deliveries.detail.history')}>
                <Timeline bulletSize={14} lineWidth={2} active={99}>
                  {historyOf(d, t as never).map((s) => (
                    <Timeline.Item key={s.label} title={s.label}>
                      <Text size="xs" c="dimmed">
                        <Time value={s.at} />
                      </Text>
                    </Timeline.Item>
                  ))}
                </Timeline>
                <Text size="xs" c="dimmed" mt="sm">
                  {t('deliveries.detail.historyNote')}
                </Text>
              </Section>
              <Section title={t('deliveries.detail.providerResponse')}>
                {d.provider_response ? json(d.provider_response) : <Text c="dimmed">{t('deliveries.detail.none')}</Text>}
              </Section>
            </Stack>
          </SimpleGrid>
          <Section title={t('deliveries.detail.message')}>
            {rendered?.message ? (
              <SimpleGrid cols={{ base: 1, lg: 2 }}>
                <MessagePreview channel={d.channel} message={rendered.message} recipient={d.address} kakaoButtons={buttonsOf} />
                {json(rendered.message)}
              </SimpleGrid>
            ) : (
              <Text c="dimmed">{t('deliveries.detail.noMessage')}</Text>
            )}
            {rendered?.failover && (
              <Stack mt="md">
                <Title order={3} size="h5">
                  {t('deliveries.detail.failover')}
                </Title>
                <MessagePreview channel="text_message" message={rendered.failover} recipient={d.address} />
              </Stack>
            )}
          </Section>
        </Stack>
      )}
    </QueryState>
  );
}

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Table.Tr>
      <Table.Th scope="row" w={180}>
        {label}
      </Table.Th>
      <Table.Td>{children}</Table.Td>
    </Table.Tr>
  );
}
