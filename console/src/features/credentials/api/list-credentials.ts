import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';

/** A credential as GET /admin/v1/projects/{projectId}/credentials lists it: never the secret, only its prefix. */
export interface Credential {
  id: string;
  kind: string;
  prefix: string;
  created_at: number | string;
  expires_at: number | string | null;
}

export const credentialsKey = (projectId: string) => ['projects', projectId, 'credentials'] as const;

export const useCredentials = (projectId: string) =>
  useQuery({
    queryKey: credentialsKey(projectId),
    queryFn: async () => ((await api.get('/admin/v1/projects/{projectId}/credentials', { path: { projectId } })) as unknown as { credentials: Credential[] }).credentials,
  });
