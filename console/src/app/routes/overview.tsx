import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../components/page-header';
import { useCurrentProject } from '../../lib/project-context';
import { OverviewPanel } from '../../features/overview/components/overview-panel';

export function OverviewPage() {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  return (
    <>
      <PageHeader title={t('overview.title', { name: project.name })} description={t('common.zone', { zone: project.timezone })} />
      <OverviewPanel />
    </>
  );
}
