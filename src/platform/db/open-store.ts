import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { Store } from './store.ts';
import { SqliteStore } from './sqlite.store.ts';

/** Picks the store adapter from configuration: PostgreSQL when MARU_DATABASE_URL is set, else the embedded SQLite file. */
export async function openStore(config: Config): Promise<Store> {
  if (config.databaseUrl) {
    const { PostgresStore } = await import('./postgres.store.ts');
    return new PostgresStore({
      url: config.databaseUrl,
      poolSize: config.databasePoolSize,
      commitGroupMax: config.commitGroupMax,
      applicationName: `maru-${config.role}`,
    });
  }
  return new SqliteStore({
    path: join(config.dataDir, 'maru.db'),
    synchronous: config.sqliteSynchronous,
    commitGroupMax: config.commitGroupMax,
  });
}
