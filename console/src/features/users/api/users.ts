import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type ResponseOf } from '../../../lib/api-client';

export type ConsoleUser = ResponseOf<'/admin/v1/users', 'get'>['items'][number];
export type Role = ConsoleUser['roles'][number]['role'];

const key = ['users'] as const;

/** GET /admin/v1/users?cursor= — the users the signed-in owner may manage, a page at a time. */
export const useUsers = (cursor: string | undefined) =>
  useQuery({
    queryKey: [...key, cursor],
    placeholderData: keepPreviousData,
    queryFn: () => api.get('/admin/v1/users', { query: { cursor, limit: 50 } }),
  });

export const useCreateUser = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { email: string; password: string; roles: { projectId: string; role: Role }[] }) => api.post('/admin/v1/users', { body: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
};

/** Sets the user's role in the listed projects (`roles`) or takes it away (`removeRoles`: project ids). */
export const useUpdateUser = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { userId: string; roles?: { projectId: string; role: Role }[]; removeRoles?: string[] }) =>
      api.patch('/admin/v1/users/{userId}', { path: { userId: input.userId }, body: { roles: input.roles, removeRoles: input.removeRoles } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
};
