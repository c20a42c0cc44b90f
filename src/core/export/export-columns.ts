import { CONSENT_DEFAULTS } from '../taxonomy/standard-taxonomy.ts';
import type { PropertyScope, PropertyType, Taxonomy } from '../taxonomy/taxonomy.types.ts';
import { csvRecord, renderValue, type CsvOptions } from './csv.ts';
import type { NameFilter } from './export.types.ts';
import type { DatetimeFormatter } from './timezone.ts';

/** The version shown in `df_api_version` (the seed's samples show 1.0.0). */
export const EXPORT_API_VERSION = '1.0.0';

/** System columns of an events export (D7): always present, whatever the property filter says. */
export const EVENT_SYSTEM_COLUMNS = [
  'df_api_version',
  'df_correction_datetime',
  'df_event_datetime',
  'df_event_detail_log_id',
  'df_event_log_id',
  'df_event_name',
  'df_server_datetime',
  'df_service_id',
  'df_source_type',
  'df_unified_id',
] as const;
type SystemColumn = (typeof EVENT_SYSTEM_COLUMNS)[number];

export const PROFILE_ID_COLUMN = 'df_unified_id';
/** Item properties appear as `df_items_<name>` (the seed: `df_items_df_price`). */
export const ITEM_COLUMN_PREFIX = 'df_items_';

/**
 * One header column and where its cells come from. `sys` is the index into the row's system values for system
 * columns; `key` is the property name inside the event, item or profile JSON.
 */
export interface ColumnSpec {
  name: string;
  source: 'system' | PropertyScope;
  key: string;
  type?: PropertyType;
  sys?: number;
}

function allowed(filter: NameFilter | undefined): (name: string) => boolean {
  if (!filter || filter.condition === 'all' || filter.names.length === 0) return () => true;
  const names = new Set(filter.names);
  return filter.condition === 'include' ? (n) => names.has(n) : (n) => !names.has(n);
}

