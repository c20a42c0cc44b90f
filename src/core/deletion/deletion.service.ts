import type { Db, Store } from '../../platform/db/store.ts';
import type { Clock } from '../../platform/clock.ts';
import type { IdentifierType } from '../identity/identifiers.ts';
import { normalizeIdentifier } from '../identity/identifiers.ts';
import * as identityRepo from '../identity/identity.repository.ts';
import * as repo from './deletion.repository.ts';

/**
 * A module that keeps personal data keyed by profile registers an eraser, so that deleting a profile removes
 * its rows too (deliveries, outboxes, subscriptions...). Erasers run inside the deletion's write unit and
 * return how many rows of each kind they removed.
 */
export type Eraser = (tx: Db, projectId: string, allProfileIds: string[]) => Promise<Record<string, number>>;

/** How a caller names the profiles to delete. `exactRaw` matches the identifier as the client wrote it. */
export interface ProfileSelector {
  type: IdentifierType;
  value: string;
  exactRaw?: boolean;
}

export type DeletionCounts = Record<string, number>;

/**
 * Complete removal of profiles: the profile, its properties, identifiers, devices, aliases and events, plus
 * whatever registered erasers remove. Deleting an unknown profile removes nothing and is not an error.
 */
export class DeletionService {
  #store: Store;
  #clock: Clock;
  #erasers: readonly Eraser[];
  #defaultRegion: string;

  /** `erasers`: what other modules remove with a profile (consent records, deliveries, …), run in this order. */
  constructor(deps: { store: Store; clock: Clock; defaultPhoneRegion: string; erasers?: readonly Eraser[] }) {
    this.#erasers = deps.erasers ?? [];
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#defaultRegion = deps.defaultPhoneRegion;
  }

  /** Finds the live profiles the selectors name (inside a unit, so it is consistent with the erase). */
  async select(tx: Db, projectId: string, selectors: ProfileSelector[], region = this.#defaultRegion): Promise<string[]> {
    const found = new Set<string>();
    for (const s of selectors) {
      if (s.exactRaw) {
        const rows = await tx
          .selectFrom('identifiers')
          .select('profile_id')
          .where('project_id', '=', projectId)
          .where('type', '=', s.type)
          .where('raw', '=', s.value.trim())
          .execute();
        for (const r of rows) found.add(r.profile_id);
        continue;
      }
      const id = normalizeIdentifier(s.type, s.value, region);
      if (!id) continue;
      const [owner] = await identityRepo.findOwners(tx, projectId, [id]);
      if (owner) found.add(owner.profile_id);
    }
    return [...found];
  }

  /** Erases profiles inside the caller's unit. */
  async eraseInTx(tx: Db, projectId: string, profileIds: string[]): Promise<DeletionCounts> {
    if (profileIds.length === 0) return { profiles: 0, identifiers: 0, devices: 0, events: 0, aliases: 0 };
    const allIds = await repo.idsWithAliases(tx, projectId, profileIds);
    const counts: DeletionCounts = await repo.eraseCoreRows(tx, projectId, profileIds, allIds);
    for (const eraser of this.#erasers) {
      for (const [k, v] of Object.entries(await eraser(tx, projectId, allIds))) counts[k] = (counts[k] ?? 0) + v;
    }
    return counts;
  }

  /** Selects and erases in one unit; returns the counts and how many profiles were deleted. */
  async eraseNow(projectId: string, selectors: ProfileSelector[]): Promise<DeletionCounts> {
    return this.#store.write(async (tx) => {
      const ids = await this.select(tx, projectId, selectors);
      return this.eraseInTx(tx, projectId, ids);
    });
  }

  get clock(): Clock {
    return this.#clock;
  }
}
