import type { LightMyRequestResponse } from 'fastify';
import { buildTestApp, createProject, ManualClock, type TestApp } from '../helpers/app.ts';
import type { Project } from '../../src/core/projects/projects.types.ts';
import type { IssuedCredentials } from '../../src/core/credentials/credentials.service.ts';

export interface MarketapFixture {
  t: TestApp;
  clock: ManualClock;
  project: Project;
  credentials: IssuedCredentials;
  /** POST/GET with this project's id and API key. */
  call(method: 'GET' | 'POST', path: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  post(path: string, body: unknown): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** A fresh app on a ManualClock with one fresh project (settings optional). */
export async function marketapFixture(settings?: Record<string, unknown>): Promise<MarketapFixture> {
  const clock = new ManualClock('2025-01-17T00:00:00Z');
  const t = await buildTestApp({ clock });
  const { project, credentials } = await createProject(t.runtime, { settings });
  const call = (method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({
      method,
      url: `${path}${path.includes('?') ? '&' : '?'}project_id=${project.id}`,
      headers: { authorization: `Bearer ${credentials.api_key}`, ...headers },
      ...(body === undefined ? {} : { payload: body as object }),
    });
  return { t, clock, project, credentials, call, post: (path, body) => call('POST', path, body), close: () => t.close() };
}

/** Rows of a table of this project, straight from the store. */
export const rows = (t: TestApp, table: string, projectId: string) =>
  t.runtime.store.db
    .selectFrom(table as 'events')
    .selectAll()
    .where('project_id', '=', projectId)
    .execute() as Promise<Record<string, unknown>[]>;
