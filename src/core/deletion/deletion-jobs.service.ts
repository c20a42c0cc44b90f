import { createHash } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import type { Db, Store } from '../../platform/db/store.ts';
import type { Logger } from '../../platform/log.ts';
import { uuidv7 } from '../../platform/ids.ts';
import { PermanentFailure, type JobContext, type Queue } from '../../platform/queue/queue.port.ts';
import { MaruError, invalid, isMaruError } from '../errors.ts';
import type { DeletionCounts, DeletionService } from './deletion.service.ts';
import * as repo from './deletion-jobs.repository.ts';
import type { DeletionJobRow } from './deletion-jobs.tables.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { Actor } from '../accounts/roles.ts';
import { identifiersOf, resolveAlias } from '../identity/identity.repository.ts';
import { MAX_IDENTIFIER_LENGTH, parseIdentifier } from '../identity/identifiers.ts';
import { findProfile } from '../profiles/profiles.repository.ts';

export const DELETION_QUEUE = 'deletion-jobs';
/** Most users one deletion job may name. */
export const MAX_DELETION_IDS = 1000;

export type DeletionJobStatus = 'pending' | 'running' | 'completed' | 'failed';

export interface DeletionJob {
  id: string;
  projectId: string;
  status: DeletionJobStatus;
  /** Distinct users (external ids) requested. */
  requested: number;
  /** Profiles deleted. */
  deleted: number;
  /** Rows removed per kind: profiles, identifiers, devices, events, aliases, and whatever registered erasers report. */
  counts: DeletionCounts;
  /** For a failed job: what went wrong (no personal data). */
  error: string | null;
  createdAt: number;
  startedAt: number | null;
  completedAt: number | null;
}

/**
 * Called before a job erases anything, with the job's creation time: a module that accepts writes asynchronously
 * stores what it accepted up to then, so that data sent before the deletion request is erased too, not stored after.
 */
export type Flusher = (projectId: string, acceptedUpTo: number, externalIds: string[]) => Promise<unknown>;

const ZERO_COUNTS: DeletionCounts = { profiles: 0, identifiers: 0, devices: 0, events: 0, aliases: 0 };

/**
 * Asynchronous deletion of users by external_id.
 *
 * `create` validates the request, then in one unit records the job (status `pending`) and queues it: the job exists
 * and will run exactly when the caller gets its id. The worker erases every named profile with DeletionService.eraseInTx
 * in ONE unit together with the job's completion and an audit record, so a crash leaves either nothing done or all done;
 * a repeated delivery of a finished job does nothing. Unknown users complete with zero counts; deleting twice is harmless.
 *
 * A failed job (its queue job in the dead-letter list) keeps its ids, so an operator can retry it once the cause is fixed.
 *
 * Personal data: the raw external ids are kept only in the job's `pending_ids` until it completes (then NULL); the job
 * keeps salted SHA-256 digests of them, and the audit record keeps only job id, project, counts and time. Queue
 * payloads carry ids of jobs only.
 */
export class DeletionJobsService {
  #store: Store;
  #clock: Clock;
  #queue: Queue;
  #deletion: DeletionService;
  #log: Logger;
  #flushers: readonly Flusher[];

  #audit: AuditService | undefined;

  /**
   * `flushers` run before a job erases (accepted-but-unstored events first, so the deletion sees them). The job
   * handler is registered here; it runs in processes whose queue is started (the worker role).
   */
  constructor(deps: { store: Store; clock: Clock; queue: Queue; deletion: DeletionService; log: Logger; audit?: AuditService; flushers?: readonly Flusher[] }) {
    this.#flushers = deps.flushers ?? [];
    this.#audit = deps.audit;
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#queue = deps.queue;
    this.#deletion = deps.deletion;
    this.#log = deps.log;
    this.#queue.handle<{ projectId: string; jobId: string }>(DELETION_QUEUE, (job) => this.#run(job), { concurrency: 1 });
  }

