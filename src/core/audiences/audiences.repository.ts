import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { Db } from '../../platform/db/store.ts';
import type { JsonSql } from '../../platform/db/json-sql.ts';
import type { AudienceRow } from './audiences.tables.ts';
import type { CheckedNode } from './audiences.types.ts';

export async function insertAudience(db: Db, row: AudienceRow): Promise<boolean> {
  const r = await db
    .insertInto('audiences')
    .values(row)
    .onConflict((oc) => oc.columns(['project_id', 'id']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export function findAudience(db: Db, projectId: string, id: string): Promise<AudienceRow | undefined> {
  return db.selectFrom('audiences').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
}

export function listAudiences(db: Db, projectId: string): Promise<AudienceRow[]> {
  return db.selectFrom('audiences').selectAll().where('project_id', '=', projectId).orderBy('created_at').orderBy('id').execute();
}

export async function updateAudience(
  db: Db,
  projectId: string,
  id: string,
  patch: { name?: string; description?: string | null; rule?: string; updated_at: number },
): Promise<boolean> {
  const r = await db.updateTable('audiences').set(patch).where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deleteAudience(db: Db, projectId: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('audiences').where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** What a rule's SQL needs besides the rule: the dialect's JSON accessors and "now". */
export interface MatchContext {
  json: JsonSql;
  projectId: string;
  now: number;
  /** The project-local date `days` days before today (`yyyy-MM-dd`), for relative Date conditions. */
  localDateDaysAgo(days: number): string;
}

const DAY = 86_400_000;

/**
 * The SQL condition that a profile row (table alias `alias`, a row of `profiles`) satisfies the rule.
 * Property conditions read the profile's JSON properties; event conditions are non-correlated
 * `IN (SELECT … FROM events … GROUP BY profile HAVING COUNT(*) >= N)` subqueries, evaluated once per query,
 * with every event counted under its surviving profile (events of merged profiles through profile_aliases).
 */
export function profileMatch(ctx: MatchContext, node: CheckedNode, alias: string): RawBuilder<SqlBool> {
  return nodeSql(ctx, node, sql.ref(`${alias}.properties`), sql.ref(`${alias}.id`));
}

function nodeSql(ctx: MatchContext, node: CheckedNode, doc: Expression<unknown>, profileId: Expression<unknown>): RawBuilder<SqlBool> {
  switch (node.kind) {
    case 'group': {
      const parts = node.children.map((c) => nodeSql(ctx, c, doc, profileId));
      return sql<SqlBool>`(${sql.join(parts, node.combine === 'all' ? sql` AND ` : sql` OR `)})`;
    }
    case 'property':
      return propertySql(ctx, node, doc);
    case 'event': {
      const where: RawBuilder<unknown>[] = [sql`ev.project_id = ${ctx.projectId}`, sql`ev.name = ${node.name}`];
      if (node.withinLastDays !== undefined) where.push(sql`ev.occurred_at >= ${ctx.now - node.withinLastDays * DAY}`);
      if (node.where) where.push(nodeSql(ctx, node.where, sql.ref('ev.properties'), profileId));
      const survivor = sql`COALESCE(ea.profile_id, ev.profile_id)`;
      const having = node.minCount > 1 ? sql` GROUP BY ${survivor} HAVING COUNT(*) >= ${node.minCount}` : sql``;
      const subquery = sql`SELECT ${survivor} FROM events ev LEFT JOIN profile_aliases ea ON ea.project_id = ev.project_id AND ea.alias_id = ev.profile_id WHERE ${sql.join(where, sql` AND `)}${having}`;
      return node.performed ? sql<SqlBool>`(${profileId} IN (${subquery}))` : sql<SqlBool>`(${profileId} NOT IN (${subquery}))`;
    }
  }
}

type PropertyNode = Extract<CheckedNode, { kind: 'property' }>;

function propertySql(ctx: MatchContext, c: PropertyNode, doc: Expression<unknown>): RawBuilder<SqlBool> {
  const j = ctx.json;
  const scalar = c.type === 'long' || c.type === 'double' ? j.number(doc, c.name) : c.type === 'boolean' ? j.boolean(doc, c.name) : j.text(doc, c.name);
  // Consent flags read as false when a profile never set them (D10).
  const value = c.consent ? sql`COALESCE(${scalar}, ${false})` : scalar;
  switch (c.op) {
    case 'exists':
      return j.present(doc, c.name);
    case 'not_exists':
      return sql<SqlBool>`(NOT ${j.present(doc, c.name)})`;
    case 'equals':
      return sql<SqlBool>`(${value} = ${c.value})`;
    case 'not_equals':
      // "not equal" includes profiles that do not have the property at all.
      return c.consent ? sql<SqlBool>`(${value} <> ${c.value})` : sql<SqlBool>`(${scalar} IS NULL OR ${scalar} <> ${c.value})`;
    case 'gt':
      return sql<SqlBool>`(${scalar} > ${c.value})`;
    case 'gte':
      return sql<SqlBool>`(${scalar} >= ${c.value})`;
    case 'lt':
      return sql<SqlBool>`(${scalar} < ${c.value})`;
    case 'lte':
      return sql<SqlBool>`(${scalar} <= ${c.value})`;
    case 'in':
      return sql<SqlBool>`(${value} IN (${sql.join(c.value as unknown[])}))`;
    case 'contains':
      return c.type === 'string' ? j.textContains(scalar, c.value as string) : j.arrayContains(doc, c.name, c.value as string | number);
    case 'within_last_days':
      return sql<SqlBool>`(${scalar} >= ${threshold(ctx, c, c.value as number)})`;
    case 'before_days_ago':
      return sql<SqlBool>`(${scalar} < ${threshold(ctx, c, c.value as number)})`;
  }
}

/** The boundary of a relative date condition: an ISO instant for Datetime, a local date for Date. */
function threshold(ctx: MatchContext, c: PropertyNode, days: number): string {
  return c.type === 'date' ? ctx.localDateDaysAgo(days) : new Date(ctx.now - days * DAY).toISOString();
}

/** How many profiles of the project match, and the first `limit` ids. */
export async function countMatching(db: Db, projectId: string, match: RawBuilder<SqlBool>): Promise<number> {
  const r = await db
    .selectFrom('profiles as p')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('p.project_id', '=', projectId)
    .where(match)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function sampleMatching(db: Db, projectId: string, match: RawBuilder<SqlBool>, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('profiles as p').select('p.id').where('p.project_id', '=', projectId).where(match).orderBy('p.id').limit(limit).execute();
  return rows.map((r) => r.id);
}
