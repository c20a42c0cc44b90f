import { describe } from 'vitest';
import { PostgresStore } from '../../src/platform/db/postgres.store.ts';
import { describeStoreContract } from './store.contract.ts';
import { TEST_DATABASE_URL, createTestDatabase } from '../helpers/scale.ts';

// Runs when MARU_TEST_DATABASE_URL is set (.ci/scale.sh); a fresh database per test, dropped afterwards.
describe.skipIf(!TEST_DATABASE_URL)('postgres store', () => {
  describeStoreContract('postgres', async () => {
    const database = await createTestDatabase();
    const open = () => new PostgresStore({ url: database.url, poolSize: 6, partitionIntervalMs: 0 });
    let current = open();
    return {
      store: current,
      async reopen() {
        current = open();
        return current;
      },
      async cleanup() {
        await current.close();
        await database.drop();
      },
    };
  });
});
