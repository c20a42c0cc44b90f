import type { Compilable } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Store } from '../../platform/db/store.ts';
import { MaruError, invalid, isMaruError } from '../errors.ts';
import type { AudiencesService } from '../audiences/audiences.service.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import type { Project } from '../projects/projects.types.ts';
import type { TaxonomyService } from '../taxonomy/taxonomy.service.ts';
import { isValidDate } from '../taxonomy/values.ts';
import type { CsvOptions } from './csv.ts';
import {
  EventRowRenderer,
  eventColumns,
  headerRecord,
  ProfileRowRenderer,
  profileColumns,
  type ColumnSpec,
  type EventExportRow,
  type ProfileExportRow,
} from './export-columns.ts';
import * as repo from './export.repository.ts';
import { EXPORT_LIMIT_DEFAULTS, FILTER_CONDITIONS, type ExportFieldNames, type ExportRequest, type ExportStream, type NameFilter } from './export.types.ts';
import { addDays, DatetimeFormatter, daysBetween, startOfLocalDay, ZoneOffsets } from './timezone.ts';

const DEFAULT_FIELDS: ExportFieldNames = {
  from: 'from',
  to: 'to',
  events: 'events',
  eventsCondition: 'events_condition',
  properties: 'properties',
  propertiesCondition: 'properties_condition',
  audience: 'audience',
};

/** Most names in one events or properties filter. */
export const MAX_FILTER_NAMES = 1000;

const positiveSetting = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : fallback);

/** The D7 limits in force for a project: its settings, else the defaults. */
export function exportLimits(project: Project) {
  return {
    maxRangeDays: positiveSetting(project.settings.exportMaxRangeDays, EXPORT_LIMIT_DEFAULTS.maxRangeDays),
    retentionDays: positiveSetting(project.settings.exportRetentionDays, EXPORT_LIMIT_DEFAULTS.retentionDays),
  };
}

/**
 * Exports: a project's events or profiles as CSV (D7), streamed from the store so memory does not grow with the
 * number of rows. Two steps, so a caller can check quotas between them:
 * `prepare` validates the request and fixes the header (no rows read); `open` starts the query.
 */
export class ExportService {
  #store: Store;
  #clock: Clock;
  #taxonomy: TaxonomyService;
  #projects: ProjectsService;
  #audiences: AudiencesService;
  #active = 0;
  #flushEvents: (() => Promise<void>) | undefined;

  /** `flushEvents`: the ingest log's read-your-writes barrier (EventsService.flush), run before every export. */
  constructor(deps: {
    store: Store;
    clock: Clock;
    taxonomy: TaxonomyService;
    projects: ProjectsService;
    audiences: AudiencesService;
    flushEvents?: () => Promise<void>;
  }) {
    this.#flushEvents = deps.flushEvents;
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#taxonomy = deps.taxonomy;
    this.#projects = deps.projects;
    this.#audiences = deps.audiences;
  }

  /** Exports whose query is open right now (in this process). */
  get active(): number {
    return this.#active;
  }

