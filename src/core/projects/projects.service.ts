import type { Clock } from '../../platform/clock.ts';
import type { Store } from '../../platform/db/store.ts';
import { newProjectId } from '../../platform/ids.ts';
import { MaruError, invalid } from '../errors.ts';
import type { CredentialsService, IssuedCredentials } from '../credentials/credentials.service.ts';
import type { TaxonomyService } from '../taxonomy/taxonomy.service.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { Actor } from '../accounts/roles.ts';
import * as repo from './projects.repository.ts';
import type { Project, ProjectSettings } from './projects.types.ts';

export const DEFAULT_TIMEZONE = 'Asia/Seoul';

export function checkTimezone(tz: unknown, field = 'timezone'): string {
  if (typeof tz !== 'string' || tz.length === 0) throw invalid(field, `${field} must be an IANA time zone name such as Asia/Seoul`);
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw invalid(field, `${field} "${tz}" is not a known IANA time zone`);
  }
  return tz;
}

/** Projects: the tenant of every other object. Cached briefly per process (they rarely change). */
export class ProjectsService {
  #store: Store;
  #clock: Clock;
  #credentials: CredentialsService;
  #taxonomy: TaxonomyService;
  #cache = new Map<string, { project: Project; at: number }>();

  #audit: AuditService | undefined;

  constructor(deps: { store: Store; clock: Clock; credentials: CredentialsService; taxonomy: TaxonomyService; audit?: AuditService }) {
    this.#audit = deps.audit;
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#credentials = deps.credentials;
    this.#taxonomy = deps.taxonomy;
  }

  /** Creates a project with the standard taxonomy and a full set of credentials, shown once. */
  async create(input: { name: unknown; timezone?: unknown; settings?: ProjectSettings; id?: string }, actor?: Actor): Promise<{ project: Project; credentials: IssuedCredentials }> {
    if (typeof input.name !== 'string' || input.name.trim().length === 0 || input.name.length > 200) {
      throw invalid('name', 'name is required (1-200 characters)');
    }
    const timezone = input.timezone === undefined ? DEFAULT_TIMEZONE : checkTimezone(input.timezone);
    const now = this.#clock.now();
    const project: Project = { id: input.id ?? newProjectId(), name: input.name.trim(), timezone, settings: input.settings ?? {}, createdAt: now };
    const credentials = await this.#store.write(async (tx) => {
      await repo.insertProject(tx, project);
      await this.#taxonomy.seed(tx, project.id, now);
      await this.#audit?.record(tx, { projectId: project.id, actor, action: 'project.created', target: `project:${project.id}`, details: { name: project.name, timezone } });
      return this.#credentials.issueAll(tx, project.id, now);
    });
    return { project, credentials };
  }

  async find(id: string): Promise<Project | undefined> {
    const hit = this.#cache.get(id);
    const now = this.#clock.now();
    if (hit && now - hit.at < 5000) return hit.project;
    const project = await repo.findProject(this.#store.db, id);
    // Only found projects are cached: one created a moment ago (by the CLI, or another node) is served at once.
    if (!project) return undefined;
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

  async update(id: string, patch: { name?: unknown; timezone?: unknown; settings?: unknown }, actor?: Actor): Promise<Project> {
    const current = await this.get(id);
    const next: { name?: string; timezone?: string; settings?: string } = {};
    if (patch.name !== undefined) {
      if (typeof patch.name !== 'string' || !patch.name.trim()) throw invalid('name', 'name must be a non-empty string');
      next.name = patch.name.trim();
    }
    if (patch.timezone !== undefined) next.timezone = checkTimezone(patch.timezone);
    if (patch.settings !== undefined) {
      if (typeof patch.settings !== 'object' || patch.settings === null || Array.isArray(patch.settings)) throw invalid('settings', 'settings must be an object');
      const channels = (patch.settings as ProjectSettings).channels;
      if (channels !== undefined && channels !== null && typeof channels === 'object') {
        for (const [channel, entry] of Object.entries(channels as Record<string, unknown>)) {
          if (entry && typeof entry === 'object' && 'config' in entry) {
            // Provider credentials are sealed at rest (channel configuration), never kept in plain settings.
            throw invalid(`settings.channels.${channel}.config`, `settings.channels.${channel}.config: set provider configuration with PUT /admin/v1/projects/${id}/channels/${channel} (or maru channel set), which stores it encrypted`);
          }
        }
      }
      next.settings = JSON.stringify({ ...current.settings, ...(patch.settings as ProjectSettings) });
    }
    await this.#store.write(async (tx) => {
      await repo.updateProject(tx, id, next);
      // Which fields changed, not their values (settings may hold anything the operator put there).
      await this.#audit?.record(tx, { projectId: id, actor, action: 'project.changed', target: `project:${id}`, details: { fields: Object.keys(next), ...(next.timezone ? { timezone: next.timezone } : {}), ...(next.name ? { name: next.name } : {}) } });
    });
    this.#cache.delete(id);
    return this.get(id);
  }
}
