import type { Clock } from '../../platform/clock.ts';
import type { Db, Store } from '../../platform/db/store.ts';
import type { Logger } from '../../platform/log.ts';
import type { Metrics } from '../../platform/metrics.ts';
import { uuidv7 } from '../../platform/ids.ts';
import { PermanentFailure, type Queue } from '../../platform/queue/queue.port.ts';
import { describeStoreError, storeFault } from '../../platform/db/store-faults.ts';
import { MaruError, invalid, isMaruError } from '../errors.ts';
import type { IdentifierInput, ProfilesService } from '../profiles/profiles.service.ts';
import { emptyObserved, type Observed, type TaxonomyService } from '../taxonomy/taxonomy.service.ts';
import * as taxonomyRepo from '../taxonomy/taxonomy.repository.ts';
import { TYPE_LABELS, type PropertyType } from '../taxonomy/taxonomy.types.ts';
import { widen } from '../taxonomy/values.ts';
import { validateEvents, type EventInput, type EventWireNames } from './event-validation.ts';
import type { EventsService } from './events.service.ts';
import * as repo from './event-batches.repository.ts';
import type { Backlog } from '../limits/backlog.ts';
import { countReceived } from './ingest-counts.ts';

export const EVENT_BATCH_QUEUE = 'event-batches';
/** Most events one batch may carry. */
export const MAX_BATCH_EVENTS = 1000;

/** An accepted event as it waits in its batch: validated, with its key and time fixed so a re-run stores nothing twice. */
export interface QueuedEvent {
  key: string;
  name: string;
  occurredAt: number;
  properties: Record<string, unknown> | null;
  items: Record<string, unknown>[] | null;
  identifiers: IdentifierInput[];
}

const STORED_WIRE: EventWireNames = {
  events: 'events',
  key: 'key',
  name: 'name',
  occurredAt: 'occurred_at',
  properties: 'properties',
  items: 'items',
  identity: 'identity',
};

/**
 * Asynchronous event ingestion (accept now, store soon).
 *
 * `accept` validates the whole batch against the taxonomy as it stands (event names, property types, datetimes,
 * identifiers) with validateEvents, as EventsService does, then in ONE write unit registers what the batch observed (D4),
 * keeps the batch in `event_batches` and queues a job naming it. When it resolves the batch is durable (D13):
 * the caller may answer 202. Every event's idempotency key (the client's, or `${batchId}:${index}`) and time are
 * fixed at acceptance, so the worker — delivered at least once — stores each event effectively once (D5).
 *
 * The worker (the queue handler the constructor registers) stores a batch with EventsService.ingest (strict=false: what was new was registered
 * at acceptance) and then deletes the batch row; the queue job carries only ids, so no event data outlives the batch.
 * A type registered between acceptance and storage by another process cannot reject the whole batch: the batch is
 * then stored event by event, and an event that no longer fits is logged (without its values) and counted.
 *
 * `applyPending` stores a project's batches accepted up to a time at once; deletion jobs call it so that events
 * accepted before a deletion request are stored before the deletion erases them.
 */
export class EventBatchesService {
  #store: Store;
  #clock: Clock;
  #queue: Queue;
  #events: EventsService;
  #profiles: ProfilesService;
  #taxonomy: TaxonomyService;
  #log: Logger;
  #metrics: Pick<Metrics, 'eventsIngested'> | undefined;
  #backlog: Backlog | undefined;

