import type { Store } from '../../platform/db/store.ts';
import type { Clock } from '../../platform/clock.ts';
import { MaruError, invalid } from '../errors.ts';
import * as repo from './taxonomy.repository.ts';
import { STANDARD_EVENTS, STANDARD_EVENT_PROPERTIES, STANDARD_ITEM_PROPERTIES, STANDARD_USER_PROPERTIES } from './standard-taxonomy.ts';
import {
  propertyKey,
  PROPERTY_SCOPES,
  type PropertyDefinition,
  type PropertyScope,
  type PropertyType,
  type Taxonomy,
  parsePropertyType,
  TYPE_LABELS,
} from './taxonomy.types.ts';
import { checkValue, inferType, widen } from './values.ts';
import { ownRecord } from '../input/input-checks.ts';
import { DEFAULT_TAXONOMY_LIMITS, type TaxonomyLimits } from './taxonomy-limits.ts';
import type { Db } from '../../platform/db/store.ts';

const NAME = /^[A-Za-z0-9_$][A-Za-z0-9_.$-]{0,127}$/;

/** Names that would overwrite internal state are never accepted as property names (D14). */
export const RESERVED_PROPERTY_NAMES = new Set([
  'id',
  'project_id',
  'profile_id',
  'df_unified_id',
  'df_event_log_id',
  'df_event_detail_log_id',
  'df_event_name',
  'df_server_datetime',
  'df_correction_datetime',
  'df_event_datetime',
  'df_api_version',
  'df_service_id',
  'df_source_type',
  'created_at',
  'updated_at',
]);

export function checkName(field: string, name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw invalid(field, `${field} must be 1-128 characters of letters, digits, _ . $ -, starting with a letter, digit, _ or $`);
  }
  return name;
}

/** A field name for error messages, or a function building it (called only when an error is reported). */
export type FieldPath = string | (() => string);

export const fieldPath = (field: FieldPath): string => (typeof field === 'string' ? field : field());

/** New definitions seen in a request that the project may register on first sight (D4), within its limits. */
export interface Observed {
  events: Set<string>;
  properties: Map<string, { scope: PropertyScope; name: string; type: PropertyType }>;
  limits: TaxonomyLimits;
}

export const emptyObserved = (limits: TaxonomyLimits = DEFAULT_TAXONOMY_LIMITS): Observed => ({ events: new Set(), properties: new Map(), limits });

/** Registered properties per scope of a loaded taxonomy (recounted when the taxonomy grew). */
const scopeCounts = new WeakMap<Taxonomy, { size: number; counts: Map<PropertyScope, number> }>();
function propertiesInScope(taxonomy: Taxonomy, scope: PropertyScope): number {
  let hit = scopeCounts.get(taxonomy);
  if (!hit || hit.size !== taxonomy.properties.size) {
    const counts = new Map<PropertyScope, number>();
    for (const p of taxonomy.properties.values()) counts.set(p.scope, (counts.get(p.scope) ?? 0) + 1);
    hit = { size: taxonomy.properties.size, counts };
    scopeCounts.set(taxonomy, hit);
  }
  return hit.counts.get(scope) ?? 0;
}

const LIMITS_AT = 'settings.taxonomyLimits';

/** Refuses a new name past the project's bounds (taxonomy-limits.ts); names the field. */
function checkGrowth(input: { taxonomy: Taxonomy; observed: Observed; field: string; scope?: PropertyScope; name: string }): void {
  const { taxonomy, observed, field, scope, name } = input;
  const { limits } = observed;
  const what = scope === undefined ? `event ${name}` : `${scope} property ${name}`;
  const fresh = observed.events.size + observed.properties.size;
  if (fresh >= limits.newPerRequest) {
    throw invalid(
      field,
      `${field}: ${what} is not registered, and this request already brings ${fresh} new event and property names; at most ${limits.newPerRequest} may be registered per request (${LIMITS_AT}.newPerRequest)`,
    );
  }
  if (scope === undefined) {
    if (taxonomy.events.size + observed.events.size >= limits.events) {
      throw invalid(
        field,
        `${field}: ${what} is not registered, and the project has its maximum of ${limits.events} event names (${LIMITS_AT}.events); registered events are still accepted`,
      );
    }
    return;
  }
  let inRequest = 0;
  for (const p of observed.properties.values()) if (p.scope === scope) inRequest++;
  if (propertiesInScope(taxonomy, scope) + inRequest >= limits.propertiesPerScope) {
    throw invalid(
      field,
      `${field}: ${what} is not registered, and the project has its maximum of ${limits.propertiesPerScope} ${scope} properties (${LIMITS_AT}.propertiesPerScope); registered properties are still accepted`,
    );
  }
}

