import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../components/page-header';
import { ProjectsList } from '../../features/projects/components/projects-list';
import { useSession } from '../../features/auth/api/get-session';

export function ProjectsPage() {
  const { t } = useTranslation();
  const session = useSession();
  return (
    <>
      <PageHeader title={t('projects.title')} description={t('projects.description')} />
      <ProjectsList canCreate={session.data?.user.instanceOwner === true} />
    </>
  );
}
