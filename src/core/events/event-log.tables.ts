import type { Generated } from 'kysely';
import type { EventRow } from '../../platform/db/schema.ts';

/** The ingest log (migration 090_event_log, SQLite only): acknowledged events not yet merged into `events`. */
export type EventLogRow = Omit<EventRow, 'seq'> & { id: Generated<number> };

declare module '../../platform/db/schema.ts' {
  interface Database {
    event_log: EventLogRow;
  }
}
