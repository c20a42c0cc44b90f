import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../components/page-header';
import { useCurrentProject } from '../../lib/project-context';
import { AudiencesList } from '../../features/audiences/components/audiences-list';

export function AudiencesPage() {
  const { t } = useTranslation();
  const { role } = useCurrentProject();
  return (
    <>
      <PageHeader title={t('audiences.title')} description={t('audiences.descriptionText')} />
      <AudiencesList canEdit={role === 'owner' || role === 'marketer'} />
    </>
  );
}
