import type { Db } from '../../platform/db/store.ts';
import type { ProjectRow } from '../../platform/db/schema.ts';
import type { Project } from './projects.types.ts';

const toProject = (r: ProjectRow): Project => ({
  id: r.id,
  name: r.name,
  timezone: r.timezone,
  settings: JSON.parse(r.settings),
  createdAt: r.created_at,
});

export async function insertProject(db: Db, p: Project) {
  await db
    .insertInto('projects')
    .values({ id: p.id, name: p.name, timezone: p.timezone, settings: JSON.stringify(p.settings), created_at: p.createdAt })
    .execute();
}

export async function findProject(db: Db, id: string): Promise<Project | undefined> {
  const r = await db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toProject(r);
}

export async function listProjects(db: Db): Promise<Project[]> {
  return (await db.selectFrom('projects').selectAll().orderBy('created_at').execute()).map(toProject);
}

export async function updateProject(db: Db, id: string, patch: { name?: string; timezone?: string; settings?: string }) {
  await db.updateTable('projects').set(patch).where('id', '=', id).execute();
}
