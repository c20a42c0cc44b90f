import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, type ResponseOf } from '../../../lib/api-client';

export type Origin = 'standard' | 'registered' | 'observed';
export type Scope = 'event' | 'item' | 'user';
/** The taxonomy page as GET …/taxonomy/entries answers it (the OpenAPI document). */
export type TaxonomyPage = ResponseOf<'/admin/v1/projects/{projectId}/taxonomy/entries', 'get'>;
export type TaxonomyEntry = TaxonomyPage['items'][number];
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
