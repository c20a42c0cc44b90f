import type { Kysely } from 'kysely';
import type { Dialect } from '../store.ts';
import { columnTypes } from '../migrator.ts';

/**
 * Web console accounts (PRODUCT.md D15, docs/console.md): console users with a scrypt password hash, their role per
 * project, server-side sessions (only a digest of the session id is stored), one-time setup tokens (digests) while no
 * user exists, the audit log, and a bounded record of each project's latest rejected requests.
 * Row types: src/core/accounts/accounts.tables.ts, src/core/audit/audit.tables.ts.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  const seqType = dialect === 'postgres' ? 'bigserial' : 'integer';

  await db.schema
    .createTable('console_users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text')
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('instance_owner', t.bool, (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('console_user_roles')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('console_user_roles_pk', ['user_id', 'project_id'])
    .execute();
  await db.schema.createIndex('console_user_roles_project').on('console_user_roles').columns(['project_id', 'user_id']).execute();

  await db.schema
    .createTable('console_sessions')
    .addColumn('id_digest', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('last_seen_at', t.time, (c) => c.notNull())
    .addColumn('expires_at', t.time, (c) => c.notNull())
    .addColumn('address', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('console_sessions_user').on('console_sessions').columns(['user_id']).execute();
  await db.schema.createIndex('console_sessions_expires').on('console_sessions').columns(['expires_at']).execute();

  await db.schema
    .createTable('console_setup_tokens')
    .addColumn('digest', 'text', (c) => c.primaryKey())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', seqType, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('project_id', 'text')
    .addColumn('at', t.time, (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_email', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('details', t.json, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_project').on('audit_log').columns(['project_id', 'id']).execute();

  await db.schema
    .createTable('rejected_requests')
    .addColumn('id', seqType, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('at', t.time, (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('route', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('field', 'text')
    .execute();
  // When a profile was merged into another, for the console's profile page ("merged-in profiles and when").
  await db.schema.alterTable('profile_aliases').addColumn('merged_at', t.time).execute();

  await db.schema.createIndex('rejected_requests_project').on('rejected_requests').columns(['project_id', 'id']).execute();
}
