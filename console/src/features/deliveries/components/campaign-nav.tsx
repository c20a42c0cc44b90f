import { Anchor, Group } from '@mantine/core';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useCurrentProject } from '../../../lib/project-context';

/** Links between a campaign's editor, statistics and deliveries (the current one marked). */
export function CampaignNav({ campaignId, current }: { campaignId: string; current: 'stats' | 'deliveries' }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const base = `/p/${project.id}/campaigns/${encodeURIComponent(campaignId)}`;
  const link = (to: string, label: string, active: boolean) => (
    <Anchor component={Link} to={to} size="sm" fw={active ? 700 : 400} aria-current={active ? 'page' : undefined} underline={active ? 'always' : 'hover'}>
      {label}
    </Anchor>
  );
  return (
    <Group gap="md" mb="sm" component="nav" aria-label={t('deliveries.backToCampaign')}>
      {link(base, `← ${t('deliveries.backToCampaign')}`, false)}
      {link(`${base}/stats`, t('deliveries.tabs.stats'), current === 'stats')}
      {link(`${base}/deliveries`, t('deliveries.tabs.deliveries'), current === 'deliveries')}
    </Group>
  );
}
