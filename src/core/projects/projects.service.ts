import type { Clock } from '../../platform/clock.ts';
import type { Store } from '../../platform/db/store.ts';
import { newProjectId } from '../../platform/ids.ts';
import { MaruError, invalid } from '../errors.ts';
import type { CredentialsService, IssuedCredentials } from '../credentials/credentials.service.ts';
import type { TaxonomyService } from '../taxonomy/taxonomy.service.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { Actor } from '../accounts/roles.ts';
import * as repo from './projects.repository.ts';
import { checkProjectSettings } from './project-settings.ts';
import { eraseProject } from './project-erasure.repository.ts';
import type { Project, ProjectSettings } from './projects.types.ts';

export const DEFAULT_TIMEZONE = 'Asia/Seoul';

/** The fields a project is created or changed with; any other is refused naming it. */
export const PROJECT_FIELDS = ['name', 'timezone', 'settings'] as const;

/** A project name: 1-200 characters once trimmed (create and change alike). */
export function checkProjectName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || name.trim().length === 0 || name.trim().length > 200) throw invalid(field, `${field} is required (1-200 characters)`);
  return name.trim();
}

/** Refuses a field other than PROJECT_FIELDS, naming it. */
export function onlyProjectFields(input: object): void {
  for (const k of Object.keys(input)) {
    if (!(PROJECT_FIELDS as readonly string[]).includes(k)) throw invalid(k, `${k} is not a project field (${PROJECT_FIELDS.join(', ')})`);
  }
}

export function checkTimezone(tz: unknown, field = 'timezone'): string {
  if (typeof tz !== 'string' || tz.length === 0) throw invalid(field, `${field} must be an IANA time zone name such as Asia/Seoul`);
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw invalid(field, `${field} "${tz}" is not a known IANA time zone`);
  }
  return tz;
}

/** Provider credentials are sealed at rest (channel configuration), never kept in plain settings. */
function checkSealedChannels(settings: Record<string, unknown>, id: string): void {
  const channels = settings.channels;
  if (channels === undefined || channels === null || typeof channels !== 'object') return;
  for (const [channel, entry] of Object.entries(channels as Record<string, unknown>)) {
    if (entry && typeof entry === 'object' && 'config' in entry) {
      throw invalid(
        `settings.channels.${channel}.config`,
        `settings.channels.${channel}.config: set provider configuration with PUT /admin/v1/projects/${id}/channels/${channel} (or maru channel set), which stores it encrypted`,
      );
    }
  }
}

/** Projects: the tenant of every other object. Cached briefly per process (they rarely change). */
export class ProjectsService {
  #store: Store;
  #clock: Clock;
  #credentials: CredentialsService;
  #taxonomy: TaxonomyService;
  #cache = new Map<string, { project: Project; at: number }>();
  /** Bumped by every change: a read that started before a change does not cache what it read (it may be the old row). */
  #generation = 0;

  #audit: AuditService | undefined;

  constructor(deps: { store: Store; clock: Clock; credentials: CredentialsService; taxonomy: TaxonomyService; audit?: AuditService }) {
    this.#audit = deps.audit;
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#credentials = deps.credentials;
    this.#taxonomy = deps.taxonomy;
  }

