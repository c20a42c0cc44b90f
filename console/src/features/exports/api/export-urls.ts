import { downloadUrl } from '../../../lib/api-client';

/** The DFINERY export filters (docs/dfinery-export.md), sent as query parameters of the console's CSV routes. */
export interface ExportFilter {
  from_date?: string;
  to_date?: string;
  events?: string;
  events_condition_type?: 'all' | 'include' | 'exclude';
  properties?: string;
  properties_condition_type?: 'all' | 'include' | 'exclude';
  audience?: string;
}

/** GET …/exports/events.csv and …/exports/profiles.csv stream CSV; the browser saves it as it arrives. */
export const exportUrl = (projectId: string, what: 'events' | 'profiles', filter: ExportFilter) =>
  what === 'events'
    ? downloadUrl('/admin/v1/projects/{projectId}/exports/events.csv', { path: { projectId }, query: { ...filter } })
    : downloadUrl('/admin/v1/projects/{projectId}/exports/profiles.csv', { path: { projectId }, query: { ...filter } });
