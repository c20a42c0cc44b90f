import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { Project } from './types';

export const projectsKey = ['projects'] as const;

/** The projects the signed-in user has a role in. */
export const useProjects = () =>
  useQuery({ queryKey: projectsKey, queryFn: async () => ((await api.get('/admin/v1/projects')) as unknown as { projects: Project[] }).projects });
