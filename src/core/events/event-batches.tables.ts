/** Row types of the asynchronous event ingestion tables (migration 032_event_batches). */
export interface EventBatchRow {
  id: string;
  project_id: string;
  /** JSON: the batch's events, validated, with keys and times fixed at acceptance (QueuedEvent[]). */
  events: string;
  count: number;
  received_at: number;
}

declare module '../../platform/db/schema.ts' {
  interface Database {
    event_batches: EventBatchRow;
  }
}
