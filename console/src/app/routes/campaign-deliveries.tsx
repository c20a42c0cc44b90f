import { useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../components/page-header';
import { useCurrentProject } from '../../lib/project-context';
import { useCampaignSummary } from '../../features/deliveries/api/get-campaign';
import { CampaignDeliveriesPanel } from '../../features/deliveries/components/campaign-deliveries-panel';
import { CampaignNav } from '../../features/deliveries/components/campaign-nav';

export function CampaignDeliveriesPage() {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const { campaignId = '' } = useParams();
  const c = useCampaignSummary(project.id, campaignId);
  return (
    <>
      <CampaignNav campaignId={campaignId} current="deliveries" />
      <PageHeader title={t('deliveries.list.title', { name: c.data?.name ?? campaignId })} description={t('deliveries.list.description')} />
      <CampaignDeliveriesPanel campaignId={campaignId} />
    </>
  );
}
