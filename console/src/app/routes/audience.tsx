import { Anchor } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../components/page-header';
import { useCurrentProject } from '../../lib/project-context';
import { AudienceEditor } from '../../features/audiences/components/audience-editor';

export function AudiencePage() {
  const { t } = useTranslation();
  const { project, role } = useCurrentProject();
  const { audienceId } = useParams();
  return (
    <>
      <Anchor component={Link} to={`/p/${project.id}/audiences`} size="sm">
        ← {t('audiences.title')}
      </Anchor>
      <PageHeader title={audienceId ? t('audiences.edit', { id: audienceId }) : t('audiences.create')} />
      <AudienceEditor key={audienceId ?? 'new'} audienceId={audienceId} canEdit={role === 'owner' || role === 'marketer'} />
    </>
  );
}
