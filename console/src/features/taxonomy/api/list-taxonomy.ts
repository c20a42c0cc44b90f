import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';

export type Scope = 'event' | 'item' | 'user';
export interface TaxonomyFilter {
  kind: 'event' | 'property';
  scope?: Scope;
  q?: string;
  cursor?: string;
  limit?: number;
}

/** GET /admin/v1/projects/{projectId}/taxonomy/entries?kind=&scope=&search=&cursor=&limit= — paged and searched on the server. */
export const useTaxonomy = (projectId: string, filter: TaxonomyFilter) =>
  useQuery({
    queryKey: ['projects', projectId, 'taxonomy', filter],
    placeholderData: keepPreviousData,
    queryFn: async () =>
      await api.get('/admin/v1/projects/{projectId}/taxonomy/entries', {
        path: { projectId },
        query: { kind: filter.kind, scope: filter.scope, search: filter.q, cursor: filter.cursor, limit: filter.limit ?? 50 },
      }),
  });
