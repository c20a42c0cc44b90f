import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../components/page-header';

/** Placeholder until issue 16 lands this page (replaced by the page itself; must not survive the merge). */
export function CampaignDeliveriesPage() {
  const { t } = useTranslation();
  return <PageHeader title={t('deliveries.title')} />;
}
