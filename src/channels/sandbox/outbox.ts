import type { Clock } from '../../platform/clock.ts';
import type { Db, Store } from '../../platform/db/store.ts';
import { newId } from '../../platform/ids.ts';
import './sandbox.tables.ts';
import type { SandboxOutboxRow } from './sandbox.tables.ts';

/** One message the sandbox provider was asked to send, as the admin API and console show it. */
export interface OutboxEntry {
  id: string;
  idempotencyKey: string;
  campaignId: string | null;
  channel: string;
  recipient: string;
  message: Record<string, unknown>;
  /** `delivered`: the sandbox accepted it (what a vendor's 2xx means); `failed`: the last call was refused. */
  state: 'delivered' | 'failed';
  /** How many times maru called the provider with this idempotency key (1 unless it was retried). */
  calls: number;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

const toEntry = (r: SandboxOutboxRow): OutboxEntry => ({
  id: r.id,
  idempotencyKey: r.idempotency_key,
  campaignId: r.campaign_id,
  channel: r.channel,
  recipient: r.recipient,
  message: JSON.parse(r.message),
  state: r.state as OutboxEntry['state'],
  calls: r.calls,
  lastError: r.last_error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * The sandbox's outbox table: one row per idempotency key, updated on every call (the count of calls shows whether
 * maru ever sent the same message twice). maru's delivery keys start with the campaign id (`<campaignId>:...`), which
 * is kept in its own column so the outbox can be listed per campaign.
 */
export class SandboxOutbox {
  #store: Store;
  #clock: Clock;

  constructor(deps: { store: Store; clock: Clock }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
  }

  /** Records one call durably (its own write unit); returns the entry as it stands after the call. */
  async record(input: {
    projectId: string;
    idempotencyKey: string;
    channel: string;
    recipient: string;
    message: Record<string, unknown>;
    decide: (previousCalls: number) => { state: 'delivered' | 'failed'; error?: string };
  }): Promise<OutboxEntry> {
    return this.#store.write(async (tx) => {
      const now = this.#clock.now();
      const existing = await findRow(tx, input.projectId, input.idempotencyKey);
      const outcome = input.decide(existing?.calls ?? 0);
      if (existing) {
        await tx
          .updateTable('sandbox_outbox')
          .set({ calls: existing.calls + 1, state: outcome.state, last_error: outcome.error ?? null, message: JSON.stringify(input.message), updated_at: now })
          .where('project_id', '=', input.projectId)
          .where('idempotency_key', '=', input.idempotencyKey)
          .execute();
      } else {
        const sep = input.idempotencyKey.indexOf(':');
        await tx
          .insertInto('sandbox_outbox')
          .values({
            project_id: input.projectId,
            idempotency_key: input.idempotencyKey,
            id: 'sbx_' + newId(),
            campaign_id: sep > 0 ? input.idempotencyKey.slice(0, sep) : null,
            channel: input.channel,
            recipient: input.recipient,
            message: JSON.stringify(input.message),
            state: outcome.state,
            calls: 1,
            last_error: outcome.error ?? null,
            created_at: now,
            updated_at: now,
          })
          .execute();
      }
      return toEntry((await findRow(tx, input.projectId, input.idempotencyKey))!);
    });
  }

  async find(projectId: string, idempotencyKey: string): Promise<OutboxEntry | undefined> {
    const r = await findRow(this.#store.db, projectId, idempotencyKey);
    return r && toEntry(r);
  }

  /**
   * Entries newest first. `before`: created before that instant; `after`: the keyset of the last entry of a previous
   * page (its creation time and id), so entries recorded in the same millisecond are neither skipped nor repeated.
   */
  async list(
    projectId: string,
    filter: { campaignId?: string; limit?: number; before?: number; after?: { createdAt: number; id: string } } = {},
  ): Promise<OutboxEntry[]> {
    let q = this.#store.db.selectFrom('sandbox_outbox').selectAll().where('project_id', '=', projectId);
    if (filter.campaignId !== undefined) q = q.where('campaign_id', '=', filter.campaignId);
    if (filter.before !== undefined) q = q.where('created_at', '<', filter.before);
    const after = filter.after;
    if (after !== undefined)
      q = q.where((eb) => eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]));
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(filter.limit ?? 100)
      .execute();
    return rows.map(toEntry);
  }

  /** Deletes the entries of these idempotency keys (profile deletion), inside the caller's unit. */
  async erase(tx: Db, projectId: string, idempotencyKeys: string[]): Promise<number> {
    let n = 0;
    for (let i = 0; i < idempotencyKeys.length; i += 500) {
      const r = await tx
        .deleteFrom('sandbox_outbox')
        .where('project_id', '=', projectId)
        .where('idempotency_key', 'in', idempotencyKeys.slice(i, i + 500))
        .executeTakeFirst();
      n += Number(r.numDeletedRows ?? 0n);
    }
    return n;
  }
}

function findRow(db: Db, projectId: string, key: string) {
  return db.selectFrom('sandbox_outbox').selectAll().where('project_id', '=', projectId).where('idempotency_key', '=', key).executeTakeFirst();
}
