import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';

export type Role = 'owner' | 'marketer' | 'viewer';
export interface ConsoleUser {
  id: string;
  email: string;
  name?: string | null;
  instanceOwner: boolean;
  roles: { projectId: string; role: Role }[];
  createdAt?: string | number;
}

const key = ['users'] as const;

/** GET /admin/v1/users?projectId=&cursor= — the users with a role in the project, a page at a time. */
export const useUsers = (projectId: string, cursor: string | undefined) =>
  useQuery({
    queryKey: [...key, projectId, cursor],
    placeholderData: keepPreviousData,
    queryFn: async () => {
      const r = (await api.get('/admin/v1/users', { query: { projectId, cursor, limit: 50 } })) as {
        users?: ConsoleUser[];
        items?: ConsoleUser[];
        next?: string | null;
      };
      return { items: r.items ?? r.users ?? [], next: r.next ?? null };
    },
  });

export const useCreateUser = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { email: string; password: string; roles: { projectId: string; role: Role }[] }) => api.post('/admin/v1/users', { body: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
};

export const useUpdateUser = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { userId: string; roles?: { projectId: string; role: Role }[]; password?: string }) =>
      api.patch('/admin/v1/users/{userId}', { path: { userId: input.userId }, body: { roles: input.roles, password: input.password } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
};

export const useDeleteUser = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (userId: string) => api.delete('/admin/v1/users/{userId}', { path: { userId } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
};
