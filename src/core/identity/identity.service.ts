import type { Db, Store } from '../../platform/db/store.ts';
import { newProfileId } from '../../platform/ids.ts';
import { invalid } from '../errors.ts';
import * as profiles from '../profiles/profiles.repository.ts';
import { type Identifier, identifierKey, prioritise } from './identifiers.ts';
import * as repo from './identity.repository.ts';
import { setOwn } from '../input/input-checks.ts';

export interface Resolution {
  profileId: string;
  created: boolean;
  /** Profiles absorbed into profileId by this resolution. */
  merged: string[];
  /** Identifiers of the request that were not attached because a limit would have been exceeded. */
  dropped: Identifier[];
  /** Identifiers of the request that stay with a profile holding another external_id (D6: never moved by ingest). */
  heldElsewhere: Identifier[];
}

type Plan =
  | { kind: 'create'; add: Identifier[]; heldElsewhere: Identifier[] }
  | { kind: 'join'; target: string; absorb: string[]; add: Identifier[]; heldElsewhere: Identifier[] };

/**
 * Identity resolution (D6 amended, after Segment Unify and PostHog's guards). One rule for every face.
 *
 * A request's identifiers are looked up, and the profiles found are split into identified ones (holding an
 * external_id) and anonymous ones. The request's profile is chosen:
 * - the request has an external_id: the profile holding it (or, when it is new, none yet);
 * - it has none and at most one identified profile is found: that one (or none);
 * - it has none and several identified profiles are found: the one its highest-priority found identifier points at.
 * That profile and every anonymous profile found form the group, which merges into its oldest member (none: a new
 * profile); the request's unowned identifiers are added to the survivor. An identified profile outside the group is
 * neither merged nor stripped: its identifiers stay where they are (`heldElsewhere`). So nothing that one
 * application leaves behind makes a second application do anything (replay-safe).
 * A profile holds at most one external_id and at most `perType` of each other type. When the plan would break a
 * limit, the request's lowest-priority identifier is dropped and resolution retried.
 * A merge keeps the older created_at, the newer value of each property, and the absorbed ids as aliases.
 */
export class IdentityService {
  #store: Store;
  #perType: number;

  constructor(deps: { store: Store; identifiersPerType: number }) {
    this.#store = deps.store;
    this.#perType = deps.identifiersPerType;
  }

