/** all: everything; include: only the listed names; exclude: everything but the listed names. */
export const FILTER_CONDITIONS = ['all', 'include', 'exclude'] as const;
export type FilterCondition = (typeof FILTER_CONDITIONS)[number];

export interface NameFilter {
  condition: FilterCondition;
  /** An empty list means "all", whatever the condition (the seed: "if no value exists, extract all"). */
  names: string[];
}

export type ExportKind = 'events' | 'profiles';

/** How the caller names each input, so errors name the field as the client wrote it. */
export interface ExportFieldNames {
  from: string;
  to: string;
  events: string;
  eventsCondition: string;
  properties: string;
  propertiesCondition: string;
  audience: string;
}

export interface ExportRequest {
  projectId: string;
  kind: ExportKind;
  /** Local dates (`yyyy-MM-dd`, project time zone), both inclusive. Required for events, not taken for profiles. */
  from?: string;
  to?: string;
  /** Which events (events export only). */
  events?: NameFilter;
  /** Which property columns; the profile id and system columns are always included. */
  properties?: NameFilter;
  /** An audience id: only profiles it selects (and, for events, their events). */
  audience?: string;
  /** D14: prefix formula-like cells with `'`. Default: the project's `neutraliseExportFormulas` setting. */
  neutraliseFormulas?: boolean;
  /** Apply the date-span and retention limits (D7). The API always does; an operator's CLI may not. Default true. */
  enforceLimits?: boolean;
  fields?: Partial<ExportFieldNames>;
}

/** A running export (see PreparedExport.open). */
export interface ExportStream {
  /** The header, in order. */
  readonly columns: readonly string[];
  /** CSV text in chunks of roughly `chunkBytes`, header first. Stopping the iteration stops the query. */
  readonly chunks: AsyncIterable<string>;
  /** Data rows produced so far. */
  readonly rows: number;
  /** True once every row was produced. */
  readonly completed: boolean;
  /** Stops the query and releases its connection's cursor; idempotent. */
  close(): Promise<void>;
}

/** Defaults of the D7 limits; a project overrides them in settings (`exportMaxRangeDays`, `exportRetentionDays`). */
export const EXPORT_LIMIT_DEFAULTS = { maxRangeDays: 31, retentionDays: 365 } as const;
