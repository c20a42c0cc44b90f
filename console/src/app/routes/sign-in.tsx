import { Alert, Anchor } from '@mantine/core';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { SignInForm } from '../../features/auth/components/sign-in-form';
import { useSetupStatus } from '../../features/auth/api/setup';
import { AuthFrame } from './auth-frame';

export function SignInPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const setup = useSetupStatus();
  const next = params.get('next');
  if (setup.data?.needed) return <Navigate to="/setup" replace />;
  return (
    <AuthFrame title={t('auth.title')} subtitle={t('auth.subtitle')} width={400}>
      {params.get('expired') && (
        <Alert color="yellow" role="status">
          {t('auth.expired')}
        </Alert>
      )}
      <SignInForm onSignedIn={() => navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true })} />
      {setup.data?.needed === false ? null : (
        <Anchor component={Link} to="/setup" size="sm">
          {t('setup.link')}
        </Anchor>
      )}
    </AuthFrame>
  );
}
