import { useEffect } from 'react';
import { Center, Loader } from '@mantine/core';
import { Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../components/query-state';
import { setUnauthorizedHandler } from '../lib/api-client';
import { sessionKey, useSession } from '../features/auth/api/get-session';
import { useSetupStatus } from '../features/auth/api/setup';

/** Lets signed-in users through; others go to the first-run setup (no user yet) or to sign-in. */
export function RequireSession() {
  const { t } = useTranslation();
  const session = useSession();
  const setup = useSetupStatus();
  const location = useLocation();
  const navigate = useNavigate();
  const qc = useQueryClient();
  useEffect(() => {
    setUnauthorizedHandler(() => {
      qc.setQueryData(sessionKey, null);
      navigate(`/sign-in?expired=1&next=${encodeURIComponent(window.location.pathname.replace(/^\/console/, '') + window.location.search)}`, { replace: true });
    });
  }, [qc, navigate]);
  if (session.isPending || (session.data === null && setup.isPending))
    return (
      <Center h="100vh">
        <Loader role="status" aria-label={t('common.loading')} />
      </Center>
    );
  if (session.error) return <ErrorAlert error={session.error} />;
  if (session.data === null) {
    if (setup.data?.needed) return <Navigate to="/setup" replace />;
    return <Navigate to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  }
  return <Outlet />;
}
