import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';

export type Origin = 'standard' | 'registered' | 'observed';
export type Scope = 'event' | 'item' | 'user';
export interface TaxonomyEntry {
  kind: 'event' | 'property';
  scope?: Scope;
  name: string;
  type?: string;
  origin: Origin;
}
export interface TaxonomyPage {
  items: TaxonomyEntry[];
  next: string | null;
}
export interface TaxonomyFilter {
  kind: 'event' | 'property';
  scope?: Scope;
  q?: string;
  cursor?: string;
  limit?: number;
}

type Answer =
  | TaxonomyPage
  | { events: { name: string; origin: Origin }[]; properties: { scope: Scope; name: string; type: string; origin: Origin }[]; next?: string | null };

/** GET /admin/v1/projects/{projectId}/taxonomy?kind=&scope=&q=&cursor=&limit= — paged and searched on the server. */
export const useTaxonomy = (projectId: string, filter: TaxonomyFilter) =>
  useQuery({
    queryKey: ['projects', projectId, 'taxonomy', filter],
    placeholderData: keepPreviousData,
    queryFn: async (): Promise<TaxonomyPage> => {
      const a = (await api.get('/admin/v1/projects/{projectId}/taxonomy', {
        path: { projectId },
        query: { kind: filter.kind, scope: filter.scope, q: filter.q, cursor: filter.cursor, limit: filter.limit ?? 50 },
      })) as Answer;
      if ('items' in a) return a;
      // The undivided document {events, properties}: the same entries, as one page.
      const items: TaxonomyEntry[] =
        filter.kind === 'event'
          ? a.events.map((e) => ({ kind: 'event' as const, name: e.name, origin: e.origin }))
          : a.properties.filter((p) => !filter.scope || p.scope === filter.scope).map((p) => ({ kind: 'property' as const, ...p }));
      return { items: filter.q ? items.filter((i) => i.name.includes(filter.q!)) : items, next: null };
    },
  });