/**
 * Registered events and properties of each project (PRODUCT.md "taxonomy").
 * Reads are cached per process; this process's own changes update the cache after they commit,
 * other processes' changes are picked up within `cacheTtlMs`.
 */
export class TaxonomyService {
  #store: Store;
  #clock: Clock;
  #cache = new Map<string, { taxonomy: Taxonomy; loadedAt: number }>();
  #cacheTtlMs: number;
  #limitsOf: (projectId: string) => Promise<TaxonomyLimits> = async () => DEFAULT_TAXONOMY_LIMITS;

  constructor(deps: { store: Store; clock: Clock; cacheTtlMs?: number }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#cacheTtlMs = deps.cacheTtlMs ?? 5000;
  }

  /** Where a project's growth limits come from (its settings; the runtime wires it once projects exist). */
  limitsFrom(source: (projectId: string) => Promise<TaxonomyLimits>): void {
    this.#limitsOf = source;
  }

  /** What a request of this project observes: nothing yet, within the project's limits. */
  async observer(projectId: string): Promise<Observed> {
    return emptyObserved(await this.#limitsOf(projectId));
  }

  /** Explicit registrations (admin API, CLI) are bounded by the project's totals too (not by newPerRequest). */
  async #checkTotals(
    projectId: string,
    events: string[],
    props: { scope: PropertyScope; name: string }[],
    field: (i: number, kind: 'event' | 'property') => string,
  ): Promise<void> {
    const limits = await this.#limitsOf(projectId);
    const current = await this.get(projectId);
    const observed = emptyObserved({ ...limits, newPerRequest: Number.MAX_SAFE_INTEGER });
    events.forEach((name, i) => {
      if (current.events.has(name) || observed.events.has(name)) return;
      checkGrowth({ taxonomy: current, observed, field: field(i, 'event'), name });
      observed.events.add(name);
    });
    props.forEach((p, i) => {
      const key = propertyKey(p.scope, p.name);
      if (current.properties.has(key) || observed.properties.has(key)) return;
      checkGrowth({ taxonomy: current, observed, field: field(i, 'property'), scope: p.scope, name: p.name });
      observed.properties.set(key, { scope: p.scope, name: p.name, type: 'string' });
    });
  }

  /** Pre-registers the standard taxonomy in a new project (inside the project's creation unit). */
  async seed(tx: Db, projectId: string, now: number): Promise<void> {
    await repo.insertEventTypes(
      tx,
      projectId,
      STANDARD_EVENTS.map((name) => ({ name, origin: 'standard' as const })),
      now,
    );
    const defs: { scope: PropertyScope; name: string; type: PropertyType; origin: 'standard' }[] = [];
    for (const [name, type] of Object.entries(STANDARD_EVENT_PROPERTIES)) defs.push({ scope: 'event', name, type, origin: 'standard' });
    for (const [name, type] of Object.entries(STANDARD_ITEM_PROPERTIES)) defs.push({ scope: 'item', name, type, origin: 'standard' });
    for (const [name, type] of Object.entries(STANDARD_USER_PROPERTIES)) defs.push({ scope: 'user', name, type, origin: 'standard' });
    await repo.insertProperties(tx, projectId, defs, now);
  }

