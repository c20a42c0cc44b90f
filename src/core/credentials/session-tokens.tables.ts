/** Row types of the session-token module (migration 040_server_secrets). */
export interface ServerSecretRow {
  /** What the secret is for, e.g. `session-token-signing-key`. */
  name: string;
  /** The secret material (base64url). Never logged. */
  value: string;
  created_at: number;
}

declare module '../../platform/db/schema.ts' {
  interface Database {
    server_secrets: ServerSecretRow;
  }
}