  /**
   * Runs inside a write unit. `identifiers` are already normalised (see parseIdentifier).
   * When a limit made resolution drop identifiers, what it wrote can change what the same request finds; so it is
   * resolved again until a pass changes nothing. The state it leaves is therefore one on which the request is a
   * no-op: a replay changes nothing (D6). Without drops one pass is already such a state.
   */
  async resolve(tx: Db, input: { projectId: string; identifiers: Identifier[]; now: number; field?: string }): Promise<Resolution> {
    const ids = prioritise(input.identifiers);
    if (ids.length === 0) throw invalid(input.field ?? 'identity', `${input.field ?? 'identity'} needs at least one usable identifier`);
    await this.#store.lockKeys(
      tx,
      ids.map((id) => `${input.projectId}:${identifierKey(id)}`),
    );
    const merged: string[] = [];
    let created = false;
    // Every pass that changes something attaches an unowned identifier or merges profiles: this bound is never reached.
    for (let pass = 0; pass <= 2 * ids.length + 2; pass++) {
      const r = await this.#resolveOnce(tx, input.projectId, ids, input.now);
      merged.push(...r.merged.filter((m) => !merged.includes(m)));
      created ||= r.created;
      if (r.dropped.length === 0 || !r.changed) return { profileId: r.profileId, created, merged, dropped: r.dropped, heldElsewhere: r.heldElsewhere };
    }
    throw new Error('identity resolution did not settle');
  }

  async #resolveOnce(tx: Db, projectId: string, all: Identifier[], now: number): Promise<Resolution & { changed: boolean }> {
    let ids = all;
    const dropped: Identifier[] = [];
    for (;;) {
      const plan = await this.#plan(tx, projectId, ids);
      if (plan) {
        const changed = plan.kind === 'create' || plan.absorb.length > 0 || plan.add.length > 0;
        return { ...(await this.#apply(tx, projectId, plan, now)), dropped, heldElsewhere: plan.heldElsewhere, changed };
      }
      dropped.push(ids[ids.length - 1]);
      ids = ids.slice(0, -1);
    }
  }

  #withinLimits(held: { type: string; value: string }[]): boolean {
    const counts = new Map<string, Set<string>>();
    for (const h of held) {
      const s = counts.get(h.type) ?? new Set<string>();
      s.add(h.value);
      counts.set(h.type, s);
    }
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
    if (found.length === 0) return this.#withinLimits(ids) ? { kind: 'create', add: ids, heldElsewhere: [] } : undefined;

    const held = await repo.identifiersOf(tx, projectId, found);
    const identified = new Set(held.filter((h) => h.type === 'external_id').map((h) => h.profile_id));
    const requestExternal = ids.find((id) => id.type === 'external_id');
    let chosen: string | undefined;
    if (requestExternal) chosen = ownerOf.get(identifierKey(requestExternal));
    else if (identified.size <= 1) chosen = [...identified][0];
    else chosen = ownerOf.get(identifierKey(ids.find((id) => ownerOf.has(identifierKey(id)))!));
    const group = found.filter((p) => p === chosen || !identified.has(p));
    const inGroup = new Set(group);
    const heldElsewhere = ids.filter((id) => {
      const owner = ownerOf.get(identifierKey(id));
      return owner !== undefined && !inGroup.has(owner);
    });

    if (group.length === 0) return this.#withinLimits(unowned) ? { kind: 'create', add: unowned, heldElsewhere } : undefined;
    if (!this.#withinLimits([...held.filter((h) => inGroup.has(h.profile_id)), ...unowned])) return undefined;
    const candidates = await profiles.findProfiles(tx, projectId, group);
    candidates.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    const [oldest, ...rest] = candidates;
    return { kind: 'join', target: oldest.id, absorb: rest.map((p) => p.id), add: unowned, heldElsewhere };
  }

  async #apply(tx: Db, projectId: string, plan: Plan, now: number): Promise<Omit<Resolution, 'dropped' | 'heldElsewhere'>> {
    if (plan.kind === 'create') {
      let id = newProfileId();
      while (!(await profiles.insertProfile(tx, projectId, id, now))) id = newProfileId();
      await repo.insertIdentifiers(tx, projectId, id, plan.add, now);
      return { profileId: id, created: true, merged: [] };
    }
    if (plan.absorb.length > 0) await this.merge(tx, projectId, plan.target, plan.absorb, now);
    await repo.insertIdentifiers(tx, projectId, plan.target, plan.add, now);
    return { profileId: plan.target, created: false, merged: plan.absorb };
  }

  /** Absorbs profiles into `target`: properties (newer value wins), identifiers, devices, aliases. */
  async merge(tx: Db, projectId: string, target: string, absorb: string[], now: number): Promise<void> {
    const all = await profiles.findProfiles(tx, projectId, [target, ...absorb]);
    const survivor = all.find((p) => p.id === target)!;
    for (const other of all) {
      if (other.id === target) continue;
      survivor.createdAt = Math.min(survivor.createdAt, other.createdAt);
      for (const [name, value] of Object.entries(other.properties)) {
        const theirs = (Object.hasOwn(other.propertyTimes, name) ? other.propertyTimes[name] : undefined) ?? other.updatedAt;
        const ours = Object.hasOwn(survivor.propertyTimes, name) ? survivor.propertyTimes[name] : undefined;
        if (ours === undefined || theirs > ours) {
          setOwn(survivor.properties, name, value);
          setOwn(survivor.propertyTimes, name, theirs);
        }
      }
      await repo.absorbProfile(tx, projectId, other.id, target, now);
    }
    survivor.updatedAt = now;
    await profiles.saveProfile(tx, projectId, survivor);
    await profiles.deleteProfiles(tx, projectId, absorb);
  }
}
