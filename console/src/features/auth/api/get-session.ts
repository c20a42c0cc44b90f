import { useQuery } from '@tanstack/react-query';
import { api, ApiError, setCsrfToken } from '../../../lib/api-client';
import type { Session } from './types';

export const sessionKey = ['session'] as const;

/** The signed-in user, or null when not signed in (401). Keeps the CSRF token for the client. */
export async function getSession(): Promise<Session | null> {
  try {
    const s = await api.get('/admin/v1/session');
    setCsrfToken(s.csrfToken);
    return s;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      setCsrfToken(undefined);
      return null;
    }
    throw err;
  }
}

export const useSession = () => useQuery({ queryKey: sessionKey, queryFn: getSession, staleTime: 60_000 });
