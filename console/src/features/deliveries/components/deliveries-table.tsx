import { Anchor, Badge, Code, ScrollArea, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Time } from '../../../components/time';
import { useCurrentProject } from '../../../lib/project-context';
import type { Delivery, DeliveryState } from '../api/types';

const STATE_COLORS: Record<DeliveryState, string> = {
  pending: 'blue',
  rendering: 'blue',
  sending: 'cyan',
  sent: 'teal',
  failed: 'red',
  skipped: 'yellow',
  cancelled: 'gray',
};

export function StateBadge({ state }: { state: DeliveryState }) {
  const { t } = useTranslation();
  return (
    <Badge color={STATE_COLORS[state]} variant="light">
      {t(`deliveries.states.${state}`)}
    </Badge>
  );
}

/** The provider's answer in one line (its JSON, cut short; the delivery page shows it whole). */
export const responseSummary = (r: Delivery['provider_response']) => (r ? JSON.stringify(r).slice(0, 120) : '—');

/** Deliveries with state, reason, provider response and attempts; each links to its page. */
export function DeliveriesTable({ deliveries, show }: { deliveries: Delivery[]; show: 'campaign' | 'recipient' }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  return (
    <ScrollArea viewportProps={{ tabIndex: 0 }}>
      <Table striped data-testid="deliveries">
        <Table.Caption>{t('deliveries.list.caption')}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('deliveries.list.delivery')}</Table.Th>
            <Table.Th>{t('deliveries.list.created')}</Table.Th>
            <Table.Th>{show === 'campaign' ? t('deliveries.list.campaign') : t('deliveries.list.recipient')}</Table.Th>
            <Table.Th>{t('deliveries.list.channel')}</Table.Th>
            <Table.Th>{t('deliveries.list.state')}</Table.Th>
            <Table.Th>{t('deliveries.list.reason')}</Table.Th>
            <Table.Th>{t('deliveries.list.providerResponse')}</Table.Th>
            <Table.Th ta="right">{t('deliveries.list.attempts')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {deliveries.map((d) => (
            <Table.Tr key={d.id} data-delivery={d.id} data-state={d.state}>
              <Table.Td>
                <Anchor component={Link} to={`/p/${project.id}/deliveries/${encodeURIComponent(d.id)}`} size="sm" ff="monospace">
                  {d.id}
                </Anchor>
              </Table.Td>
              <Table.Td>
                <Time value={d.created_at} />
              </Table.Td>
              <Table.Td>
                {show === 'campaign' ? (
                  <Anchor component={Link} to={`/p/${project.id}/campaigns/${encodeURIComponent(d.campaign_id)}/deliveries`} ff="monospace" size="sm">
                    {d.campaign_id}
                  </Anchor>
                ) : (
                  <Text size="sm" ff="monospace" style={{ wordBreak: 'break-all' }}>
                    {d.address ?? d.recipient.value}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{d.channel}</Table.Td>
              <Table.Td miw={100}>
                <StateBadge state={d.state} />
              </Table.Td>
              <Table.Td>
                <Text size="sm">{d.reason ?? '—'}</Text>
                {d.metric && (
                  <Text size="xs" c="dimmed" ff="monospace">
                    {d.metric}
                  </Text>
                )}
              </Table.Td>
              <Table.Td maw={240}>
                <Text size="xs" lineClamp={2}>
                  <Code>{responseSummary(d.provider_response)}</Code>
                </Text>
              </Table.Td>
              <Table.Td ta="right">{d.attempts}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea>
  );
}
