import { useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../components/page-header';
import { QueryState } from '../../components/query-state';
import { useCurrentProject } from '../../lib/project-context';
import { useCampaignSummary } from '../../features/deliveries/api/get-campaign';
import { CampaignNav } from '../../features/deliveries/components/campaign-nav';
import { StatsPanel } from '../../features/deliveries/components/stats-panel';

export function CampaignStatsPage() {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const { campaignId = '' } = useParams();
  const c = useCampaignSummary(project.id, campaignId);
  return (
    <>
      <CampaignNav campaignId={campaignId} current="stats" />
      <PageHeader
        title={t('deliveries.stats.title', { name: c.data?.name ?? campaignId })}
        description={t('deliveries.stats.description', { zone: project.timezone })}
      />
      <QueryState isPending={c.isPending} error={c.error}>
        {c.data && <StatsPanel campaign={c.data} />}
      </QueryState>
    </>
  );
}
