import type { Db } from '../../platform/db/store.ts';
import './idempotency.tables.ts';

type Key = { operation: string; key: string };

/** Forgets the project's keys older than `before` (epoch ms). */
export async function pruneKeys(db: Db, projectId: string, before: number): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('project_id', '=', projectId).where('created_at', '<', before).execute();
}

/** Claims a key for a body digest unless it is claimed already; returns the key's row either way. */
export async function claimKey(db: Db, projectId: string, k: Key & { digest: string; now: number }): Promise<{ body_digest: string; result: string | null }> {
  await db
    .insertInto('idempotency_keys')
    .values({ project_id: projectId, operation: k.operation, key: k.key, body_digest: k.digest, result: null, created_at: k.now })
    .onConflict((oc) => oc.columns(['project_id', 'operation', 'key']).doNothing())
    .execute();
  return db
    .selectFrom('idempotency_keys')
    .select(['body_digest', 'result'])
    .where('project_id', '=', projectId)
    .where('operation', '=', k.operation)
    .where('key', '=', k.key)
    .executeTakeFirstOrThrow();
}

/** Releases a claim that has no answer yet. */
export async function releaseKey(db: Db, projectId: string, k: Key): Promise<void> {
  await db
    .deleteFrom('idempotency_keys')
    .where('project_id', '=', projectId)
    .where('operation', '=', k.operation)
    .where('key', '=', k.key)
    .where('result', 'is', null)
    .execute();
}

/** Stores the answer of a key (claiming it again if its claim was released meanwhile). */
export async function answerKey(db: Db, projectId: string, k: Key & { digest: string; now: number; result: string }): Promise<void> {
  await db
    .insertInto('idempotency_keys')
    .values({ project_id: projectId, operation: k.operation, key: k.key, body_digest: k.digest, result: k.result, created_at: k.now })
    .onConflict((oc) => oc.columns(['project_id', 'operation', 'key']).doUpdateSet({ result: k.result }))
    .execute();
}
