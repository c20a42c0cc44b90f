import { useQuery } from '@tanstack/react-query';
import { api, type ResponseOf } from '../../../lib/api-client';

/** GET …/settings: each setting with this project's value, the default and what applies (rate limits included). */
export type SettingsView = ResponseOf<'/admin/v1/projects/{projectId}/settings', 'get'>;

export const settingsKey = (projectId: string) => ['projects', projectId, 'settings'] as const;

export const useProjectSettings = (projectId: string) =>
  useQuery({ queryKey: settingsKey(projectId), queryFn: () => api.get('/admin/v1/projects/{projectId}/settings', { path: { projectId } }) });
