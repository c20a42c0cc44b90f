import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';

export const credentialsKey = (projectId: string) => ['projects', projectId, 'credentials'] as const;

/**
 * GET …/credentials/summary: each credential's kind, prefix (never the secret), creation, expiry and state, and how
 * many days a reissued one keeps working. Typed from the OpenAPI document.
 */
export const useCredentials = (projectId: string) =>
  useQuery({ queryKey: credentialsKey(projectId), queryFn: () => api.get('/admin/v1/projects/{projectId}/credentials/summary', { path: { projectId } }) });
