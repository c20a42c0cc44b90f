import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../components/page-header';
import { useCurrentProject } from '../../lib/project-context';
import { CampaignsList } from '../../features/campaigns/components/campaigns-list';

export function CampaignsPage() {
  const { t } = useTranslation();
  const { role } = useCurrentProject();
  return (
    <>
      <PageHeader title={t('campaigns.title')} description={t('campaigns.description')} />
      <CampaignsList canEdit={role === 'owner' || role === 'marketer'} />
    </>
  );
}
