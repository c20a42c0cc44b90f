import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { Project } from './types';

export const projectKey = (projectId: string) => ['projects', projectId] as const;

export const useProject = (projectId: string) =>
  useQuery({
    queryKey: projectKey(projectId),
    queryFn: async (): Promise<Project> => (await api.get('/admin/v1/projects/{projectId}', { path: { projectId } })).project,
  });
