/** Row types of the console accounts module (migration 090_console_accounts). */
export interface ConsoleUserRow {
  id: string;
  /** Lower-cased, trimmed; unique. */
  email: string;
  name: string | null;
  /** `scrypt$N$r$p$salt$hash` (base64url), see passwords.ts. */
  password_hash: string;
  /** 1/true: owner of every project, present and future (the first user created by setup). */
  instance_owner: number | boolean;
  created_at: number;
  updated_at: number;
}

export interface ConsoleUserRoleRow {
  user_id: string;
  project_id: string;
  role: string;
  created_at: number;
}

export interface ConsoleSessionRow {
  /** SHA-256 of the session id in the cookie: a copy of the table does not let anyone sign in. */
  id_digest: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  /** Absolute expiry (created_at + MARU_SESSION_MAX_AGE). */
  expires_at: number;
  address: string | null;
  user_agent: string | null;
}

export interface ConsoleSetupTokenRow {
  digest: string;
  created_at: number;
}

declare module '../../platform/db/schema.ts' {
  interface Database {
    console_users: ConsoleUserRow;
    console_user_roles: ConsoleUserRoleRow;
    console_sessions: ConsoleSessionRow;
    console_setup_tokens: ConsoleSetupTokenRow;
  }
}
