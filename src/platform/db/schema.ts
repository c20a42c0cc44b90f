import type { Generated } from 'kysely';

/**
 * Row types of every table, as stored. JSON columns hold text in both dialects; times are epoch milliseconds.
 * A module that adds tables extends this interface from its own file by declaration merging
 * (`declare module '.../schema.ts' { interface Database { ... } }`) next to its migration.
 */
export interface Database {
  projects: ProjectRow;
  credentials: CredentialRow;
  event_types: EventTypeRow;
  properties: PropertyRow;
  profiles: ProfileRow;
  profile_aliases: ProfileAliasRow;
  identifiers: IdentifierRow;
  events: EventRow;
  devices: DeviceRow;
}

export interface ProjectRow {
  id: string;
  name: string;
  timezone: string;
  settings: string;
  created_at: number;
}

export interface CredentialRow {
  id: string;
  project_id: string | null;
  kind: string;
  digest: string;
  prefix: string;
  created_at: number;
  expires_at: number | null;
}

export interface EventTypeRow {
  project_id: string;
  name: string;
  origin: string;
  created_at: number;
}

export interface PropertyRow {
  project_id: string;
  scope: string;
  name: string;
  type: string;
  origin: string;
  created_at: number;
}

export interface ProfileRow {
  project_id: string;
  id: string;
  properties: string;
  property_times: string;
  created_at: number;
  updated_at: number;
}

export interface ProfileAliasRow {
  project_id: string;
  alias_id: string;
  profile_id: string;
  /** When the profile was merged into profile_id (migration 090; null for merges recorded before it). */
  merged_at?: number | null;
}

export interface IdentifierRow {
  project_id: string;
  type: string;
  value: string;
  raw: string;
  profile_id: string;
  created_at: number;
}

export interface EventRow {
  seq: Generated<number>;
  project_id: string;
  occurred_at: number;
  event_key: string;
  name: string;
  received_at: number;
  profile_id: string;
  properties: string | null;
  items: string | null;
  source: string;
}

export interface DeviceRow {
  project_id: string;
  device_id: string;
  profile_id: string;
  platform: string;
  push_token: string | null;
  webpush: string | null;
  properties: string;
  created_at: number;
  updated_at: number;
}
