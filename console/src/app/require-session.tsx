import { useEffect, useRef } from 'react';
import { Center, Loader } from '@mantine/core';
import { Navigate, Outlet, useLocation } from 'react-router';
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
  const expired = useRef(false);
  const qc = useQueryClient();
  useEffect(() => {
    // A request answered 401 (the session expired or was ended): forget the session; the render below then sends the
    // person to sign-in, saying why and where they were. Several requests may answer 401 together; one redirect.
    setUnauthorizedHandler(() => {
      expired.current = true;
      qc.setQueryData(sessionKey, null);
    });
  }, [qc]);
  if (session.isPending || (session.data === null && setup.isPending))
    return (
      <Center h="100vh">
        <Loader role="status" aria-label={t('common.loading')} />
      </Center>
    );
  if (session.error) return <ErrorAlert error={session.error} />;
  if (session.data === null) {
    if (setup.data?.needed) return <Navigate to="/setup" replace />;
    return <Navigate to={`/sign-in?${expired.current ? 'expired=1&' : ''}next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  }
  return <Outlet />;
}
