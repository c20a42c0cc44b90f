import { useState } from 'react';
import { Group, Select, Stack } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Pager, usePager } from '../../../components/pager';
import { QueryState } from '../../../components/query-state';
import { useCurrentProject } from '../../../lib/project-context';
import { useCampaignDeliveries } from '../api/list-campaign-deliveries';
import { DELIVERY_STATES, type DeliveryState } from '../api/types';
import { DeliveriesTable } from './deliveries-table';

/** A campaign's deliveries, newest first, filtered by state and paged on the server. */
export function CampaignDeliveriesPanel({ campaignId }: { campaignId: string }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const [state, setState] = useState<DeliveryState | undefined>(undefined);
  const pager = usePager();
  const q = useCampaignDeliveries(project.id, campaignId, state, pager.cursor);
  return (
    <Stack>
      <Group>
        <Select
          label={t('deliveries.list.state')}
          data={[{ value: '', label: t('deliveries.list.allStates') }, ...DELIVERY_STATES.map((s) => ({ value: s, label: t(`deliveries.states.${s}`) }))]}
          value={state ?? ''}
          allowDeselect={false}
          onChange={(v) => {
            pager.reset();
            setState(v ? (v as DeliveryState) : undefined);
          }}
        />
      </Group>
      <QueryState isPending={q.isPending} error={q.error} empty={q.data?.deliveries.length === 0} emptyText={t('deliveries.list.empty')}>
        <DeliveriesTable deliveries={q.data?.deliveries ?? []} show="recipient" />
        <Pager pager={pager} next={q.data?.next} />
      </QueryState>
    </Stack>
  );
}
