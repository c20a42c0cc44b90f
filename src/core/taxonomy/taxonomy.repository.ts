import type { Db } from '../../platform/db/store.ts';
import type { EventTypeDefinition, Origin, PropertyDefinition, PropertyScope, PropertyType } from './taxonomy.types.ts';

export async function loadTaxonomy(db: Db, projectId: string) {
  const [events, properties] = await Promise.all([
    db.selectFrom('event_types').select(['name', 'origin']).where('project_id', '=', projectId).execute(),
    db.selectFrom('properties').select(['scope', 'name', 'type', 'origin']).where('project_id', '=', projectId).execute(),
  ]);
  return {
    events: events as EventTypeDefinition[],
    properties: properties as PropertyDefinition[],
  };
}

/** Inserts event types; existing names are left as they are. */
export async function insertEventTypes(db: Db, projectId: string, defs: { name: string; origin: Origin }[], now: number) {
  if (defs.length === 0) return;
  await db
    .insertInto('event_types')
    .values(defs.map((d) => ({ project_id: projectId, name: d.name, origin: d.origin, created_at: now })))
    .onConflict((oc) => oc.columns(['project_id', 'name']).doNothing())
    .execute();
}

/** Inserts properties; an existing (scope, name) keeps its type. */
export async function insertProperties(
  db: Db,
  projectId: string,
  defs: { scope: PropertyScope; name: string; type: PropertyType; origin: Origin }[],
  now: number,
) {
  for (let i = 0; i < defs.length; i += 500) {
    await db
      .insertInto('properties')
      .values(defs.slice(i, i + 500).map((d) => ({ project_id: projectId, scope: d.scope, name: d.name, type: d.type, origin: d.origin, created_at: now })))
      .onConflict((oc) => oc.columns(['project_id', 'scope', 'name']).doNothing())
      .execute();
  }
}

export async function findProperty(db: Db, projectId: string, scope: PropertyScope, name: string) {
  return db
    .selectFrom('properties')
    .select(['scope', 'name', 'type', 'origin'])
    .where('project_id', '=', projectId)
    .where('scope', '=', scope)
    .where('name', '=', name)
    .executeTakeFirst();
}
