import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { Project } from './types';

export const projectsKey = ['projects'] as const;

/** The projects the signed-in user has a role in. */
export const useProjects = () => useQuery({ queryKey: projectsKey, queryFn: async (): Promise<Project[]> => (await api.get('/admin/v1/projects')).projects });
