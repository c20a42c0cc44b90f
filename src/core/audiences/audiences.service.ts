import type { RawBuilder, SqlBool } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Store } from '../../platform/db/store.ts';
import { jsonSql, type JsonSql } from '../../platform/db/json-sql.ts';
import { newShortId } from '../../platform/ids.ts';
import { MaruError, invalid } from '../errors.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import type { TaxonomyService } from '../taxonomy/taxonomy.service.ts';
import { addDays, DatetimeFormatter } from '../export/timezone.ts';
import { checkRule } from './audience-rules.ts';
import * as repo from './audiences.repository.ts';
import type { AudienceRow } from './audiences.tables.ts';
import type { Audience, AudiencePreview, CheckedNode } from './audiences.types.ts';

/** An audience as a SQL condition on a `profiles` row under the given table alias (used by exports). */
export type ProfileFilter = (alias: string) => RawBuilder<SqlBool>;

const ID_PATTERN = /^[a-z0-9]{6,8}$/;
export const MAX_PREVIEW_SAMPLE = 100;

const toAudience = (r: AudienceRow): Audience => ({
  id: r.id,
  name: r.name,
  description: r.description,
  rule: JSON.parse(r.rule),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > 200) throw invalid('name', 'name is required (1-200 characters)');
  return name.trim();
}

function checkDescription(d: unknown): string | null {
  if (d === undefined || d === null) return null;
  if (typeof d !== 'string' || d.length > 2000) throw invalid('description', 'description must be a string of at most 2000 characters');
  return d;
}

/**
 * Audiences: saved rules that select a project's profiles (docs/audiences.md). Each has a short id
 * (6 lowercase letters/digits) that exports take as `audience`. Rules are checked against the taxonomy when
 * saved and again when evaluated; evaluation is one SQL query in the store.
 */
export class AudiencesService {
  #store: Store;
  #clock: Clock;
  #taxonomy: TaxonomyService;
  #projects: ProjectsService;
  #json: JsonSql;

  #flushEvents: (() => Promise<void>) | undefined;

  /** `flushEvents`: the ingest log's read-your-writes barrier (EventsService.flush), run before event conditions are read. */
  constructor(deps: { store: Store; clock: Clock; taxonomy: TaxonomyService; projects: ProjectsService; flushEvents?: () => Promise<void> }) {
    this.#flushEvents = deps.flushEvents;
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#taxonomy = deps.taxonomy;
    this.#projects = deps.projects;
    this.#json = jsonSql(deps.store.dialect);
  }

  async create(projectId: string, input: { name: unknown; description?: unknown; rule: unknown }): Promise<Audience> {
    await this.#projects.get(projectId);
    const name = checkName(input.name);
    const description = checkDescription(input.description);
    const { rule } = checkRule(input.rule, await this.#taxonomy.get(projectId));
    const now = this.#clock.now();
    for (let attempt = 0; attempt < 8; attempt++) {
      const row: AudienceRow = {
        project_id: projectId,
        id: newShortId(6),
        name,
        description,
        rule: JSON.stringify(rule),
        created_at: now,
        updated_at: now,
      };
      if (await this.#store.write((tx) => repo.insertAudience(tx, row))) return toAudience(row);
    }
    throw new MaruError('internal', 'could not allocate an audience id');
  }

  list(projectId: string): Promise<Audience[]> {
    return repo.listAudiences(this.#store.db, projectId).then((rows) => rows.map(toAudience));
  }

  async get(projectId: string, id: string): Promise<Audience> {
    const row = ID_PATTERN.test(id) ? await repo.findAudience(this.#store.db, projectId, id) : undefined;
    if (!row) throw new MaruError('not_found', `audience ${id} does not exist`, { field: 'audience' });
    return toAudience(row);
  }

  async update(projectId: string, id: string, patch: { name?: unknown; description?: unknown; rule?: unknown }): Promise<Audience> {
    await this.get(projectId, id);
    const set: { name?: string; description?: string | null; rule?: string; updated_at: number } = { updated_at: this.#clock.now() };
    if (patch.name !== undefined) set.name = checkName(patch.name);
    if (patch.description !== undefined) set.description = checkDescription(patch.description);
    if (patch.rule !== undefined) set.rule = JSON.stringify(checkRule(patch.rule, await this.#taxonomy.get(projectId)).rule);
    const found = await this.#store.write((tx) => repo.updateAudience(tx, projectId, id, set));
    if (!found) throw new MaruError('not_found', `audience ${id} does not exist`, { field: 'audience' });
    return this.get(projectId, id);
  }

  async delete(projectId: string, id: string): Promise<void> {
    const found = ID_PATTERN.test(id) && (await this.#store.write((tx) => repo.deleteAudience(tx, projectId, id)));
    if (!found) throw new MaruError('not_found', `audience ${id} does not exist`, { field: 'audience' });
  }

  /** Count and a sample of the profiles a saved audience (`id`) or an unsaved rule (`rule`) selects now. */
  async preview(projectId: string, input: { id?: string; rule?: unknown; sample?: number }): Promise<AudiencePreview> {
    const sample = input.sample ?? 20;
    if (!Number.isInteger(sample) || sample < 0 || sample > MAX_PREVIEW_SAMPLE)
      throw invalid('sample', `sample must be a whole number from 0 to ${MAX_PREVIEW_SAMPLE}`);
    const rule = input.id !== undefined ? (await this.get(projectId, input.id)).rule : input.rule;
    const match = await this.#match(projectId, rule, 'p');
    await this.#flushEvents?.();
    const [count, ids] = await Promise.all([
      repo.countMatching(this.#store.db, projectId, match),
      sample > 0 ? repo.sampleMatching(this.#store.db, projectId, match, sample) : Promise.resolve([]),
    ]);
    return { count, sample: ids };
  }

  /** The saved audience as a profile filter, evaluated against "now" when the query runs. */
  async filter(projectId: string, id: string): Promise<ProfileFilter> {
    const audience = await this.get(projectId, id);
    const checked = await this.#check(projectId, audience.rule);
    const ctx = await this.#context(projectId);
    await this.#flushEvents?.();
    return (alias) => repo.profileMatch(ctx, checked, alias);
  }

  async #check(projectId: string, rule: unknown): Promise<CheckedNode> {
    return checkRule(rule, await this.#taxonomy.get(projectId)).checked;
  }

  async #match(projectId: string, rule: unknown, alias: string): Promise<RawBuilder<SqlBool>> {
    const checked = await this.#check(projectId, rule);
    return repo.profileMatch(await this.#context(projectId), checked, alias);
  }

  async #context(projectId: string): Promise<repo.MatchContext> {
    const project = await this.#projects.get(projectId);
    const now = this.#clock.now();
    const today = new DatetimeFormatter(project.timezone).date(now);
    return { json: this.#json, projectId, now, localDateDaysAgo: (days) => addDays(today, -days) };
  }
}
