import { Alert, Anchor, Button, Stack } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../components/page-header';
import { QueryState } from '../../components/query-state';
import { useCurrentProject } from '../../lib/project-context';
import { useCampaign } from '../../features/campaigns/api/campaigns';
import { CampaignEditor } from '../../features/campaigns/components/campaign-editor';
import { StatusActions, TestSend } from '../../features/campaigns/components/status-actions';
import { DIRECT_PREFIX } from '../../features/campaigns/components/campaign-model';

export function CampaignPage() {
  const { t } = useTranslation();
  const { project, role } = useCurrentProject();
  const { campaignId } = useParams();
  const canEdit = role === 'owner' || role === 'marketer';
  const campaign = useCampaign(project.id, campaignId);
  const back = (
    <Anchor component={Link} to={`/p/${project.id}/campaigns`} size="sm">
      ← {t('campaigns.title')}
    </Anchor>
  );
  if (!campaignId)
    return (
      <>
        {back}
        <PageHeader title={t('campaigns.create')} description={t('campaigns.createHelp')} />
        <CampaignEditor canEdit={canEdit} />
      </>
    );
  return (
    <>
      {back}
      <QueryState isPending={campaign.isPending} error={campaign.error}>
        {campaign.data && (
          <>
            <PageHeader
              title={t('campaigns.edit', { name: campaign.data.name })}
              actions={
                <Button size="xs" variant="light" component={Link} to={`/p/${project.id}/campaigns/${campaignId}/stats`}>
                  {t('campaigns.list.stats')}
                </Button>
              }
            />
            <Stack>
              <StatusActions campaign={campaign.data} canEdit={canEdit} />
              {campaign.data.id.startsWith(DIRECT_PREFIX) ? (
                <Alert color="blue" title={t('campaigns.direct.title')}>
                  {t('campaigns.direct.help')}
                </Alert>
              ) : (
                <CampaignEditor
                  key={campaignId}
                  campaign={campaign.data}
                  canEdit={canEdit}
                  aside={canEdit && (campaign.data.status === 'draft' || campaign.data.status === 'active') && <TestSend campaign={campaign.data} />}
                />
              )}
            </Stack>
          </>
        )}
      </QueryState>
    </>
  );
}