  /** Creates a project with the standard taxonomy and a full set of credentials, shown once. */
  async create(
    input: { name: unknown; timezone?: unknown; settings?: unknown; id?: string },
    actor?: Actor,
  ): Promise<{ project: Project; credentials: IssuedCredentials }> {
    const name = checkProjectName(input.name);
    const timezone = input.timezone === undefined ? DEFAULT_TIMEZONE : checkTimezone(input.timezone);
    const settings = input.settings === undefined ? {} : (checkProjectSettings(input.settings) as ProjectSettings);
    checkSealedChannels(settings, input.id ?? '{id}');
    const now = this.#clock.now();
    const project: Project = { id: input.id ?? newProjectId(), name, timezone, settings, createdAt: now };
    const credentials = await this.#store.write(async (tx) => {
      await repo.insertProject(tx, project);
      await this.#taxonomy.seed(tx, project.id, now);
      await this.#audit?.record(tx, {
        projectId: project.id,
        actor,
        action: 'project.created',
        target: `project:${project.id}`,
        details: { name: project.name, timezone },
      });
      return this.#credentials.issueAll(tx, project.id, now);
    });
    return { project, credentials };
  }

  async find(id: string): Promise<Project | undefined> {
    const hit = this.#cache.get(id);
    const now = this.#clock.now();
    if (hit && now - hit.at < 5000) return hit.project;
    const generation = this.#generation;
    const project = await repo.findProject(this.#store.db, id);
    // Only found projects are cached: one created a moment ago (by the CLI, or another node) is served at once.
    if (!project) return undefined;
    if (generation !== this.#generation) return project;
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(id, { project, at: now });
    return project;
  }

  async get(id: string): Promise<Project> {
    const p = await this.find(id);
    if (!p) throw new MaruError('unknown_project', `project ${id} does not exist`);
    return p;
  }

  list(): Promise<Project[]> {
    return repo.listProjects(this.#store.db);
  }

  /**
   * Changes a project: `{name?, timezone?, settings?}`, checked as at creation; `settings` members replace the stored
   * ones (null puts one back to its default). A patch that changes nothing to set (`{}`), or names another field, is
   * refused.
   */
  /**
   * Erases a project and all its data (project-erasure.repository.ts: events, profiles, identifiers, devices, deliveries,
   * campaigns, jobs, credentials, ...) in one write unit, so it is all gone or nothing is. The audit log keeps one
   * instance-level entry (`project.deleted`, with the project's name and the rows deleted per table). Returns the counts.
   */
  async delete(id: string, actor?: Actor): Promise<Record<string, number>> {
    const project = await this.get(id);
    const counts = await this.#store.write(async (tx) => {
      const rows = await eraseProject(tx, project.id, { dialect: this.#store.dialect });
      await this.#audit?.record(tx, {
        projectId: null,
        actor,
        action: 'project.deleted',
        target: `project:${project.id}`,
        details: { name: project.name, rows },
      });
      return rows;
    });
    this.#generation++;
    this.#cache.delete(id);
    this.#taxonomy.invalidate(id);
    this.#credentials.forgetCached();
    return counts;
  }

  async update(id: string, patch: { name?: unknown; timezone?: unknown; settings?: unknown }, actor?: Actor): Promise<Project> {
    const current = await this.get(id);
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw invalid('body', 'the body must be an object {name?, timezone?, settings?}');
    onlyProjectFields(patch);
    if (patch.name === undefined && patch.timezone === undefined && patch.settings === undefined) {
      throw invalid('body', `nothing to change: give at least one of ${PROJECT_FIELDS.join(', ')}`);
    }
    const next: { name?: string; timezone?: string; settings?: string } = {};
    if (patch.name !== undefined) next.name = checkProjectName(patch.name);
    if (patch.timezone !== undefined) next.timezone = checkTimezone(patch.timezone);
    if (patch.settings !== undefined) {
      const settings = checkProjectSettings(patch.settings, current.settings);
      checkSealedChannels(settings, id);
      const merged: Record<string, unknown> = { ...current.settings, ...settings };
      for (const [k, v] of Object.entries(settings)) if (v === null) delete merged[k];
      next.settings = JSON.stringify(merged);
    }
    await this.#store.write(async (tx) => {
      await repo.updateProject(tx, id, next);
      // Which fields changed, not their values (settings may hold anything the operator put there).
      await this.#audit?.record(tx, {
        projectId: id,
        actor,
        action: 'project.changed',
        target: `project:${id}`,
        details: { fields: Object.keys(next), ...(next.timezone ? { timezone: next.timezone } : {}), ...(next.name ? { name: next.name } : {}) },
      });
    });
    this.#generation++;
    this.#cache.delete(id);
    return this.get(id);
  }
}
