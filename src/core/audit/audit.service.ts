import type { Clock } from '../../platform/clock.ts';
import type { Db, Store } from '../../platform/db/store.ts';
import type { Limits } from '../../platform/limits/limits.port.ts';
import type { Actor } from '../accounts/roles.ts';
import * as repo from './audit.repository.ts';

/** The audit actions maru records (docs/console.md "Audit log"). */
export type AuditAction =
  | 'project.created'
  | 'project.changed'
  | 'project.deleted'
  | 'credential.issued'
  | 'credential.reissued'
  | 'provider.changed'
  | 'provider.removed'
  | 'provider.tested'
  | 'campaign.status_changed'
  | 'profile.deleted'
  | 'user.created'
  | 'user.changed'
  | 'user.deleted'
  | 'role.changed';

export interface AuditEntry {
  id: number;
  at: number;
  projectId: string | null;
  actor: Actor;
  action: string;
  target: string;
  details: Record<string, unknown>;
}

/** Who acted when a core call came without a caller (the CLI, a worker). */
export const SYSTEM_ACTOR: Actor = { type: 'cli' };

/**
 * The audit log: who did what and when. Core services record their entries through `record(tx, ...)` inside the
 * transaction of the change itself, so an entry exists exactly when the change was committed.
 */
export class AuditService {
  #store: Store;
  #clock: Clock;

  constructor(deps: { store: Store; clock: Clock }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
  }

  async record(
    tx: Db,
    entry: { projectId: string | null; actor?: Actor; action: AuditAction; target: string; details?: Record<string, unknown> },
  ): Promise<void> {
    const actor = entry.actor ?? SYSTEM_ACTOR;
    await repo.insertEntry(tx, {
      project_id: entry.projectId,
      at: this.#clock.now(),
      actor_type: actor.type,
      actor_id: actor.id ?? null,
      actor_email: actor.email ?? null,
      action: entry.action,
      target: entry.target,
      details: JSON.stringify(entry.details ?? {}),
    });
  }

  /** Newest first; `before` is the `next` cursor of the previous page (an entry id). */
  async list(projectId: string | null, page: { before?: number; limit: number }): Promise<{ items: AuditEntry[]; next: number | null }> {
    const rows = await repo.listEntries(this.#store.db, projectId, { before: page.before, limit: page.limit + 1 });
    const items = rows.slice(0, page.limit).map((r) => ({
      id: Number(r.id),
      at: r.at,
      projectId: r.project_id,
      actor: { type: r.actor_type as Actor['type'], ...(r.actor_id ? { id: r.actor_id } : {}), ...(r.actor_email ? { email: r.actor_email } : {}) },
      action: r.action,
      target: r.target,
      details: JSON.parse(r.details) as Record<string, unknown>,
    }));
    return { items, next: rows.length > page.limit ? items[items.length - 1].id : null };
  }
}

/** Rejected requests kept per project (the newest; older ones are pruned). */
export const REJECTED_KEEP = 200;
/** At most this many rejections are recorded per project per minute (a flood of bad requests stays cheap). */
const REJECTED_PER_MINUTE = 120;

export interface RejectedRequest {
  id: number;
  at: number;
  method: string;
  route: string;
  status: number;
  code: string;
  message: string;
  field: string | null;
}

/**
 * The latest requests a face refused for a project, with their reason, for the console's overview page. Bounded:
 * REJECTED_KEEP rows per project, and recording is itself rate-limited through the limits port.
 */
export class RejectedRequestsService {
  #store: Store;
  #clock: Clock;
  #limits: Limits;
  #sincePrune = new Map<string, number>();

  constructor(deps: { store: Store; clock: Clock; limits: Limits }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#limits = deps.limits;
  }

  async record(input: { projectId: string; method: string; route: string; status: number; code: string; message: string; field?: string }): Promise<void> {
    const d = await this.#limits.consume({ key: `rejected:${input.projectId}`, limit: REJECTED_PER_MINUTE, windowMs: 60_000 });
    if (!d.allowed) return;
    const count = (this.#sincePrune.get(input.projectId) ?? 0) + 1;
    const prune = count >= 20;
    this.#sincePrune.set(input.projectId, prune ? 0 : count);
    if (this.#sincePrune.size > 10_000) this.#sincePrune.clear();
    await this.#store.write(async (tx) => {
      await repo.insertRejected(tx, {
        project_id: input.projectId,
        at: this.#clock.now(),
        method: input.method,
        route: input.route.slice(0, 200),
        status: input.status,
        code: input.code.slice(0, 100),
        message: input.message.slice(0, 500),
        field: input.field?.slice(0, 200) ?? null,
      });
      if (prune) await repo.pruneRejected(tx, input.projectId, REJECTED_KEEP);
    });
  }

  async list(projectId: string, page: { before?: number; limit: number }): Promise<{ items: RejectedRequest[]; next: number | null }> {
    const rows = await repo.listRejected(this.#store.db, projectId, { before: page.before, limit: page.limit + 1 });
    const items = rows
      .slice(0, page.limit)
      .map((r) => ({ ...r, id: Number(r.id), project_id: undefined }))
      .map(({ project_id: _p, ...r }) => r);
    return { items, next: rows.length > page.limit ? items[items.length - 1].id : null };
  }
}
