import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Dialect } from './store.ts';

/**
 * A migration file exports `up(db, dialect)`; dialect differences in DDL are handled with `columnTypes(dialect)`.
 * Files are applied in name order (NNN_name.ts).
 */
export interface MigrationModule {
  up(db: Kysely<any>, dialect: Dialect): Promise<void>;
}

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

class FolderMigrationProvider implements MigrationProvider {
  #dialect: Dialect;
  constructor(dialect: Dialect) {
    this.#dialect = dialect;
  }
  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d+_.*\.ts$/.test(f) && !f.endsWith('.test.ts')).sort();
    const out: Record<string, Migration> = {};
    for (const file of files) {
      const mod = (await import(pathToFileURL(join(MIGRATIONS_DIR, file)).href)) as MigrationModule;
      out[file.replace(/\.ts$/, '')] = { up: (db) => mod.up(db, this.#dialect) };
    }
    return out;
  }
}

export async function migrateToLatest(db: Kysely<any>, dialect: Dialect): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new FolderMigrationProvider(dialect), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Column types that differ between dialects. */
export function columnTypes(dialect: Dialect) {
  return {
    /** epoch milliseconds */
    time: dialect === 'postgres' ? ('bigint' as const) : ('integer' as const),
    bigint: dialect === 'postgres' ? ('bigint' as const) : ('integer' as const),
    json: 'text' as const,
    bool: dialect === 'postgres' ? ('boolean' as const) : ('integer' as const),
  };
}
