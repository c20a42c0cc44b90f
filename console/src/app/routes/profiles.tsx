import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../components/page-header';
import { ProfileSearch } from '../../features/profiles/components/profile-search';

export function ProfilesPage() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t('profiles.title')} description={t('profiles.description')} />
      <ProfileSearch />
    </>
  );
}
