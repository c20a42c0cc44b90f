import { Anchor } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../components/page-header';
import { useCurrentProject } from '../../lib/project-context';
import { useDelivery } from '../../features/deliveries/api/get-delivery';
import { DeliveryView } from '../../features/deliveries/components/delivery-view';

export function DeliveryPage() {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const { deliveryId = '' } = useParams();
  const d = useDelivery(project.id, deliveryId);
  return (
    <>
      {d.data && (
        <Anchor component={Link} to={`/p/${project.id}/campaigns/${encodeURIComponent(d.data.campaign_id)}/deliveries`} size="sm">
          ← {t('deliveries.backToDeliveries')}
        </Anchor>
      )}
      <PageHeader title={t('deliveries.detail.title', { id: deliveryId })} />
      <DeliveryView deliveryId={deliveryId} />
    </>
  );
}