  constructor(deps: {
    store: Store;
    clock: Clock;
    queue: Queue;
    events: EventsService;
    profiles: ProfilesService;
    taxonomy: TaxonomyService;
    log: Logger;
    metrics?: Pick<Metrics, 'eventsIngested'>;
    /** Bound on batches waiting to be stored (MARU_BACKLOG_MAX_BATCHES); past it `accept` answers unavailable. */
    backlog?: Backlog;
  }) {
    this.#backlog = deps.backlog;
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#queue = deps.queue;
    this.#events = deps.events;
    this.#profiles = deps.profiles;
    this.#taxonomy = deps.taxonomy;
    this.#log = deps.log;
    this.#metrics = deps.metrics;
    // The batch handler runs in processes whose queue is started (the worker role).
    this.#queue.handle<{ projectId: string; batchId: string }>(EVENT_BATCH_QUEUE, async (job) => {
      await this.#applyBatch(job.payload.projectId, job.payload.batchId);
    });
  }

  /**
   * Validates (with the same validator as EventsService.ingest) and durably queues a batch. `strict`: unknown event names and properties are errors; otherwise they
   * are registered with the type of their first value. Returns the batch id (the client's job id).
   */
  /** `face`: who received the batch, counted at acceptance (the worker's later ingest is not counted again). */
  async accept(input: {
    projectId: string;
    events: EventInput[];
    wire: EventWireNames;
    strict: boolean;
    face?: string;
  }): Promise<{ batchId: string; accepted: number }> {
    const { projectId, wire } = input;
    await this.#backlog?.check();
    if (input.events.length === 0) throw invalid(wire.events, `${wire.events} must contain at least one event`);
    if (input.events.length > MAX_BATCH_EVENTS) {
      throw new MaruError('too_many_items', `at most ${MAX_BATCH_EVENTS} events per request, got ${input.events.length}`, { field: wire.events });
    }
    const taxonomy = await this.#taxonomy.get(projectId);
    const observed = await this.#taxonomy.observer(projectId);
    const now = this.#clock.now();
    const batchId = uuidv7(now);

    const valid = await validateEvents({
      taxonomyService: this.#taxonomy,
      profiles: this.#profiles,
      taxonomy,
      projectId,
      events: input.events,
      wire,
      strict: input.strict,
      observed,
      now,
    });
    const firstSeen = valid.firstSeen;
    const queued: QueuedEvent[] = valid.events.map((e, i) => ({
      key: e.key ?? `${batchId}:${i}`,
      name: e.name,
      occurredAt: e.occurredAt,
      properties: e.properties,
      items: e.items,
      identifiers: e.input.filter((id) => id.value !== undefined && id.value !== null),
    }));

    await this.#store.write(async (tx) => {
      await this.#checkStillFree(tx, projectId, observed, firstSeen);
      await this.#taxonomy.registerObserved(tx, projectId, observed, now);
      await repo.insertBatch(tx, { id: batchId, project_id: projectId, events: JSON.stringify(queued), count: queued.length, received_at: now });
      if (input.face !== undefined) await countReceived(tx, projectId, input.face, now, queued.length);
      await this.#queue.add(tx, { queue: EVENT_BATCH_QUEUE, payload: { projectId, batchId }, key: batchId, projectId });
    });
    this.#taxonomy.noteObserved(projectId, observed);
    this.#queue.kick(EVENT_BATCH_QUEUE);
    return { batchId, accepted: queued.length };
  }

  /**
   * Inside the accepting unit: a property this batch saw first may have been registered meanwhile (another request,
   * another process) with a type its value does not fit. Then the batch is refused, naming the field, as if the
   * registration had come first — so a worker never meets a batch it cannot store.
   */
  async #checkStillFree(tx: Db, projectId: string, observed: Observed, firstSeen: Map<string, string>): Promise<void> {
    for (const [key, p] of observed.properties) {
      const existing = await taxonomyRepo.findProperty(tx, projectId, p.scope, p.name);
      if (existing && !widen(existing.type as PropertyType, p.type)) {
        const field = firstSeen.get(key) ?? p.name;
        throw invalid(
          field,
          `${field} must be a ${TYPE_LABELS[existing.type as PropertyType]} (the ${p.scope} property ${p.name} is registered with that type)`,
        );
      }
    }
  }

  /**
   * Stores every batch of the project accepted at or before `receivedUpTo` now (in this process). Returns how many.
   * A batch with events the database refuses keeps only those (parked, its job in the dead-letter list) and does not
   * stop the others; `erase` (a deletion's external ids) drops the parked events of those users, so a later retry
   * cannot bring back data of a deleted user. Only a database fault (retry later) rejects.
   */
  async applyPending(projectId: string, receivedUpTo: number, erase: string[] = []): Promise<number> {
    const ids = await repo.pendingBatchIds(this.#store.db, projectId, receivedUpTo);
    for (const id of ids) {
      try {
        await this.#applyBatch(projectId, id);
      } catch (err) {
        if (!(err instanceof PermanentFailure)) throw err;
      }
    }
    if (erase.length > 0) await this.#eraseParked(projectId, receivedUpTo, new Set(erase));
    return ids.length;
  }

  /** Batches of every project accepted and not yet stored (the backlog bound). */
  waitingCount(): Promise<number> {
    return repo.countAll(this.#store.db);
  }

  /** Batches accepted and not yet stored (for operators and tests). */
  async pendingCount(projectId: string): Promise<number> {
    return (await repo.pendingBatchIds(this.#store.db, projectId, Number.MAX_SAFE_INTEGER)).length;
  }

  async #eraseParked(projectId: string, receivedUpTo: number, externalIds: Set<string>): Promise<void> {
    const named = (e: QueuedEvent) => e.identifiers.some((i) => i.type === 'external_id' && externalIds.has(String(i.value)));
    for (const id of await repo.pendingBatchIds(this.#store.db, projectId, receivedUpTo)) {
      await this.#store.write(async (tx) => {
        const row = await repo.findBatch(tx, projectId, id);
        if (!row) return;
        const events = JSON.parse(row.events) as QueuedEvent[];
        const kept = events.filter((e) => !named(e));
        if (kept.length === events.length) return;
        if (kept.length === 0) await repo.deleteBatch(tx, projectId, id);
        else await repo.updateBatchEvents(tx, projectId, id, JSON.stringify(kept), kept.length);
      });
    }
  }

  async #applyBatch(projectId: string, batchId: string): Promise<void> {
    const row = await repo.findBatch(this.#store.db, projectId, batchId);
    if (!row) return; // already stored (a repeated delivery, or a deletion job stored it first)
    const queued = JSON.parse(row.events) as QueuedEvent[];
    const events = queued.map(
      (e): EventInput => ({ key: e.key, name: e.name, occurredAt: e.occurredAt, properties: e.properties, items: e.items, identifiers: e.identifiers }),
    );
    const ingest = (list: EventInput[]) =>
      this.#events.ingest({ projectId, events: list, source: 'api', strict: false, wire: STORED_WIRE, receivedAt: row.received_at });
    // A database fault (full disk, connection lost) or an internal error: the queue retries the whole batch later
    // (events already stored are not stored twice: their keys are fixed).
    const transient = (err: unknown) => storeFault(err) !== undefined || (isMaruError(err) && err.status >= 500);
    let accepted = 0;
    let duplicates = 0;
    let rejected = 0;
    const refused: { index: number; reason: string }[] = [];
    try {
      const r = await ingest(events);
      accepted = r.accepted;
      duplicates = r.duplicates;
    } catch (err) {
      if (transient(err)) throw err;
      // Something in the batch cannot be stored: store it event by event, so one bad event takes no good one with it.
      for (const [index, e] of events.entries()) {
        try {
          const r = await ingest([e]);
          accepted += r.accepted;
          duplicates += r.duplicates;
        } catch (one) {
          if (transient(one)) throw one;
          if (isMaruError(one)) {
            rejected++;
            this.#log.warn({ projectId, batchId, index, code: one.code, field: one.field }, 'queued event no longer fits the taxonomy; not stored');
          } else refused.push({ index, reason: describeStoreError(one) });
        }
      }
    }
    this.#metrics?.eventsIngested.inc({ source: 'api' }, accepted);
    if (refused.length > 0) {
      // The database refuses these events (e.g. a value it cannot hold): keep only them in the batch and park its job
      // in the dead-letter list with the reason (no event values in it); an operator can read and retry it.
      const kept = refused.map((r) => queued[r.index]);
      await this.#store.write((tx) => repo.updateBatchEvents(tx, projectId, batchId, JSON.stringify(kept), kept.length));
      const reason = `${refused.length} of ${events.length} events could not be stored and are kept in batch ${batchId}: ${refused
        .slice(0, 5)
        .map((r) => `event ${r.index}: ${r.reason}`)
        .join('; ')}`;
      this.#log.warn({ projectId, batchId, stored: accepted, refused: refused.length }, reason);
      throw new PermanentFailure(reason);
    }
    await this.#store.write((tx) => repo.deleteBatch(tx, projectId, batchId));
    this.#log.debug({ projectId, batchId, accepted, duplicates, rejected }, 'event batch stored');
  }
}
