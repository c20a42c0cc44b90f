import { useMutation, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { DeletionJob } from './types';

/** Starts the deletion job of one profile (202 with the job). */
export const useDeleteProfile = (projectId: string) =>
  useMutation({
    mutationFn: async (profileId: string) =>
      ((await api.delete('/admin/v1/projects/{projectId}/profiles/{profileId}', { path: { projectId, profileId } })) as { job: DeletionJob }).job,
  });

/** The job's progress, polled until it completes or fails. */
export const useDeletionJob = (projectId: string, jobId: string | undefined) =>
  useQuery({
    queryKey: ['projects', projectId, 'deletions', jobId],
    enabled: jobId !== undefined,
    queryFn: async () =>
      ((await api.get('/admin/v1/projects/{projectId}/deletion-jobs/{jobId}', { path: { projectId, jobId: jobId! } })) as { job: DeletionJob }).job,
    refetchInterval: (q) => (q.state.data && (q.state.data.status === 'completed' || q.state.data.status === 'failed') ? false : 1000),
  });
