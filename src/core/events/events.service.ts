import type { Clock } from '../../platform/clock.ts';
import type { Db, Store } from '../../platform/db/store.ts';
import { uuidv7 } from '../../platform/ids.ts';
import type { IdentityService } from '../identity/identity.service.ts';
import type { ProfilesService } from '../profiles/profiles.service.ts';
import { emptyObserved, type TaxonomyService } from '../taxonomy/taxonomy.service.ts';
import { isPlainObject, validateEvents, type EventInput, type EventWireNames, type ValidatedIdentity } from './event-validation.ts';
import type { EventStorage } from './event-storage.ts';
import * as repo from './events.repository.ts';
import { countReceived } from './ingest-counts.ts';

/** Where the event came from, as exported (df_source_type). */
export type EventSource = 'api' | 'sdk' | 'import' | 'system';

export type { EventInput, EventWireNames };
export { isPlainObject };

export interface IngestResult {
  accepted: number;
  duplicates: number;
  profileIds: string[];
}

/** A batch of stored events, as ingest listeners see it (the rows as written; `properties` is JSON text or null). */
export interface IngestedBatch {
  projectId: string;
  source: EventSource;
  events: readonly Readonly<repo.NewEventRow>[];
}

/**
 * A listener of ingested events (e.g. campaign triggers). `inUnit` runs inside the ingest's write unit after the
 * events are written, so what it writes commits or rolls back with them: keep it to small writes such as adding a
 * queue job (a throw fails the ingest). `afterCommit` runs once the events are durable and must not throw.
 * A retried request shows the same events again (duplicates included), so listeners must be idempotent.
 */
export interface IngestListener {
  inUnit?(tx: Db, batch: IngestedBatch): Promise<void>;
  afterCommit?(batch: IngestedBatch): void;
}

/**
 * Event ingestion: validated whole, then stored in one write unit with identity resolution (all or nothing, D13);
 * events whose key was already stored are acknowledged and not stored again (D5).
 *
 * Rows are written through EventStorage: under concurrent load (SQLite) they are acknowledged from the ingest log
 * and merged into `events` in sorted batches; `flush()` is the barrier for readers. IngestResult then counts every
 * row as accepted (duplicates are found and counted at merge).
 *
 * Dedupe: the unique key is (project, occurred_at, key). Ordering the index by time keeps inserts at the end of
 * the B-tree (a unique index on random UUIDs alone cuts SQLite's insert rate ~10x as it grows); a retry carries
 * the same occurred_at, so replays are still caught however old they are. See docs/design.md.
 */
export class EventsService {
  #store: Store;
  #clock: Clock;
  #identity: IdentityService;
  #profiles: ProfilesService;
  #taxonomy: TaxonomyService;
  #listeners: readonly IngestListener[];
  #storage: EventStorage;
  /** Ingests between validation and commit: more than one means concurrent load, and rows go through the log. */
  #inFlight = 0;

  /** `listeners`: what runs with each ingested batch (campaign triggers), inside its unit and after its commit. */
  constructor(deps: {
    store: Store;
    clock: Clock;
    identity: IdentityService;
    profiles: ProfilesService;
    taxonomy: TaxonomyService;
    storage: EventStorage;
    listeners?: readonly IngestListener[];
  }) {
    this.#listeners = deps.listeners ?? [];
    this.#storage = deps.storage;
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#identity = deps.identity;
    this.#profiles = deps.profiles;
    this.#taxonomy = deps.taxonomy;
  }

  async ingest(input: {
    projectId: string;
    events: EventInput[];
    source: EventSource;
    strict: boolean;
    wire: EventWireNames;
    receivedAt?: number;
    /** The face that received the events (its folder name), counted per hour for the console (ingest-counts.ts). */
    face?: string;
  }): Promise<IngestResult> {
    const { projectId, wire } = input;
    const taxonomy = await this.#taxonomy.get(projectId);
    const observed = await this.#taxonomy.observer(projectId);
    const now = input.receivedAt ?? this.#clock.now();

    // Validate everything before writing anything.
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
    // Rows grouped by identity (first-seen order), so each identity is resolved once.
    const identityGroups = new Map<ValidatedIdentity, repo.NewEventRow[]>();
    for (const id of valid.identities) identityGroups.set(id, []);
    for (const e of valid.events) {
      identityGroups.get(e.identity)!.push({
        project_id: projectId,
        occurred_at: e.occurredAt,
        event_key: e.key ?? uuidv7(now),
        name: e.name,
        received_at: now,
        profile_id: '',
        properties: e.properties ? JSON.stringify(e.properties) : null,
        items: e.items ? JSON.stringify(e.items) : null,
        source: input.source,
      });
    }

    let batch: IngestedBatch | undefined;
    let deferred = 0;
    const defer = ++this.#inFlight > 1;
    let result: IngestResult;
    try {
      result = await this.#store.write(async (tx) => {
        await this.#taxonomy.registerObserved(tx, projectId, observed, now);
        const rows: repo.NewEventRow[] = [];
        const profileIds: string[] = [];
        for (const [identity, group] of identityGroups) {
          const r = await this.#identity.resolve(tx, { projectId, identifiers: identity.identifiers, now });
          profileIds.push(r.profileId);
          for (const row of group) {
            row.profile_id = r.profileId;
            rows.push(row);
          }
        }
        const written = await this.#storage.write(tx, rows, defer);
        if (input.face !== undefined) await countReceived(tx, projectId, input.face, now, rows.length);
        deferred = written.deferred ? rows.length : 0;
        if (this.#listeners.length > 0) {
          batch = { projectId, source: input.source, events: rows };
          for (const l of this.#listeners) await l.inUnit?.(tx, batch);
        }
        return { accepted: written.inserted, duplicates: rows.length - written.inserted, profileIds };
      });
    } finally {
      this.#inFlight--;
    }
    if (deferred > 0) this.#storage.appended(deferred);
    // Duplicates found at insert are counted here for every face (deferred rows are counted at merge).
    if (result.duplicates > 0) this.#storage.duplicatesFound(result.duplicates);
    this.#taxonomy.noteObserved(projectId, observed);
    if (batch) for (const l of this.#listeners) l.afterCommit?.(batch);
    return result;
  }

  /** Stored events of a project (every acknowledged one: the ingest log is merged first). */
  async count(projectId: string): Promise<number> {
    await this.#storage.flush();
    return repo.countEvents(this.#store.db, projectId);
  }

  /** Read-your-writes barrier: every acknowledged event is in `events` when it resolves (EventStorage.flush). */
  flush(): Promise<void> {
    return this.#storage.flush();
  }
}
