import type { Db } from '../../platform/db/store.ts';
import './blocklist.tables.ts';
import type { BlockedRecipient } from './blocklist.types.ts';

export interface BlocklistFilter {
  unsubscribeNo: string;
  recipientNo?: string;
  /** Inclusive bounds on request_date (epoch ms). */
  from?: number;
  to?: number;
}

function filtered(db: Db, projectId: string, f: BlocklistFilter) {
  let q = db.selectFrom('blocklist_recipients').where('project_id', '=', projectId).where('unsubscribe_no', '=', f.unsubscribeNo);
  if (f.recipientNo !== undefined) q = q.where('recipient_no', '=', f.recipientNo);
  if (f.from !== undefined) q = q.where('request_date', '>=', f.from);
  if (f.to !== undefined) q = q.where('request_date', '<=', f.to);
  return q;
}

export async function count(db: Db, projectId: string, f: BlocklistFilter): Promise<number> {
  const r = await filtered(db, projectId, f)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** One page, newest first (then by number). */
export async function page(db: Db, projectId: string, f: BlocklistFilter, offset: number, limit: number): Promise<BlockedRecipient[]> {
  const rows = await filtered(db, projectId, f)
    .select(['unsubscribe_no', 'recipient_no', 'request_date'])
    .orderBy('request_date', 'desc')
    .orderBy('recipient_no')
    .limit(limit)
    .offset(offset)
    .execute();
  return rows.map((r) => ({ unsubscribeNo: r.unsubscribe_no, recipientNo: r.recipient_no, requestDate: r.request_date }));
}

/** Adds numbers not yet blocked under the 080 number (an existing entry keeps its request date); returns how many were added. */
export async function insertMissing(
  db: Db,
  projectId: string,
  unsubscribeNo: string,
  entries: { recipientNo: string; key: string }[],
  now: number,
): Promise<number> {
  let added = 0;
  for (const e of entries) {
    const r = await db
      .insertInto('blocklist_recipients')
      .values({ project_id: projectId, unsubscribe_no: unsubscribeNo, recipient_no: e.recipientNo, recipient_key: e.key, request_date: now })
      .onConflict((oc) => oc.columns(['project_id', 'unsubscribe_no', 'recipient_no']).doNothing())
      .executeTakeFirst();
    added += Number(r.numInsertedOrUpdatedRows ?? 0n);
  }
  return added;
}

export async function remove(db: Db, projectId: string, unsubscribeNo: string, recipientNos: string[]): Promise<number> {
  if (recipientNos.length === 0) return 0;
  const r = await db
    .deleteFrom('blocklist_recipients')
    .where('project_id', '=', projectId)
    .where('unsubscribe_no', '=', unsubscribeNo)
    .where('recipient_no', 'in', recipientNos)
    .executeTakeFirst();
  return Number(r.numDeletedRows ?? 0n);
}

/** The 080 number a number (E.164 key) is blocked under, if any (the earliest block). */
export async function blockedUnder(db: Db, projectId: string, key: string): Promise<string | undefined> {
  const r = await db
    .selectFrom('blocklist_recipients')
    .select('unsubscribe_no')
    .where('project_id', '=', projectId)
    .where('recipient_key', '=', key)
    .orderBy('request_date')
    .limit(1)
    .executeTakeFirst();
  return r?.unsubscribe_no;
}
