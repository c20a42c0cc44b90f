import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, setCsrfToken } from '../../../lib/api-client';
import { sessionKey } from './get-session';

export const setupKey = ['setup'] as const;

/** Whether the install has no console user yet (the first-run page is offered then). */
export const useSetupStatus = () => useQuery({ queryKey: setupKey, queryFn: async () => await api.get('/admin/v1/setup'), staleTime: 60_000 });

export const useSetup = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (input: { setupToken: string; email: string; password: string }) => await api.post('/admin/v1/setup', { body: input }),
    onSuccess: (s) => {
      setCsrfToken(s.csrfToken);
      qc.setQueryData(setupKey, { needed: false });
      qc.setQueryData(sessionKey, s);
    },
  });
};