/** Plain code-unit order, as the seed's headers are sorted (`custom_…` before `df_…`, `df_unified_id` before `sum`). */
const byName = (a: ColumnSpec, b: ColumnSpec) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The header of an events export: the system columns, plus every registered event property and every registered
 * item property (as `df_items_<name>`) that the filter allows, sorted. The column set comes from the taxonomy,
 * not from the rows, so it is known before the first row is read and the export needs one pass only; a registered
 * column that no exported event carries is present and empty (as in the seed's sample).
 */
export function eventColumns(taxonomy: Taxonomy, properties: NameFilter | undefined): ColumnSpec[] {
  const ok = allowed(properties);
  const byHeader = new Map<string, ColumnSpec>();
  for (const def of taxonomy.properties.values()) {
    if (def.scope === 'event' && ok(def.name)) byHeader.set(def.name, { name: def.name, source: 'event', key: def.name, type: def.type });
  }
  for (const def of taxonomy.properties.values()) {
    const name = ITEM_COLUMN_PREFIX + def.name;
    if (def.scope === 'item' && ok(name)) byHeader.set(name, { name, source: 'item', key: def.name, type: def.type });
  }
  EVENT_SYSTEM_COLUMNS.forEach((name, sys) => {
    byHeader.set(name, { name, source: 'system', key: name, sys });
  });
  return [...byHeader.values()].sort(byName);
}

/** The header of a profiles export: `df_unified_id` plus every registered user property the filter allows, sorted. */
export function profileColumns(taxonomy: Taxonomy, properties: NameFilter | undefined): ColumnSpec[] {
  const ok = allowed(properties);
  const cols: ColumnSpec[] = [{ name: PROFILE_ID_COLUMN, source: 'system', key: PROFILE_ID_COLUMN }];
  for (const def of taxonomy.properties.values()) {
    if (def.scope === 'user' && def.name !== PROFILE_ID_COLUMN && ok(def.name)) cols.push({ name: def.name, source: 'user', key: def.name, type: def.type });
  }
  return cols.sort(byName);
}

/** An events row as the export query returns it. */
export interface EventExportRow {
  event_key: string;
  name: string;
  occurred_at: number;
  received_at: number;
  profile_id: string;
  properties: string | null;
  items: string | null;
  source: string;
}

export interface ProfileExportRow {
  id: string;
  properties: string;
}

const EMPTY: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/** A property's value, never an inherited member (a property may well be called `constructor`). */
const own = (o: Readonly<Record<string, unknown>>, key: string): unknown => (Object.hasOwn(o, key) ? o[key] : undefined);

/**
 * Renders query rows as CSV records. One record per event, or one per item for an event with items:
 * `df_event_detail_log_id` is `${df_event_log_id}:${n}` with n counting items from 1, and equals
 * `df_event_log_id` for an event without items (as in the seed's sample). The event's own properties repeat
 * on each of its item rows.
 */
export class EventRowRenderer {
  #columns: ColumnSpec[];
  #datetimes: DatetimeFormatter;
  /** received_at is often another day than occurred_at (late imports): its own day cache. */
  #receivedTimes: DatetimeFormatter;
  #csv: CsvOptions;
  #projectId: string;
  #cells: string[];
  #sys: string[] = new Array(EVENT_SYSTEM_COLUMNS.length).fill('');

  constructor(input: { columns: ColumnSpec[]; datetimes: DatetimeFormatter; csv: CsvOptions; projectId: string }) {
    this.#columns = input.columns;
    this.#datetimes = input.datetimes;
    this.#receivedTimes = input.datetimes.fork();
    this.#csv = input.csv;
    this.#projectId = input.projectId;
    this.#cells = new Array(input.columns.length).fill('');
  }

  /** The CSV records of one event, and how many there are. */
  render(row: EventExportRow): { text: string; records: number } {
    const props = row.properties ? (JSON.parse(row.properties) as Record<string, unknown>) : EMPTY;
    const items = row.items ? (JSON.parse(row.items) as Record<string, unknown>[]) : null;
    const occurred = this.#datetimes.format(row.occurred_at);
    const sys = this.#sys;
    sys[SYS.df_api_version] = EXPORT_API_VERSION;
    sys[SYS.df_correction_datetime] = occurred;
    sys[SYS.df_event_datetime] = occurred;
    sys[SYS.df_event_log_id] = row.event_key;
    sys[SYS.df_event_name] = row.name;
    sys[SYS.df_server_datetime] = this.#receivedTimes.format(row.received_at);
    sys[SYS.df_service_id] = this.#projectId;
    sys[SYS.df_source_type] = row.source.toUpperCase();
    sys[SYS.df_unified_id] = row.profile_id;
    if (!items || items.length === 0) {
      sys[SYS.df_event_detail_log_id] = row.event_key;
      return { text: this.#record(props, undefined), records: 1 };
    }
    let text = '';
    for (let n = 0; n < items.length; n++) {
      sys[SYS.df_event_detail_log_id] = `${row.event_key}:${n + 1}`;
      text += this.#record(props, items[n] ?? EMPTY);
    }
    return { text, records: items.length };
  }

  #record(props: Record<string, unknown>, item: Record<string, unknown> | undefined): string {
    const cols = this.#columns;
    const cells = this.#cells;
    for (let i = 0; i < cols.length; i++) {
      const c = cols[i];
      switch (c.source) {
        case 'system':
          cells[i] = this.#sys[c.sys!];
          break;
        case 'event':
          cells[i] = renderValue(own(props, c.key), c.type, this.#datetimes);
          break;
        default:
          cells[i] = item ? renderValue(own(item, c.key), c.type, this.#datetimes) : '';
      }
    }
    return csvRecord(cells, this.#csv);
  }
}

const SYS = Object.fromEntries(EVENT_SYSTEM_COLUMNS.map((name, i) => [name, i])) as Record<SystemColumn, number>;

/** Renders profile rows: consent properties a profile never set show as false (as in the seed's sample). */
export class ProfileRowRenderer {
  #columns: ColumnSpec[];
  #datetimes: DatetimeFormatter;
  #csv: CsvOptions;
  #cells: string[];

  constructor(input: { columns: ColumnSpec[]; datetimes: DatetimeFormatter; csv: CsvOptions }) {
    this.#columns = input.columns;
    this.#datetimes = input.datetimes;
    this.#csv = input.csv;
    this.#cells = new Array(input.columns.length).fill('');
  }

  render(row: ProfileExportRow): { text: string; records: number } {
    const props = JSON.parse(row.properties) as Record<string, unknown>;
    const cols = this.#columns;
    const cells = this.#cells;
    for (let i = 0; i < cols.length; i++) {
      const c = cols[i];
      if (c.source === 'system') cells[i] = row.id;
      else {
        const v = own(props, c.key) ?? own(CONSENT_DEFAULTS, c.key);
        cells[i] = renderValue(v, c.type, this.#datetimes);
      }
    }
    return { text: csvRecord(cells, this.#csv), records: 1 };
  }
}

export const headerRecord = (columns: ColumnSpec[], csv: CsvOptions) =>
  csvRecord(
    columns.map((c) => c.name),
    csv,
  );
