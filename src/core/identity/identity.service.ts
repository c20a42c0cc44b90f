import type { Db, Store } from '../../platform/db/store.ts';
import { newProfileId } from '../../platform/ids.ts';
import { invalid } from '../errors.ts';
import * as profiles from '../profiles/profiles.repository.ts';
import { type Identifier, type IdentifierType, identifierKey, prioritise } from './identifiers.ts';
import * as repo from './identity.repository.ts';

export interface Resolution {
  profileId: string;
  created: boolean;
  /** Profiles absorbed into profileId by this resolution. */
  merged: string[];
  /** Identifiers of the request that were not attached because a limit would have been exceeded. */
  dropped: Identifier[];
}

type Plan =
  | { kind: 'create'; add: Identifier[] }
  | { kind: 'extend'; target: string; add: Identifier[] }
  | { kind: 'move'; target: string; move: Identifier[]; add: Identifier[] }
  | { kind: 'merge'; target: string; absorb: string[]; add: Identifier[] };

/**
 * Identity resolution (D6, after Segment Unify and PostHog's guards).
 *
 * A request's identifiers are looked up:
 * - none found: a new profile holding them;
 * - one profile: the missing ones are added to it;
 * - several: they merge into the oldest, unless two of them hold different external_ids — then nothing merges,
 *   the profile holding the request's external_id (or, without one, the profile of the request's highest-priority
 *   identifier) wins and the request's other identifiers move to it.
 * A profile holds at most one external_id and at most `perType` of each other type. When a plan would break a limit,
 * the request's lowest-priority identifier is dropped and resolution retried.
 * A merge keeps the older created_at, the newer value of each property, and the absorbed ids as aliases.
 */
export class IdentityService {
  #store: Store;
  #perType: number;

  constructor(deps: { store: Store; identifiersPerType: number }) {
    this.#store = deps.store;
    this.#perType = deps.identifiersPerType;
  }

  /** Runs inside a write unit. `identifiers` are already normalised (see normalizeIdentifier). */
  async resolve(tx: Db, input: { projectId: string; identifiers: Identifier[]; now: number; field?: string }): Promise<Resolution> {
    let ids = prioritise(input.identifiers);
    if (ids.length === 0) throw invalid(input.field ?? 'identity', `${input.field ?? 'identity'} needs at least one usable identifier`);
    await this.#store.lockKeys(tx, ids.map((id) => `${input.projectId}:${identifierKey(id)}`));
    const dropped: Identifier[] = [];
    for (;;) {
      const plan = await this.#plan(tx, input.projectId, ids);
      if (plan) return { ...(await this.#apply(tx, input.projectId, plan, input.now)), dropped };
      dropped.push(ids[ids.length - 1]);
      ids = ids.slice(0, -1);
    }
  }

  #withinLimits(counts: Map<IdentifierType, Set<string>>): boolean {
    for (const [type, values] of counts) {
      if (values.size > (type === 'external_id' ? 1 : this.#perType)) return false;
    }
    return true;
  }

  async #plan(tx: Db, projectId: string, ids: Identifier[]): Promise<Plan | undefined> {
    const owners = await repo.findOwners(tx, projectId, ids);
    const ownerOf = new Map(owners.map((o) => [identifierKey(o), o.profile_id]));
    const unowned = ids.filter((id) => !ownerOf.has(identifierKey(id)));
    const found = [...new Set(owners.map((o) => o.profile_id))];

    const counts = (held: { type: string; value: string }[]) => {
      const m = new Map<IdentifierType, Set<string>>();
      for (const h of held) {
        const s = m.get(h.type as IdentifierType) ?? new Set<string>();
        s.add(h.value);
        m.set(h.type as IdentifierType, s);
      }
      return m;
    };

    if (found.length === 0) return this.#withinLimits(counts(ids)) ? { kind: 'create', add: ids } : undefined;

    const held = await repo.identifiersOf(tx, projectId, found);
    if (found.length === 1) {
      return this.#withinLimits(counts([...held, ...unowned])) ? { kind: 'extend', target: found[0], add: unowned } : undefined;
    }

    const externals = new Set(held.filter((h) => h.type === 'external_id').map((h) => h.value));
    if (externals.size >= 2) {
      const requestExternal = ids.find((id) => id.type === 'external_id');
      const winner = requestExternal ? ownerOf.get(identifierKey(requestExternal)) : ownerOf.get(identifierKey(ids.find((id) => ownerOf.has(identifierKey(id)))!));
      if (!winner) return undefined; // the request's external_id is new and would be a second one anywhere
      const move = ids.filter((id) => {
        const owner = ownerOf.get(identifierKey(id));
        return owner !== undefined && owner !== winner;
      });
      if (move.some((id) => id.type === 'external_id')) return undefined;
      const winnerHeld = held.filter((h) => h.profile_id === winner);
      return this.#withinLimits(counts([...winnerHeld, ...move, ...unowned])) ? { kind: 'move', target: winner, move, add: unowned } : undefined;
    }

    if (!this.#withinLimits(counts([...held, ...unowned]))) return undefined;
    const candidates = await profiles.findProfiles(tx, projectId, found);
    candidates.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    const [oldest, ...rest] = candidates;
    return { kind: 'merge', target: oldest.id, absorb: rest.map((p) => p.id), add: unowned };
  }

  async #apply(tx: Db, projectId: string, plan: Plan, now: number): Promise<Omit<Resolution, 'dropped'>> {
    switch (plan.kind) {
      case 'create': {
        let id = newProfileId();
        while (!(await profiles.insertProfile(tx, projectId, id, now))) id = newProfileId();
        await repo.insertIdentifiers(tx, projectId, id, plan.add, now);
        return { profileId: id, created: true, merged: [] };
      }
      case 'extend':
        await repo.insertIdentifiers(tx, projectId, plan.target, plan.add, now);
        return { profileId: plan.target, created: false, merged: [] };
      case 'move':
        await repo.moveIdentifiers(tx, projectId, plan.target, plan.move);
        await repo.insertIdentifiers(tx, projectId, plan.target, plan.add, now);
        return { profileId: plan.target, created: false, merged: [] };
      case 'merge':
        await this.merge(tx, projectId, plan.target, plan.absorb, now);
        await repo.insertIdentifiers(tx, projectId, plan.target, plan.add, now);
        return { profileId: plan.target, created: false, merged: plan.absorb };
    }
  }

  /** Absorbs profiles into `target`: properties (newer value wins), identifiers, devices, aliases. */
  async merge(tx: Db, projectId: string, target: string, absorb: string[], now: number): Promise<void> {
    const all = await profiles.findProfiles(tx, projectId, [target, ...absorb]);
    const survivor = all.find((p) => p.id === target)!;
    for (const other of all) {
      if (other.id === target) continue;
      survivor.createdAt = Math.min(survivor.createdAt, other.createdAt);
      for (const [name, value] of Object.entries(other.properties)) {
        const theirs = other.propertyTimes[name] ?? other.updatedAt;
        const ours = survivor.propertyTimes[name];
        if (ours === undefined || theirs > ours) {
          survivor.properties[name] = value;
          survivor.propertyTimes[name] = theirs;
        }
      }
      await repo.absorbProfile(tx, projectId, other.id, target);
    }
    survivor.updatedAt = now;
    await profiles.saveProfile(tx, projectId, survivor);
    await profiles.deleteProfiles(tx, projectId, absorb);
  }
}
