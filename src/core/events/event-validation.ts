import { invalid } from '../errors.ts';
import { identifierKey, type Identifier } from '../identity/identifiers.ts';
import type { IdentifierInput, ProfilesService } from '../profiles/profiles.service.ts';
import type { Observed, TaxonomyService } from '../taxonomy/taxonomy.service.ts';
import type { Taxonomy } from '../taxonomy/taxonomy.types.ts';
import { parseDatetime } from '../taxonomy/values.ts';

/** An event as a face hands it to the core, before validation. */
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
  /** The datetime shown as an example when occurredAt is refused (the face's own documentation style). */
  occurredAtExample?: string;
}

/** Longest idempotency key accepted. */
export const MAX_EVENT_KEY = 200;

const DEFAULT_DATETIME_EXAMPLE = '2024-06-24T06:01:48.501Z';

/**
 * A validated event. Events that share one `identifiers` input array (a request's shared identity) share one
 * `identity` object, and events whose identifiers normalise to the same set share one too, so callers can resolve
 * each identity once per request.
 */
export interface ValidatedEvent {
  /** The client's key, or undefined: the caller fixes one (a generated UUIDv7, or a batch-derived key). */
  key: string | undefined;
  name: string;
  occurredAt: number;
  /** Checked values as stored (nulls dropped); null when there are none. */
  properties: Record<string, unknown> | null;
  items: Record<string, unknown>[] | null;
  /** The identifiers as the face gave them. */
  input: IdentifierInput[];
  identity: ValidatedIdentity;
}

export interface ValidatedIdentity {
  /** Normalised identifiers (at least one). */
  identifiers: Identifier[];
  /** Order-independent key of the normalised set. */
  key: string;
}

export interface ValidatedEvents {
  events: ValidatedEvent[];
  /** Distinct identities, in first-seen order. */
  identities: ValidatedIdentity[];
  /**
   * For each property this request saw first (key of `observed.properties`), the field where it was first seen,
   * so a later refusal (the property was registered meanwhile with another type) names it as the client wrote it.
   */
  firstSeen: Map<string, string>;
}

/**
 * The one event validator of both ingest paths (synchronous EventsService.ingest and asynchronous
 * EventBatchesService.accept): event names and properties against the taxonomy (D4), datetimes (D3), idempotency
 * keys (D5), items and identifiers (D6). Throws invalid_input naming the first field that is wrong; builds no field
 * name unless it reports one. New definitions go into `observed`.
 */
export async function validateEvents(input: {
  taxonomyService: TaxonomyService;
  profiles: ProfilesService;
  taxonomy: Taxonomy;
  projectId: string;
  events: readonly EventInput[];
  wire: EventWireNames;
  strict: boolean;
  observed: Observed;
  /** Used for events without a time. */
  now: number;
}): Promise<ValidatedEvents> {
  const { taxonomyService: tax, taxonomy, wire, strict, observed, now } = input;
  const firstSeen = new Map<string, string>();
  const byInput = new Map<IdentifierInput[], ValidatedIdentity>();
  const byKey = new Map<string, ValidatedIdentity>();
  const out: ValidatedEvent[] = [];
  const events = input.events;
  const example = wire.occurredAtExample ?? DEFAULT_DATETIME_EXAMPLE;

  /** After a property check: the properties it added to `observed` were first seen under `field`. */
  const noteNew = (sizeBefore: number, field: () => string) => {
    if (observed.properties.size === sizeBefore) return;
    let i = 0;
    for (const key of observed.properties.keys())
      if (i++ >= sizeBefore && !firstSeen.has(key)) firstSeen.set(key, `${field()}.${observed.properties.get(key)!.name}`);
  };

  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    // Field names are built only when an error names them.
    const at = () => `${wire.events}[${i}]`;
    const name = tax.checkEventName({ taxonomy, name: e.name, field: () => `${at()}.${wire.name}`, strict, observed });

    let occurredAt: number;
    if (e.occurredAt === undefined || e.occurredAt === null) occurredAt = now;
    else if (typeof e.occurredAt === 'number' && Number.isSafeInteger(e.occurredAt)) occurredAt = e.occurredAt;
    else {
      const ms = parseDatetime(e.occurredAt);
      if (ms === undefined) {
        const field = `${at()}.${wire.occurredAt}`;
        throw invalid(field, `${field} must be an ISO 8601 datetime with Z or an offset, e.g. ${example}`);
      }
      occurredAt = ms;
    }

    let key: string | undefined;
    if (e.key === undefined || e.key === null) key = undefined;
    else if (typeof e.key !== 'string' || e.key.length === 0 || e.key.length > MAX_EVENT_KEY) {
      const field = `${at()}.${wire.key}`;
      throw invalid(field, `${field} must be a non-empty string of at most ${MAX_EVENT_KEY} characters`);
    } else key = e.key;

    if (e.properties !== undefined && e.properties !== null && !isPlainObject(e.properties)) {
      const field = `${at()}.${wire.properties}`;
      throw invalid(field, `${field} must be an object`);
    }
    const propertiesField = () => `${at()}.${wire.properties}`;
    let size = observed.properties.size;
    const properties = tax.checkProperties({
      taxonomy,
      scope: 'event',
      values: (e.properties as Record<string, unknown> | null | undefined) ?? {},
      field: propertiesField,
      strict,
      observed,
    });
    noteNew(size, propertiesField);

    let items: Record<string, unknown>[] | null = null;
    if (e.items !== undefined && e.items !== null) {
      if (!Array.isArray(e.items)) {
        const field = `${at()}.${wire.items}`;
        throw invalid(field, `${field} must be an array of objects`);
      }
      items = e.items.map((item, j) => {
        const field = () => `${at()}.${wire.items}[${j}]`;
        if (!isPlainObject(item)) throw invalid(field(), `${field()} must be an object`);
        size = observed.properties.size;
        const checked = tax.checkProperties({ taxonomy, scope: 'item', values: item, field, strict, observed });
        noteNew(size, field);
        return checked;
      });
      if (items.length === 0) items = null;
    }

    // The same identifiers array (e.g. a request's shared identity) is normalised once.
    let identity = byInput.get(e.identifiers);
    if (!identity) {
      const identifiers = await input.profiles.normalize(input.projectId, e.identifiers, wire.sharedIdentity ? wire.identity : `${at()}.${wire.identity}`);
      const idKey = identifiers.map(identifierKey).sort().join('\u0001');
      identity = byKey.get(idKey);
      if (!identity) {
        identity = { identifiers, key: idKey };
        byKey.set(idKey, identity);
      }
      byInput.set(e.identifiers, identity);
    }

    out.push({
      key,
      name,
      occurredAt,
      properties: hasOwnKeys(properties) ? properties : null,
      items,
      input: e.identifiers,
      identity,
    });
  }
  return { events: out, identities: [...byKey.values()], firstSeen };
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasOwnKeys(o: Record<string, unknown>): boolean {
  for (const k in o) if (Object.hasOwn(o, k)) return true;
  return false;
}
