import { Anchor } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../components/page-header';
import { useCurrentProject } from '../../lib/project-context';
import { ProfileView } from '../../features/profiles/components/profile-view';
import { ProfileDeliveries } from '../../features/deliveries/components/profile-deliveries';

export function ProfilePage() {
  const { t } = useTranslation();
  const { project, role } = useCurrentProject();
  const { profileId = '' } = useParams();
  return (
    <>
      <Anchor component={Link} to={`/p/${project.id}/profiles`} size="sm">
        ← {t('profiles.title')}
      </Anchor>
      <PageHeader title={t('profiles.profile', { id: profileId })} />
      <ProfileView profileId={profileId} canDelete={role === 'owner' || role === 'marketer'} />
      <ProfileDeliveries profileId={profileId} />
    </>
  );
}
