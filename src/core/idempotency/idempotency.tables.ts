/** Row type of an idempotency key (migration 100_idempotency_keys). */
export interface IdempotencyKeyRow {
  project_id: string;
  /** What the key was used for, e.g. `campaign-send:<campaign id>` or `direct:text`. */
  operation: string;
  /** The client's Idempotency-Key header. */
  key: string;
  /** SHA-256 (hex) of the canonical JSON of the request body. */
  body_digest: string;
  /** JSON of the answer once the request succeeded; NULL while it runs (or after it failed in a crash). */
  result: string | null;
  created_at: number;
}

declare module '../../platform/db/schema.ts' {
  interface Database {
    idempotency_keys: IdempotencyKeyRow;
  }
}
