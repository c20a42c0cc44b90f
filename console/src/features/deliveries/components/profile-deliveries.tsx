import { Card, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Pager, usePager } from '../../../components/pager';
import { QueryState } from '../../../components/query-state';
import { ApiError } from '../../../lib/api-client';
import { useCurrentProject } from '../../../lib/project-context';
import { useProfileDeliveries } from '../api/list-profile-deliveries';
import { DeliveriesTable } from './deliveries-table';

/** The profile page's section of the messages sent to that profile, across campaigns, paged on the server. */
export function ProfileDeliveries({ profileId }: { profileId: string }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const pager = usePager();
  const q = useProfileDeliveries(project.id, profileId, pager.cursor);
  // A profile deleted from its own page is gone: its section says there is nothing, not an error.
  const gone = q.error instanceof ApiError && q.error.status === 404;
  return (
    <Card withBorder component="section" aria-label={t('deliveries.profile.title')} mt="md">
      <Title order={2} size="h4" mb="xs">
        {t('deliveries.profile.title')}
      </Title>
      <QueryState
        isPending={q.isPending}
        error={gone ? null : q.error}
        empty={gone || q.data?.deliveries.length === 0}
        emptyText={t('deliveries.profile.empty')}
      >
        <DeliveriesTable deliveries={q.data?.deliveries ?? []} show="campaign" />
        <Pager pager={pager} next={q.data?.next} />
      </QueryState>
    </Card>
  );
}