  async get(projectId: string): Promise<Taxonomy> {
    const hit = this.#cache.get(projectId);
    if (hit && this.#clock.now() - hit.loadedAt < this.#cacheTtlMs) return hit.taxonomy;
    const loaded = await repo.loadTaxonomy(this.#store.db, projectId);
    const taxonomy: Taxonomy = {
      events: new Map(loaded.events.map((e) => [e.name, e])),
      properties: new Map(loaded.properties.map((p) => [propertyKey(p.scope, p.name), p])),
    };
    this.#cache.set(projectId, { taxonomy, loadedAt: this.#clock.now() });
    return taxonomy;
  }

  invalidate(projectId: string): void {
    this.#cache.delete(projectId);
  }

  async registerEvent(projectId: string, name: string): Promise<{ name: string; created: boolean }> {
    checkName('name', name);
    await this.#checkTotals(projectId, [name], [], () => 'name');
    const before = await this.get(projectId);
    await this.#store.write((tx) => repo.insertEventTypes(tx, projectId, [{ name, origin: 'registered' }], this.#clock.now()));
    this.invalidate(projectId);
    return { name, created: !before.events.has(name) };
  }

  async registerProperty(input: { projectId: string; scope: PropertyScope; name: string; type: PropertyType }) {
    if (!PROPERTY_SCOPES.includes(input.scope)) throw invalid('scope', `scope must be one of ${PROPERTY_SCOPES.join(', ')}`);
    checkName('name', input.name);
    if (RESERVED_PROPERTY_NAMES.has(input.name)) throw invalid('name', `${input.name} is reserved by maru`);
    await this.#checkTotals(input.projectId, [], [input], () => 'name');
    const result = await this.#store.write(async (tx) => {
      const existing = await repo.findProperty(tx, input.projectId, input.scope, input.name);
      if (existing) {
        if (existing.type !== input.type) {
          throw new MaruError('conflict', `${input.scope} property ${input.name} is already registered as ${existing.type}`, {
            field: 'type',
          });
        }
        return { ...input, created: false };
      }
      await repo.insertProperties(tx, input.projectId, [{ ...input, origin: 'registered' }], this.#clock.now());
      return { ...input, created: true };
    });
    this.invalidate(input.projectId);
    return result;
  }

  /**
   * Registers a taxonomy document `{events: [name | {name}], properties: [{scope, name, type}]}` as one unit:
   * the whole document is checked first; a conflicting type anywhere changes nothing.
   */
  async apply(projectId: string, doc: unknown): Promise<{ events: number; properties: number }> {
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid('body', 'a taxonomy document is an object with events and/or properties');
    const d = doc as { events?: unknown; properties?: unknown };
    const events: string[] = [];
    const props: { scope: PropertyScope; name: string; type: PropertyType }[] = [];
    if (d.events !== undefined) {
      if (!Array.isArray(d.events)) throw invalid('events', 'events must be an array');
      d.events.forEach((e, i) => {
        events.push(checkName(`events[${i}]`, typeof e === 'object' && e !== null ? (e as { name?: unknown }).name : e));
      });
    }
    if (d.properties !== undefined) {
      if (!Array.isArray(d.properties)) throw invalid('properties', 'properties must be an array');
      d.properties.forEach((p, i) => {
        const f = `properties[${i}]`;
        if (typeof p !== 'object' || p === null) throw invalid(f, `${f} must be an object with scope, name and type`);
        const { scope, name, type } = p as Record<string, unknown>;
        if (!PROPERTY_SCOPES.includes(scope as PropertyScope)) throw invalid(`${f}.scope`, `${f}.scope must be one of ${PROPERTY_SCOPES.join(', ')}`);
        checkName(`${f}.name`, name);
        if (RESERVED_PROPERTY_NAMES.has(name as string)) throw invalid(`${f}.name`, `${f}.name: ${name} is reserved by maru`);
        const parsed = typeof type === 'string' ? parsePropertyType(type) : undefined;
        if (!parsed) throw invalid(`${f}.type`, `${f}.type must be one of ${Object.values(TYPE_LABELS).join(', ')}`);
        props.push({ scope: scope as PropertyScope, name: name as string, type: parsed });
      });
    }
    const current = await this.get(projectId);
    const inDocument = new Map<string, PropertyType>();
    props.forEach((p, i) => {
      const existing = current.properties.get(propertyKey(p.scope, p.name));
      if (existing && existing.type !== p.type) {
        throw new MaruError('conflict', `${p.scope} property ${p.name} is already registered as ${existing.type}`, { field: `properties[${i}].type` });
      }
      const earlier = inDocument.get(propertyKey(p.scope, p.name));
      if (earlier && earlier !== p.type) {
        throw new MaruError('conflict', `${p.scope} property ${p.name} appears twice in the document, as ${earlier} and as ${p.type}`, {
          field: `properties[${i}].type`,
        });
      }
      inDocument.set(propertyKey(p.scope, p.name), p.type);
    });
    await this.#checkTotals(projectId, events, props, (i, kind) => (kind === 'event' ? `events[${i}]` : `properties[${i}].name`));
    await this.#store.write(async (tx) => {
      const now = this.#clock.now();
      await repo.insertEventTypes(
        tx,
        projectId,
        events.map((name) => ({ name, origin: 'registered' as const })),
        now,
      );
      await repo.insertProperties(
        tx,
        projectId,
        props.map((p) => ({ ...p, origin: 'registered' as const })),
        now,
      );
    });
    this.invalidate(projectId);
    return { events: events.length, properties: props.length };
  }

  async list(projectId: string): Promise<{ events: { name: string; origin: string }[]; properties: PropertyDefinition[] }> {
    const t = await this.get(projectId);
    return {
      events: [...t.events.values()].sort((a, b) => a.name.localeCompare(b.name)),
      properties: [...t.properties.values()].sort((a, b) => a.scope.localeCompare(b.scope) || a.name.localeCompare(b.name)),
    };
  }

  /**
   * Checks a bag of property values against the taxonomy. In strict mode an unknown name is an error;
   * otherwise it is added to `observed` with the type of its value. Returns the values as stored
   * (nulls dropped). Throws invalid_input naming `${field}.${name}`; `field` may be a function, called only
   * when an error is reported (the hot path builds no field names).
   */
  checkProperties(input: {
    taxonomy: Taxonomy;
    scope: PropertyScope;
    values: Record<string, unknown>;
    field: FieldPath;
    strict: boolean;
    observed: Observed;
  }): Record<string, unknown> {
    const out = ownRecord(); // a property may be named __proto__ or constructor (D16)
    const { scope, taxonomy, observed } = input;
    const values = input.values;
    for (const name in values) {
      if (!Object.hasOwn(values, name)) continue;
      const value = values[name];
      if (value === null || value === undefined) continue;
      const fieldOf = () => `${fieldPath(input.field)}.${name}`;
      if (RESERVED_PROPERTY_NAMES.has(name)) {
        const field = fieldOf();
        throw invalid(field, `${field}: ${name} is reserved and cannot be set`);
      }
      const key = propertyKey(scope, name);
      let type = taxonomy.properties.get(key)?.type;
      if (!type) type = observed.properties.get(key)?.type;
      if (!type) {
        const field = fieldOf();
        if (input.strict) throw invalid(field, `${field}: ${scope} property ${name} is not registered`);
        checkName(field, name);
        checkGrowth({ taxonomy, observed, field, scope, name });
        const inferred = inferType(value);
        if (!inferred) throw invalid(field, `${field}: cannot infer a type from this value (use a string, number, boolean or an array of one of them)`);
        observed.properties.set(key, { scope, name, type: inferred });
        const c = checkValue(inferred, value);
        out[name] = c.ok ? c.value : value;
        continue;
      }
      let checked = checkValue(type, value);
      if (!checked.ok) {
        const inferred = inferType(value);
        if (inferred && widen(type, inferred)) checked = { ok: true, value };
      }
      if (!checked.ok) {
        const field = fieldOf();
        throw invalid(field, `${field} ${checked.reason}`);
      }
      out[name] = checked.value;
    }
    return out;
  }

  checkEventName(input: { taxonomy: Taxonomy; name: unknown; field: FieldPath; strict: boolean; observed: Observed }): string {
    const name = input.name;
    if (typeof name === 'string' && name.length > 0 && (input.taxonomy.events.has(name) || input.observed.events.has(name))) return name;
    const field = fieldPath(input.field);
    if (typeof name !== 'string' || name.length === 0) throw invalid(field, `${field} is required and must be a string`);
    if (input.strict) throw invalid(field, `${field}: event ${name} is not registered`);
    checkName(field, name);
    checkGrowth({ taxonomy: input.taxonomy, observed: input.observed, field, name });
    input.observed.events.add(name);
    return name;
  }

  /** Registers what a request observed, inside the request's write unit. */
  async registerObserved(tx: Db, projectId: string, observed: Observed, now: number): Promise<void> {
    if (observed.events.size > 0) {
      await repo.insertEventTypes(
        tx,
        projectId,
        [...observed.events].map((name) => ({ name, origin: 'observed' as const })),
        now,
      );
    }
    if (observed.properties.size > 0) {
      await repo.insertProperties(
        tx,
        projectId,
        [...observed.properties.values()].map((p) => ({ ...p, origin: 'observed' as const })),
        now,
      );
    }
  }

  /** After a unit that registered observed definitions committed: make them visible to this process at once. */
  noteObserved(projectId: string, observed: Observed): void {
    if (observed.events.size === 0 && observed.properties.size === 0) return;
    const hit = this.#cache.get(projectId);
    if (!hit) return;
    for (const name of observed.events) if (!hit.taxonomy.events.has(name)) hit.taxonomy.events.set(name, { name, origin: 'observed' });
    for (const [key, p] of observed.properties) if (!hit.taxonomy.properties.has(key)) hit.taxonomy.properties.set(key, { ...p, origin: 'observed' });
  }
}
