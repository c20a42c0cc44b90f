import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, test } from 'vitest';
import { sql } from 'kysely';
import { SqliteStore } from '../../src/platform/db/sqlite.store.ts';
import type { Store } from '../../src/platform/db/store.ts';
import { describeStoreContract } from './store.contract.ts';

function sqliteStore() {
  const dir = mkdtempSync(join(tmpdir(), 'maru-store-'));
  const path = join(dir, 'maru.db');
  const opened: Store[] = [];
  const open = () => {
    const s = new SqliteStore({ path });
    opened.push(s);
    return s;
  };
  return {
    path,
    store: open(),
    reopen: async () => open(),
    async cleanup() {
      for (const s of opened) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeStoreContract('sqlite (node:sqlite, WAL)', async () => sqliteStore());

describe('sqlite adapter specifics', () => {
  let sut: ReturnType<typeof sqliteStore>;
  afterEach(async () => {
    await sut.cleanup();
  });

  // D13: WAL mode with synchronous=FULL: a commit is fsynced before any unit of its group resolves.
  test('the file is in WAL mode with synchronous=FULL', async () => {
    sut = sqliteStore();
    await sut.store.migrate();
    const mode = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(sut.store.db);
    const sync = await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(sut.store.db);
    expect(mode.rows[0].journal_mode).toBe('wal');
    expect(sync.rows[0].synchronous).toBe(2); // FULL
  });

  test('a committed write is visible to an independent connection to the file', async () => {
    sut = sqliteStore();
    await sut.store.migrate();
    await sut.store.write((tx) => tx.insertInto('projects').values({ id: 'x', name: 'x', timezone: 'UTC', settings: '{}', created_at: 1 }).execute());
    const other = new DatabaseSync(sut.path, { readOnly: true });
    try {
      expect(
        other
          .prepare('select id from projects')
          .all()
          .map((r) => r.id),
      ).toEqual(['x']);
    } finally {
      other.close();
    }
  });

  test('a group of concurrent units costs one commit', async () => {
    sut = sqliteStore();
    await sut.store.migrate();
    const before = sut.store.stats.commits;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sut.store.write((tx) =>
          tx
            .insertInto('projects')
            .values({ id: `p${i}`, name: 'x', timezone: 'UTC', settings: '{}', created_at: 1 })
            .execute(),
        ),
      ),
    );
    expect(sut.store.stats.commits - before).toBe(1);
  });

  test('breaking out of a stream ends its read transaction (a full checkpoint is not blocked)', async () => {
    sut = sqliteStore();
    await sut.store.migrate();
    await sut.store.write(async (tx) => {
      for (let i = 0; i < 500; i++)
        await tx
          .insertInto('projects')
          .values({ id: `p${i}`, name: 'x', timezone: 'UTC', settings: '{}', created_at: i })
          .execute();
    });
    // PASSIVE never waits: it copies what no reader still needs. Everything copied (checkpointed = log) means no
    // reader holds an older snapshot.
    const fullyCheckpointed = async () => {
      const r = (await sql<{ busy: number; log: number; checkpointed: number }>`PRAGMA wal_checkpoint(PASSIVE)`.execute(sut.store.db)).rows[0];
      return r.log > 0 && r.checkpointed === r.log;
    };

    const it = sut.store.stream(sut.store.db.selectFrom('projects').select('id'), { chunkSize: 10 })[Symbol.asyncIterator]();
    await it.next();
    await sut.store.write((tx) => tx.updateTable('projects').set({ name: 'y' }).execute());
    expect(await fullyCheckpointed()).toBe(false); // the open stream holds its snapshot
    await it.return!();
    await sut.store.write((tx) => tx.updateTable('projects').set({ name: 'z' }).execute());
    expect(await fullyCheckpointed()).toBe(true);
  });
});