  /**
   * Creates a job deleting the users with these external ids. `field` names the list in errors, `itemField` one of
   * its entries (default `${field}[i]`).
   */
  /**
   * Deletes one profile (the console's delete button): a deletion job for the external ids it holds, recorded in
   * the audit log. A profile without an external id cannot be named to the deletion job: conflict.
   */
  async deleteProfile(input: { projectId: string; profileId: string; actor?: Actor }): Promise<DeletionJob> {
    const live = await resolveAlias(this.#store.db, input.projectId, input.profileId);
    const externalIds = (await identifiersOf(this.#store.db, input.projectId, [live])).filter((i) => i.type === 'external_id').map((i) => i.value);
    if (externalIds.length === 0) {
      if (!(await findProfile(this.#store.db, input.projectId, live))) throw new MaruError('not_found', 'no such profile');
      throw new MaruError('conflict', 'this profile has no external id, which deletion works by; it is removed with the data it came with');
    }
    return this.create({
      projectId: input.projectId,
      externalIds,
      field: 'profileId',
      onCreate: (tx, job) =>
        this.#audit?.record(tx, {
          projectId: input.projectId,
          actor: input.actor,
          action: 'profile.deleted',
          target: `profile:${live}`,
          details: { jobId: job.id },
        }) ?? Promise.resolve(),
    });
  }

  async create(input: {
    projectId: string;
    externalIds: unknown;
    field: string;
    itemField?: (index: number) => string;
    onCreate?: (tx: Db, job: DeletionJobRow) => Promise<void>;
  }): Promise<DeletionJob> {
    const { field } = input;
    if (!Array.isArray(input.externalIds)) throw invalid(field, `${field} must be an array of user ids`);
    if (input.externalIds.length === 0) throw invalid(field, `${field} must name at least one user`);
    if (input.externalIds.length > MAX_DELETION_IDS) {
      throw new MaruError('too_many_items', `at most ${MAX_DELETION_IDS} users per deletion job, got ${input.externalIds.length}`, { field });
    }
    const ids = new Set<string>();
    input.externalIds.forEach((raw, i) => {
      const f = input.itemField ? input.itemField(i) : `${field}[${i}]`;
      // A user id by the one identifier rule (identifiers.ts: string or safe integer, length, D16 text), trimmed as
      // stored. A placeholder value (D6) is kept: no profile can hold it, so it deletes nothing.
      const empty = raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
      if (empty || (typeof raw !== 'string' && !(typeof raw === 'number' && Number.isSafeInteger(raw)))) {
        throw invalid(f, `${f} must be a non-empty string of at most ${MAX_IDENTIFIER_LENGTH} characters`);
      }
      ids.add(parseIdentifier('external_id', raw, { field: f, region: 'KR' })!.raw);
    });
    const now = this.#clock.now();
    const id = uuidv7(now);
    const row: DeletionJobRow = {
      id,
      project_id: input.projectId,
      status: 'pending',
      requested: ids.size,
      deleted: 0,
      counts: JSON.stringify(ZERO_COUNTS),
      requested_digests: JSON.stringify([...ids].map((v) => digest(id, v)).sort()),
      pending_ids: JSON.stringify([...ids]),
      error: null,
      queue_job_id: null,
      created_at: now,
      started_at: null,
      completed_at: null,
    };
    await this.#store.write(async (tx) => {
      await repo.insertJob(tx, row);
      const queued = await this.#queue.add(tx, {
        queue: DELETION_QUEUE,
        payload: { projectId: input.projectId, jobId: id },
        key: id,
        projectId: input.projectId,
      });
      await repo.setQueueJob(tx, input.projectId, id, queued.id);
      row.queue_job_id = queued.id;
      await input.onCreate?.(tx, row);
    });
    this.#queue.kick(DELETION_QUEUE);
    return toJob(row);
  }

