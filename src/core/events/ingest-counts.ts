import type { Db } from '../../platform/db/store.ts';

/**
 * Events received per project, face and UTC hour (migration 102_ingest_counts): counted in the unit that accepts
 * them, so the figures are exact and a read never scans `events`. An hour is the start of its UTC hour in ms; a
 * reader sums hours into the local days of the project's time zone (every zone offset in use is a whole number of
 * quarter hours, and the hours of a local day are those starting inside it, so a day is off by at most the events
 * of the quarter-hour zones' partial hours — none for Asia/Seoul or any whole-hour zone).
 */
export interface IngestCountRow {
  project_id: string;
  hour: number;
  face: string;
  events: number;
}

declare module '../../platform/db/schema.ts' {
  interface Database {
    ingest_counts: IngestCountRow;
  }
}

const HOUR_MS = 3_600_000;

export async function countReceived(tx: Db, projectId: string, face: string, at: number, events: number): Promise<void> {
  if (events <= 0) return;
  const hour = Math.floor(at / HOUR_MS) * HOUR_MS;
  await tx
    .insertInto('ingest_counts')
    .values({ project_id: projectId, hour, face, events })
    .onConflict((oc) =>
      oc.columns(['project_id', 'hour', 'face']).doUpdateSet((eb) => ({ events: eb('ingest_counts.events', '+', eb.ref('excluded.events')) })),
    )
    .execute();
}

/** Received events per face in hours starting in [from, to). */
export async function receivedBetween(db: Db, projectId: string, from: number, to: number): Promise<{ hour: number; face: string; events: number }[]> {
  const rows = await db
    .selectFrom('ingest_counts')
    .select(['hour', 'face', 'events'])
    .where('project_id', '=', projectId)
    .where('hour', '>=', from)
    .where('hour', '<', to)
    .execute();
  return rows.map((r) => ({ hour: Number(r.hour), face: r.face, events: Number(r.events) }));
}
