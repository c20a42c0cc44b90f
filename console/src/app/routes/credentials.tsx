import { Alert } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../components/page-header';
import { useCurrentProject } from '../../lib/project-context';
import { CredentialsPanel } from '../../features/credentials/components/credentials-panel';

export function CredentialsPage() {
  const { t } = useTranslation();
  const { role } = useCurrentProject();
  return (
    <>
      <PageHeader title={t('credentials.title')} />
      {role === 'owner' ? (
        <CredentialsPanel />
      ) : (
        <Alert color="red" role="alert" title={t('common.forbidden')}>
          {t('credentials.ownersOnly')}
        </Alert>
      )}
    </>
  );
}