  /** A job of this project; another project's job (or an unknown id) is not_found. */
  async get(projectId: string, id: string): Promise<DeletionJob> {
    const row = await repo.findJob(this.#store.db, projectId, id);
    if (!row) throw new MaruError('not_found', 'no such deletion job', { field: 'job_id' });
    if ((row.status === 'pending' || row.status === 'running') && row.queue_job_id) {
      // The queue fails a job without running its handler when its worker died during the last attempt.
      const queued = await this.#queue.get(row.queue_job_id);
      if (queued?.state === 'failed') {
        await this.#fail(projectId, id, row.requested, new Error(queued.lastError ?? 'the queue gave up on the job'));
        return toJob((await repo.findJob(this.#store.db, projectId, id))!);
      }
    }
    return toJob(row);
  }

  /** Whether a job named this external id (compares digests; the id itself is not stored). */
  async requested(projectId: string, id: string, externalId: string): Promise<boolean> {
    const row = await repo.findJob(this.#store.db, projectId, id);
    return !!row && (JSON.parse(row.requested_digests) as string[]).includes(digest(id, externalId.trim()));
  }

  /** The audit records of a job. */
  async audit(projectId: string, jobId: string) {
    return (await repo.auditOf(this.#store.db, projectId, jobId)).map((r) => ({
      jobId: r.job_id,
      projectId: r.project_id,
      outcome: r.outcome,
      requested: r.requested,
      deleted: r.deleted,
      counts: JSON.parse(r.counts) as DeletionCounts,
      at: r.at,
    }));
  }

  async #run(job: JobContext<{ projectId: string; jobId: string }>): Promise<void> {
    const { projectId, jobId } = job.payload;
    const row = await repo.findJob(this.#store.db, projectId, jobId);
    // A failed job runs again only when an operator retried its queue job (the dead-letter list): it starts over.
    if (!row || row.status === 'completed' || row.pending_ids === null) return;
    try {
      if (row.status !== 'running') await this.#store.write((tx) => repo.markRunning(tx, projectId, jobId, this.#clock.now()));
      for (const flush of this.#flushers) await flush(projectId, row.created_at, JSON.parse(row.pending_ids) as string[]);
      const counts = await this.#store.write(async (tx) => {
        const current = await repo.findJob(tx, projectId, jobId);
        if (!current || current.pending_ids === null) return undefined; // finished meanwhile
        const ids = JSON.parse(current.pending_ids) as string[];
        const profileIds = await this.#deletion.select(
          tx,
          projectId,
          ids.map((value) => ({ type: 'external_id' as const, value })),
        );
        const counts = await this.#deletion.eraseInTx(tx, projectId, profileIds);
        const now = this.#clock.now();
        const deleted = counts.profiles ?? 0;
        await repo.finishJob(tx, projectId, jobId, { status: 'completed', deleted, counts, error: null, at: now });
        await repo.insertAudit(tx, {
          id: uuidv7(now),
          project_id: projectId,
          job_id: jobId,
          outcome: 'completed',
          requested: current.requested,
          deleted,
          counts: JSON.stringify(counts),
          at: now,
        });
        return counts;
      });
      if (counts) this.#log.info({ projectId, jobId, counts }, 'deletion job completed');
    } catch (err) {
      if (err instanceof PermanentFailure || job.attempt >= job.maxAttempts) await this.#fail(projectId, jobId, row.requested, err);
      throw err;
    }
  }

  async #fail(projectId: string, jobId: string, requested: number, err: unknown): Promise<void> {
    // The message a client sees says nothing internal; the cause is in the log.
    const error = isMaruError(err) && err.status < 500 ? err.message : 'the deletion could not be completed; see the server log';
    this.#log.error({ err, projectId, jobId }, 'deletion job failed');
    try {
      await this.#store.write(async (tx) => {
        const now = this.#clock.now();
        if (!(await repo.finishJob(tx, projectId, jobId, { status: 'failed', deleted: 0, counts: ZERO_COUNTS, error, at: now }))) return;
        await repo.insertAudit(tx, {
          id: uuidv7(now),
          project_id: projectId,
          job_id: jobId,
          outcome: 'failed',
          requested,
          deleted: 0,
          counts: JSON.stringify(ZERO_COUNTS),
          at: now,
        });
      });
    } catch (e) {
      this.#log.error({ err: e, projectId, jobId }, 'could not record the failure of a deletion job');
    }
  }
}

const digest = (jobId: string, externalId: string) => createHash('sha256').update(`${jobId}:${externalId}`, 'utf8').digest('hex');

function toJob(r: DeletionJobRow): DeletionJob {
  return {
    id: r.id,
    projectId: r.project_id,
    status: r.status as DeletionJobStatus,
    requested: r.requested,
    deleted: r.deleted,
    counts: JSON.parse(r.counts) as DeletionCounts,
    error: r.error,
    createdAt: r.created_at,
    startedAt: r.started_at,
    completedAt: r.completed_at,
  };
}
