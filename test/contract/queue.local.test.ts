import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { SqliteStore } from '../../src/platform/db/sqlite.store.ts';
import { LocalQueue } from '../../src/platform/queue/local.queue.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { describeQueueContract } from './queue.contract.ts';

describeQueueContract('local (SQLite)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'maru-queue-'));
  const store = new SqliteStore({ path: join(dir, 'maru.db') });
  await store.migrate();
  const clock = new ManualClock();
  const log = pino({ level: 'silent' });
  return {
    store,
    clock,
    makeQueue: () => new LocalQueue({ store, clock, log, pollMs: 10 }),
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
