import { Center, Loader } from '@mantine/core';
import { Navigate, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { QueryState } from '../../components/query-state';
import { SetupForm } from '../../features/auth/components/setup-form';
import { useSetupStatus } from '../../features/auth/api/setup';
import { AuthFrame } from './auth-frame';

export function SetupPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const status = useSetupStatus();
  if (status.isPending)
    return (
      <Center h="100vh">
        <Loader role="status" aria-label={t('common.loading')} />
      </Center>
    );
  // Already set up: the projects page (which sends a visitor without a session on to sign-in).
  if (status.data && !status.data.needed) return <Navigate to="/" replace />;
  return (
    <AuthFrame title={t('setup.title')} subtitle={t('setup.subtitle')} width={440}>
      <QueryState isPending={false} error={status.error}>
        <SetupForm onDone={() => navigate('/', { replace: true })} />
      </QueryState>
    </AuthFrame>
  );
}
