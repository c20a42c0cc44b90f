import { Center, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { Navigate, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { QueryState } from '../../components/query-state';
import { SetupForm } from '../../features/auth/components/setup-form';
import { useSetupStatus } from '../../features/auth/api/setup';
import { LanguageSwitch } from './language-switch';

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
    <Center mih="100vh" bg="gray.0" component="main">
      <Paper withBorder shadow="sm" p="xl" w={440} maw="94vw">
        <Stack>
          <div>
            <Title order={1} size="h2">
              {t('setup.title')}
            </Title>
            <Text c="dimmed" size="sm">
              {t('setup.subtitle')}
            </Text>
          </div>
          <QueryState isPending={false} error={status.error}>
            <SetupForm onDone={() => navigate('/', { replace: true })} />
          </QueryState>
          <LanguageSwitch />
        </Stack>
      </Paper>
    </Center>
  );
}
