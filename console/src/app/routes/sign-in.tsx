import { Alert, Anchor, Center, Paper, Stack, Text, Title } from '@mantine/core';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { SignInForm } from '../../features/auth/components/sign-in-form';
import { useSetupStatus } from '../../features/auth/api/setup';
import { LanguageSwitch } from './language-switch';

export function SignInPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const setup = useSetupStatus();
  const next = params.get('next');
  if (setup.data?.needed) return <Navigate to="/setup" replace />;
  return (
    <Center mih="100vh" bg="gray.0" component="main">
      <Paper withBorder shadow="sm" p="xl" w={400} maw="94vw">
        <Stack>
          <div>
            <Title order={1} size="h2">
              {t('auth.title')}
            </Title>
            <Text c="dimmed" size="sm">
              {t('auth.subtitle')}
            </Text>
          </div>
          {params.get('expired') && (
            <Alert color="yellow" role="status">
              {t('auth.expired')}
            </Alert>
          )}
          <SignInForm onSignedIn={() => navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true })} />
          <LanguageSwitch />
          {setup.data?.needed === false ? null : (
            <Anchor component={Link} to="/setup" size="sm">
              {t('setup.link')}
            </Anchor>
          )}
        </Stack>
      </Paper>
    </Center>
  );
}