  async prepare(request: ExportRequest): Promise<PreparedExport> {
    // An export started after an acknowledgment sees the event (read-your-writes).
    await this.#flushEvents?.();
    const f = { ...DEFAULT_FIELDS, ...request.fields };
    const project = await this.#projects.get(request.projectId);
    const events = checkFilter(request.events, f.events, f.eventsCondition);
    const properties = checkFilter(request.properties, f.properties, f.propertiesCondition);
    if (request.audience !== undefined && (typeof request.audience !== 'string' || request.audience.length === 0)) {
      throw invalid(f.audience, `${f.audience} must be an audience id`);
    }
    const zone = new ZoneOffsets(project.timezone);

    let range: { fromMs: number; toMs: number } | undefined;
    if (request.kind === 'events') {
      range = this.#checkRange(request, project, zone, f);
    } else {
      if (request.from !== undefined) throw invalid(f.from, `a profiles export takes no ${f.from}`);
      if (request.to !== undefined) throw invalid(f.to, `a profiles export takes no ${f.to}`);
      if (request.events !== undefined) throw invalid(f.events, `a profiles export takes no ${f.events}`);
    }

    let audience: repo.ProfileCondition | undefined;
    if (request.audience !== undefined) {
      try {
        audience = await this.#audiences.filter(project.id, request.audience);
      } catch (e) {
        if (isMaruError(e) && e.code === 'not_found') throw invalid(f.audience, `${f.audience} ${request.audience} does not exist in this project`);
        throw e;
      }
    }

    const taxonomy = await this.#taxonomy.get(project.id);
    const csv: CsvOptions = { neutraliseFormulas: request.neutraliseFormulas ?? project.settings.neutraliseExportFormulas === true };
    const datetimes = new DatetimeFormatter(zone);
    if (request.kind === 'events') {
      const columns = eventColumns(taxonomy, properties);
      const query = repo.eventsQuery(this.#store.db, { projectId: project.id, fromMs: range!.fromMs, toMs: range!.toMs, events, audience });
      const renderer = new EventRowRenderer({ columns, datetimes, csv, projectId: project.id });
      return new PreparedExport({ store: this.#store, columns, csv, query, render: (r: EventExportRow) => renderer.render(r), track: this.#track });
    }
    const columns = profileColumns(taxonomy, properties);
    const query = repo.profilesQuery(this.#store.db, { projectId: project.id, audience });
    const renderer = new ProfileRowRenderer({ columns, datetimes, csv });
    return new PreparedExport({ store: this.#store, columns, csv, query, render: (r: ProfileExportRow) => renderer.render(r), track: this.#track });
  }

  #track = (delta: 1 | -1) => {
    this.#active += delta;
  };

  /**
   * from/to are local dates in the project's zone, both inclusive: [start of from, start of the day after to).
   * Limits (D7, unless enforceLimits is false): to − from at most maxRangeDays days, and from no earlier than
   * retentionDays before today (both in the project's zone) — otherwise date_range_exceeded.
   */
  #checkRange(request: ExportRequest, project: Project, zone: ZoneOffsets, f: ExportFieldNames) {
    const { from, to } = request;
    if (from === undefined) throw invalid(f.from, `${f.from} is required (yyyy-MM-dd)`);
    if (!isValidDate(from)) throw invalid(f.from, `${f.from} must be a date as yyyy-MM-dd`);
    if (to === undefined) throw invalid(f.to, `${f.to} is required (yyyy-MM-dd)`);
    if (!isValidDate(to)) throw invalid(f.to, `${f.to} must be a date as yyyy-MM-dd`);
    const span = daysBetween(from, to);
    if (span < 0) throw invalid(f.to, `${f.to} must not be before ${f.from}`);
    if (request.enforceLimits !== false) {
      const limits = exportLimits(project);
      if (span > limits.maxRangeDays) {
        throw new MaruError('date_range_exceeded', `${f.from} to ${f.to} may span at most ${limits.maxRangeDays} days`, { field: f.to });
      }
      const today = new DatetimeFormatter(zone).date(this.#clock.now());
      const earliest = addDays(today, -limits.retentionDays);
      if (from < earliest) {
        throw new MaruError('date_range_exceeded', `${f.from} may be at most ${limits.retentionDays} days ago (earliest ${earliest})`, { field: f.from });
      }
    }
    return { fromMs: startOfLocalDay(from, zone), toMs: startOfLocalDay(addDays(to, 1), zone) };
  }
}

function checkFilter(filter: NameFilter | undefined, field: string, conditionField: string): NameFilter | undefined {
  if (filter === undefined) return undefined;
  if (!FILTER_CONDITIONS.includes(filter.condition)) throw invalid(conditionField, `${conditionField} must be one of ${FILTER_CONDITIONS.join(', ')}`);
  if (!Array.isArray(filter.names)) throw invalid(field, `${field} must be a list of names`);
  if (filter.names.length > MAX_FILTER_NAMES) throw invalid(field, `${field} may list at most ${MAX_FILTER_NAMES} names`);
  filter.names.forEach((n, i) => {
    if (typeof n !== 'string' || n.length === 0 || n.length > 200) throw invalid(`${field}[${i}]`, `${field}[${i}] must be a non-empty name`);
  });
  return filter;
}

/** An export whose header is fixed and whose query is built but not started. */
export class PreparedExport {
  readonly columns: readonly string[];
  #store: Store;
  #header: string;
  #query: Compilable<unknown>;
  #render: (row: never) => { text: string; records: number };
  #track: (delta: 1 | -1) => void;

  constructor(input: {
    store: Store;
    columns: ColumnSpec[];
    csv: CsvOptions;
    query: Compilable<unknown>;
    render: (row: never) => { text: string; records: number };
    track: (delta: 1 | -1) => void;
  }) {
    this.#store = input.store;
    this.columns = input.columns.map((c) => c.name);
    this.#header = headerRecord(input.columns, input.csv);
    this.#query = input.query;
    this.#render = input.render;
    this.#track = input.track;
  }

  /**
   * Starts the query and reads its first rows, so a failing query is reported here (as `internal` with
   * details.reason `query_failed`) before anything is sent. The caller must either iterate `chunks` to the end or
   * call `close()`; `signal` also stops the query between chunks.
   */
  async open(options: { signal?: AbortSignal; chunkBytes?: number } = {}): Promise<ExportStream> {
    const chunkBytes = options.chunkBytes ?? 64 * 1024;
    const source = this.#store.stream(this.#query, { signal: options.signal })[Symbol.asyncIterator]();
    this.#track(1);
    const state = { rows: 0, completed: false, closed: false };
    const close = async () => {
      if (state.closed) return;
      state.closed = true;
      this.#track(-1);
      try {
        await source.return?.();
      } catch {
        // the cursor is gone either way
      }
    };
    let first: IteratorResult<unknown>;
    try {
      first = await source.next();
    } catch (cause) {
      await close();
      throw queryFailed(cause);
    }
    const header = this.#header;
    const render = this.#render as (row: unknown) => { text: string; records: number };
    async function* chunks(): AsyncGenerator<string> {
      try {
        let buffer = header;
        let next = first;
        while (!next.done && !state.closed) {
          const r = render(next.value);
          buffer += r.text;
          state.rows += r.records;
          if (buffer.length >= chunkBytes) {
            yield buffer;
            buffer = '';
          }
          try {
            next = await source.next();
          } catch (cause) {
            throw queryFailed(cause);
          }
        }
        if (state.closed) return;
        if (options.signal?.aborted) return;
        if (buffer.length > 0) yield buffer;
        state.completed = true;
      } finally {
        await close();
      }
    }
    return {
      columns: this.columns,
      chunks: chunks(),
      get rows() {
        return state.rows;
      },
      get completed() {
        return state.completed;
      },
      close,
    };
  }
}

function queryFailed(cause: unknown): MaruError {
  if (isMaruError(cause)) return cause;
  return new MaruError('internal', 'the export query failed', { details: { reason: 'query_failed' }, cause });
}
