import type { Clock } from '../../platform/clock.ts';
import type { Db, Store } from '../../platform/db/store.ts';
import type { Config } from '../../platform/config.ts';
import { invalid } from '../errors.ts';
import { IDENTIFIER_TYPES, isIdentifier, normalizeIdentifier, parseIdentifier, type Identifier, type IdentifierType } from '../identity/identifiers.ts';
import { setOwn } from '../input/input-checks.ts';
import type { IdentityService, Resolution } from '../identity/identity.service.ts';
import * as identityRepo from '../identity/identity.repository.ts';
import { emptyObserved, type TaxonomyService } from '../taxonomy/taxonomy.service.ts';
import * as repo from './profiles.repository.ts';
import * as consentRepo from '../consent/consent.repository.ts';
import { consentChanges } from '../consent/consent-records.ts';
import type { ConsentSource } from '../consent/consent.types.ts';
import type { ProjectsService } from '../projects/projects.service.ts';

/** An identifier as a face received it, before normalisation. */
export interface IdentifierInput {
  type: IdentifierType;
  value: unknown;
  /** The field as the client wrote it (e.g. `identity.phone_no`), for errors; default `${field}.${type}`. */
  field?: string;
}

export interface ProfileUpdate {
  identifiers: IdentifierInput[];
  /** Property values; null removes a property. */
  properties?: Record<string, unknown> | null;
  /** For error messages: where this update sits in the request (e.g. `profiles[3]`). */
  field?: string;
  identityField?: string;
  propertiesField?: string;
}

/**
 * Profiles: typed user properties attached to a resolved identity. Faces send identifiers and properties;
 * this service normalises, resolves (IdentityService) and stores them in one write unit.
 */
export class ProfilesService {
  #store: Store;
  #clock: Clock;
  #identity: IdentityService;
  #taxonomy: TaxonomyService;
  #projects: ProjectsService;
  #defaultRegion: string;

  constructor(deps: {
    store: Store;
    clock: Clock;
    identity: IdentityService;
    taxonomy: TaxonomyService;
    projects: ProjectsService;
    config: Pick<Config, 'defaultPhoneRegion'>;
  }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#identity = deps.identity;
    this.#taxonomy = deps.taxonomy;
    this.#projects = deps.projects;
    this.#defaultRegion = deps.config.defaultPhoneRegion;
  }

  /** Normalises identifiers, dropping blocked ones; throws naming the field when none is usable. */
  async normalize(projectId: string, inputs: IdentifierInput[], field: string): Promise<Identifier[]> {
    const project = await this.#projects.get(projectId);
    const region = project.settings.phoneRegion ?? this.#defaultRegion;
    const out: Identifier[] = [];
    for (const input of inputs) {
      if (!IDENTIFIER_TYPES.includes(input.type)) throw invalid(field, `${field}: unknown identifier type`);
      const id = parseIdentifier(input.type, input.value, { field: input.field ?? `${field}.${input.type}`, region });
      if (isIdentifier(id)) out.push(id);
    }
    if (out.length === 0)
      throw invalid(
        field,
        `${field} needs at least one usable identifier (${IDENTIFIER_TYPES.join(', ')}); empty, null-like, placeholder and all-zero values do not identify anyone`,
      );
    return out;
  }

  /**
   * Creates or updates profiles: one write unit for the whole batch (all or nothing).
   * `strict`: unknown properties are an error (DFINERY); otherwise registered on first sight (D4).
   */
  async upsert(input: { projectId: string; updates: ProfileUpdate[]; strict: boolean; source?: ConsentSource }): Promise<Resolution[]> {
    const taxonomy = await this.#taxonomy.get(input.projectId);
    const observed = await this.#taxonomy.observer(input.projectId);
    const prepared: { identifiers: Identifier[]; properties: Record<string, unknown>; removals: string[] }[] = [];
    for (const [i, u] of input.updates.entries()) {
      const identifiers = await this.normalize(input.projectId, u.identifiers, u.identityField ?? `${u.field ?? `profiles[${i}]`}.identity`);
      const raw = u.properties ?? {};
      const removals = Object.entries(raw)
        .filter(([, v]) => v === null)
        .map(([k]) => k);
      const properties = this.#taxonomy.checkProperties({
        taxonomy,
        scope: 'user',
        values: raw,
        field: u.propertiesField ?? `${u.field ?? `profiles[${i}]`}.properties`,
        strict: input.strict,
        observed,
      });
      prepared.push({ identifiers, properties, removals });
    }
    const now = this.#clock.now();
    const result = await this.#store.write(async (tx) => {
      await this.#taxonomy.registerObserved(tx, input.projectId, observed, now);
      const out: Resolution[] = [];
      for (const p of prepared) {
        const r = await this.#identity.resolve(tx, { projectId: input.projectId, identifiers: p.identifiers, now });
        if (Object.keys(p.properties).length > 0 || p.removals.length > 0)
          await this.setProperties(tx, input.projectId, r.profileId, p.properties, p.removals, now, input.source ?? 'api');
        out.push(r);
      }
      return out;
    });
    this.#taxonomy.noteObserved(input.projectId, observed);
    return result;
  }

  /**
   * Sets checked property values on a live profile (inside a write unit). A change of an advertising consent
   * (core/consent) is recorded in the same unit, with `source` (consent records, 정보통신망법 제50조).
   */
  async setProperties(tx: Db, projectId: string, profileId: string, values: Record<string, unknown>, removals: string[], now: number, source: ConsentSource) {
    const p = await repo.findProfile(tx, projectId, profileId);
    if (!p) return;
    // Only a value that changes is written (and gets a new time): a replayed request changes nothing (D5).
    const before = { ...p.properties };
    let changed = false;
    for (const [k, v] of Object.entries(values)) {
      if (Object.hasOwn(p.properties, k) && JSON.stringify(p.properties[k]) === JSON.stringify(v)) continue;
      setOwn(p.properties, k, v);
      setOwn(p.propertyTimes, k, now);
      changed = true;
    }
    for (const k of removals) {
      if (!Object.hasOwn(p.properties, k)) continue;
      delete p.properties[k];
      setOwn(p.propertyTimes, k, now);
      changed = true;
    }
    if (!changed) return;
    p.updatedAt = now;
    await repo.saveProfile(tx, projectId, p);
    await consentRepo.insertRecords(tx, projectId, consentChanges({ profileId, before, after: p.properties, source, at: now }));
  }

  /** A profile by id (or by an absorbed id), with its identifiers. */
  async get(projectId: string, id: string) {
    const live = await identityRepo.resolveAlias(this.#store.db, projectId, id);
    const p = await repo.findProfile(this.#store.db, projectId, live);
    if (!p) return undefined;
    const identifiers = await identityRepo.identifiersOf(this.#store.db, projectId, [live]);
    return { ...p, identifiers: identifiers.map((i) => ({ type: i.type, value: i.value })) };
  }

  /** The live profile holding an identifier, if any. */
  async findByIdentifier(projectId: string, type: IdentifierType, value: unknown): Promise<string | undefined> {
    const project = await this.#projects.get(projectId);
    const id = normalizeIdentifier(type, value, project.settings.phoneRegion ?? this.#defaultRegion);
    if (!id) return undefined;
    const [owner] = await identityRepo.findOwners(this.#store.db, projectId, [id]);
    return owner?.profile_id;
  }
}
