import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../components/page-header';
import { OutboxPanel } from '../../features/deliveries/components/outbox-panel';

export function OutboxPage() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t('deliveries.outbox.title')} description={t('deliveries.outbox.description')} />
      <OutboxPanel />
    </>
  );
}
