import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, downloadUrl, type ResponseOf } from '../../../lib/api-client';
import type { ApiRule } from '../components/rule-model';

/** An audience and a rule's preview as the API answers them (typed from the OpenAPI document). */
export type Audience = ResponseOf<'/admin/v1/projects/{projectId}/audiences/{audienceId}', 'get'>['audience'];
export type Preview = ResponseOf<'/admin/v1/projects/{projectId}/audiences/preview', 'post'>;

const key = (projectId: string) => ['projects', projectId, 'audiences'] as const;

export const useAudiences = (projectId: string) =>
  useQuery({
    queryKey: key(projectId),
    queryFn: async (): Promise<Audience[]> => (await api.get('/admin/v1/projects/{projectId}/audiences', { path: { projectId } })).audiences,
  });

export const useAudience = (projectId: string, audienceId: string | undefined) =>
  useQuery({
    queryKey: [...key(projectId), audienceId],
    enabled: audienceId !== undefined,
    queryFn: async (): Promise<Audience> =>
      (await api.get('/admin/v1/projects/{projectId}/audiences/{audienceId}', { path: { projectId, audienceId: audienceId! } })).audience,
  });

/** Count and sample profiles of an unsaved rule, as the builder changes (the previous answer stays while the next loads). */
export const usePreview = (projectId: string, rule: ApiRule | null) =>
  useQuery({
    queryKey: [...key(projectId), 'preview', rule],
    enabled: rule !== null,
    placeholderData: keepPreviousData,
    retry: false,
    queryFn: async ({ signal }): Promise<Preview> =>
      api.post('/admin/v1/projects/{projectId}/audiences/preview', { path: { projectId }, query: { sample: 10 }, body: { rule: rule! }, signal }),
  });

export const useSaveAudience = (projectId: string) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (input: { id?: string; name: string; description?: string; rule: ApiRule }) => {
      const body = { name: input.name, description: input.description || undefined, rule: input.rule };
      const r = input.id
        ? await api.patch('/admin/v1/projects/{projectId}/audiences/{audienceId}', { path: { projectId, audienceId: input.id }, body })
        : await api.post('/admin/v1/projects/{projectId}/audiences', { path: { projectId }, body });
      return r.audience;
    },
    onSuccess: () => qc.invalidateQueries({ queryKey: key(projectId) }),
  });
};

export const useDeleteAudience = (projectId: string) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (audienceId: string) => api.delete('/admin/v1/projects/{projectId}/audiences/{audienceId}', { path: { projectId, audienceId } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: key(projectId) }),
  });
};

/** The audience's profiles as CSV (formula cells neutralised by the server, D14), streamed by the browser. */
export const audienceCsvUrl = (projectId: string, audienceId: string) =>
  downloadUrl('/admin/v1/projects/{projectId}/audiences/{audienceId}/profiles.csv', { path: { projectId, audienceId } });

/** Names the rule builder offers: user properties (with types) and events, from the taxonomy. */
export const useRuleFields = (projectId: string) =>
  useQuery({
    queryKey: ['projects', projectId, 'taxonomy', 'rule-fields'],
    staleTime: 60_000,
    queryFn: async () => {
      type Page = { items: { name: string; type: string | null }[] };
      const get = (query: { kind: string; scope?: string }) =>
        api.get('/admin/v1/projects/{projectId}/taxonomy/entries', { path: { projectId }, query: { ...query, limit: 200 } }) as Promise<Page>;
      const [props, events] = await Promise.all([get({ kind: 'property', scope: 'user' }), get({ kind: 'event' })]);
      return { properties: props.items.map((p) => ({ name: p.name, type: p.type ?? 'String' })), events: events.items.map((e) => e.name) };
    },
  });
