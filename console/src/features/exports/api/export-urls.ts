import { downloadUrl } from '../../../lib/api-client';

/** The DFINERY export filters (docs/dfinery-export.md) as the form holds them. */
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
export const exportUrl = (projectId: string, what: 'events' | 'profiles', f: ExportFilter) => {
  const query = {
    from: f.from_date,
    to: f.to_date,
    events: f.events,
    eventsCondition: f.events ? f.events_condition_type : undefined,
    properties: f.properties,
    propertiesCondition: f.properties ? f.properties_condition_type : undefined,
    audience: f.audience,
  };
  return what === 'events'
    ? downloadUrl('/admin/v1/projects/{projectId}/exports/events.csv', { path: { projectId }, query })
    : downloadUrl('/admin/v1/projects/{projectId}/exports/profiles.csv', { path: { projectId }, query });
};
