import type { Clock } from '../../platform/clock.ts';
import type { Db, Store } from '../../platform/db/store.ts';
import { uuidv7 } from '../../platform/ids.ts';
import { invalid } from '../errors.ts';
import { identifierKey, type Identifier } from '../identity/identifiers.ts';
import type { IdentityService } from '../identity/identity.service.ts';
import type { IdentifierInput, ProfilesService } from '../profiles/profiles.service.ts';
import { emptyObserved, type TaxonomyService } from '../taxonomy/taxonomy.service.ts';
import { parseDatetime } from '../taxonomy/values.ts';
import * as repo from './events.repository.ts';

/** Where the event came from, as exported (df_source_type). */
export type EventSource = 'api' | 'sdk' | 'import' | 'system';

export interface EventInput {
  /** Idempotency key (D5); maru generates a time-ordered one when absent. */
  key?: unknown;
  name: unknown;
  /** ISO 8601 with a zone (D3), or epoch ms. Absent: the time it was received. */
  occurredAt?: unknown;
  properties?: unknown;
  items?: unknown;
  identifiers: IdentifierInput[];
}

/** The names the face's wire format uses, so errors name the field as the client wrote it. */
export interface EventWireNames {
  events: string;
  key: string;
  name: string;
  occurredAt: string;
  properties: string;
  items: string;
  identity: string;
  /** true when the identity is shared by all events (its field is not under each event). */
  sharedIdentity?: boolean;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  profileIds: string[];
}

const MAX_KEY = 200;

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
  #listeners: IngestListener[] = [];

  constructor(deps: { store: Store; clock: Clock; identity: IdentityService; profiles: ProfilesService; taxonomy: TaxonomyService }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#identity = deps.identity;
    this.#profiles = deps.profiles;
    this.#taxonomy = deps.taxonomy;
  }

  async ingest(input: { projectId: string; events: EventInput[]; source: EventSource; strict: boolean; wire: EventWireNames; receivedAt?: number }): Promise<IngestResult> {
    const { projectId, wire } = input;
    const taxonomy = await this.#taxonomy.get(projectId);
    const observed = emptyObserved();
    const now = input.receivedAt ?? this.#clock.now();

    // Validate everything before writing anything.
    const identityGroups = new Map<string, { identifiers: Identifier[]; rows: repo.NewEventRow[] }>();
    // The same identifiers array (e.g. a request's shared identity) is normalised once.
    const identityCache = new Map<IdentifierInput[], { identifiers: Identifier[]; rows: repo.NewEventRow[] }>();
    const events = input.events;
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      // Field names are built only when an error names them.
      const at = () => `${wire.events}[${i}]`;
      const name = this.#taxonomy.checkEventName({ taxonomy, name: e.name, field: () => `${at()}.${wire.name}`, strict: input.strict, observed });

      let occurredAt: number;
      if (e.occurredAt === undefined || e.occurredAt === null) {
        occurredAt = now;
      } else if (typeof e.occurredAt === 'number' && Number.isSafeInteger(e.occurredAt)) {
        occurredAt = e.occurredAt;
      } else {
        const ms = parseDatetime(e.occurredAt);
        if (ms === undefined) {
          throw invalid(`${at()}.${wire.occurredAt}`, `${at()}.${wire.occurredAt} must be an ISO 8601 datetime with Z or an offset, e.g. 2024-06-24T06:01:48.501Z`);
        }
        occurredAt = ms;
      }

      let key: string;
      if (e.key === undefined || e.key === null) key = uuidv7(now);
      else if (typeof e.key !== 'string' || e.key.length === 0 || e.key.length > MAX_KEY) {
        throw invalid(`${at()}.${wire.key}`, `${at()}.${wire.key} must be a non-empty string of at most ${MAX_KEY} characters`);
      } else key = e.key;

      if (e.properties !== undefined && e.properties !== null && !isPlainObject(e.properties)) {
        throw invalid(`${at()}.${wire.properties}`, `${at()}.${wire.properties} must be an object`);
      }
      const properties = this.#taxonomy.checkProperties({
        taxonomy,
        scope: 'event',
        values: (e.properties as Record<string, unknown> | null | undefined) ?? {},
        field: () => `${at()}.${wire.properties}`,
        strict: input.strict,
        observed,
      });

      let items: Record<string, unknown>[] | null = null;
      if (e.items !== undefined && e.items !== null) {
        if (!Array.isArray(e.items)) throw invalid(`${at()}.${wire.items}`, `${at()}.${wire.items} must be an array of objects`);
        items = e.items.map((item, j) => {
          const field = () => `${at()}.${wire.items}[${j}]`;
          if (!isPlainObject(item)) throw invalid(field(), `${field()} must be an object`);
          return this.#taxonomy.checkProperties({ taxonomy, scope: 'item', values: item, field, strict: input.strict, observed });
        });
        if (items.length === 0) items = null;
      }

      let group = identityCache.get(e.identifiers);
      if (!group) {
        const identifiers = await this.#profiles.normalize(projectId, e.identifiers, wire.sharedIdentity ? wire.identity : `${at()}.${wire.identity}`);
        const groupKey = identifiers.map(identifierKey).sort().join('\u0001');
        group = identityGroups.get(groupKey);
        if (!group) {
          group = { identifiers, rows: [] };
          identityGroups.set(groupKey, group);
        }
        identityCache.set(e.identifiers, group);
      }
      group.rows.push({
        project_id: projectId,
        occurred_at: occurredAt,
        event_key: key,
        name,
        received_at: now,
        profile_id: '',
        properties: Object.keys(properties).length > 0 ? JSON.stringify(properties) : null,
        items: items ? JSON.stringify(items) : null,
        source: input.source,
      });
    }

    let batch: IngestedBatch | undefined;
    const result = await this.#store.write(async (tx) => {
      await this.#taxonomy.registerObserved(tx, projectId, observed, now);
      const rows: repo.NewEventRow[] = [];
      const profileIds: string[] = [];
      for (const group of identityGroups.values()) {
        const r = await this.#identity.resolve(tx, { projectId, identifiers: group.identifiers, now });
        profileIds.push(r.profileId);
        for (const row of group.rows) {
          row.profile_id = r.profileId;
          rows.push(row);
        }
      }
      const inserted = await repo.insertEvents(tx, rows);
      if (this.#listeners.length > 0) {
        batch = { projectId, source: input.source, events: rows };
        for (const l of this.#listeners) await l.inUnit?.(tx, batch);
      }
      return { accepted: inserted, duplicates: rows.length - inserted, profileIds };
    });
    this.#taxonomy.noteObserved(projectId, observed);
    if (batch) for (const l of this.#listeners) l.afterCommit?.(batch);
    return result;
  }

  addIngestListener(listener: IngestListener): void {
    this.#listeners.push(listener);
  }

  count(projectId: string): Promise<number> {
    return repo.countEvents(this.#store.db, projectId);
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
