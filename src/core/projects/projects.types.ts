/** Per-project settings; every field is optional and falls back to the documented default. */
export interface ProjectSettings {
  /** Marketap/Notifly faces register unknown events and properties on first sight unless strict (D4). */
  strictTaxonomy?: boolean;
  /** Rate-limit overrides by limit name (see core/limits). */
  limits?: Record<string, number>;
  /** Default region for phone numbers (D6). */
  phoneRegion?: string;
  /** Bounds on taxonomy growth (taxonomy-limits.ts, docs/taxonomy.md "Limits"). */
  taxonomyLimits?: { events?: number; propertiesPerScope?: number; newPerRequest?: number };
  /** Neutralise formula-like cells in API exports too (D14). */
  neutraliseExportFormulas?: boolean;
  [key: string]: unknown;
}

export interface Project {
  id: string;
  name: string;
  timezone: string;
  settings: ProjectSettings;
  createdAt: number;
}
