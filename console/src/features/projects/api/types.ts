/** A project as the admin API answers it (GET /admin/v1/projects), until the route declares its response schema. */
export interface ProjectSettings {
  strictTaxonomy?: boolean;
  limits?: Record<string, number>;
  phoneRegion?: string;
  neutraliseExportFormulas?: boolean;
  [key: string]: unknown;
}
export interface Project {
  id: string;
  name: string;
  timezone: string;
  settings: ProjectSettings;
  createdAt: number | string;
}
