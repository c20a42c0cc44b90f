import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { sql } from 'kysely';
import type { Db, Store } from '../../src/platform/db/store.ts';
import { insertEvents, type NewEventRow } from '../../src/core/events/events.repository.ts';

/**
 * The store port's contract (src/platform/db/store.ts), written against the port only: Kysely's query builder
 * on the foundation tables, no dialect-specific SQL. Every adapter runs it unchanged:
 *
 *   describeStoreContract('sqlite', async () => ({ store, cleanup }))
 *
 * `makeStore` returns a store with migrations NOT yet applied (the suite applies them) and a cleanup that
 * closes it and removes its data. `reopen`, when given, opens a second store on the same data (after the
 * first is closed) to prove durability across restarts.
 */
export interface StoreUnderTest {
  store: Store;
  cleanup(): Promise<void>;
  reopen?(): Promise<Store>;
}

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

const project = (id: string) => ({ id, name: `project ${id}`, timezone: 'Asia/Seoul', settings: '{}', created_at: 1 });

const event = (over: Partial<NewEventRow> = {}): NewEventRow => ({
  project_id: 'p1',
  occurred_at: 1_700_000_000_000,
  event_key: 'k1',
  name: 'df_login',
  received_at: 1_700_000_000_500,
  profile_id: 'prof1',
  properties: null,
  items: null,
  source: 'api',
  ...over,
});

async function projectIds(db: Db): Promise<string[]> {
  return (await db.selectFrom('projects').select('id').orderBy('id').execute()).map((r) => r.id);
}

/** Reads through stream(): on adapters with a separate read connection this sees committed data only. */
async function streamedProjectIds(store: Store): Promise<string[]> {
  const out: string[] = [];
  for await (const r of store.stream(store.db.selectFrom('projects').select('id').orderBy('id'))) out.push(r.id);
  return out;
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms))]);

export function describeStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>) {
  describe(`store contract: ${name}`, () => {
    let sut: StoreUnderTest;
    let store: Store;

    beforeEach(async () => {
      sut = await makeStore();
      store = sut.store;
      await store.migrate();
    });
    afterEach(async () => {
      await sut.cleanup();
    });

    describe('migrate', () => {
      test('is idempotent: a second run applies nothing and keeps the data', async () => {
        await store.write((tx) => tx.insertInto('projects').values(project('a')).execute());
        expect(await store.migrate()).toEqual([]);
        expect(await store.migrate()).toEqual([]);
        expect(await projectIds(store.db)).toEqual(['a']);
      });

      test('creates the foundation tables', async () => {
        // Each of these would throw if its table were missing.
        for (const table of [
          'projects',
          'credentials',
          'event_types',
          'properties',
          'profiles',
          'profile_aliases',
          'identifiers',
          'events',
          'devices',
        ] as const) {
          expect(await store.db.selectFrom(table).selectAll().execute()).toEqual([]);
        }
      });
    });

    describe('write', () => {
      test("resolves with the unit's value once committed: another connection sees the rows only then", async () => {
        const inUnit = deferred();
        const release = deferred();
        const pending = store.write(async (tx) => {
          await tx.insertInto('projects').values(project('a')).execute();
          inUnit.resolve();
          await release.promise;
          return 'done';
        });
        await inUnit.promise;
        let settled = false;
        void pending.then(() => (settled = true));
        expect(await streamedProjectIds(store)).toEqual([]); // not committed yet
        expect(settled).toBe(false);
        release.resolve();
        expect(await pending).toBe('done');
        expect(await streamedProjectIds(store)).toEqual(['a']);
        expect(await projectIds(store.db)).toEqual(['a']);
      });

      test('a unit that throws rejects with its error and keeps nothing it wrote', async () => {
        const boom = new Error('unit failed');
        const err = await store
          .write(async (tx) => {
            await tx.insertInto('projects').values(project('a')).execute();
            await tx.insertInto('events').values(event()).execute();
            throw boom;
          })
          .catch((e: unknown) => e);
        expect(err).toBe(boom);
        expect(await projectIds(store.db)).toEqual([]);
        expect(await store.db.selectFrom('events').selectAll().execute()).toEqual([]);
      });

      test('a failing unit rolls back only itself; its group-mates commit', async () => {
        await store.write((tx) => tx.insertInto('projects').values(project('existing')).execute());
        const boom = new Error('b failed');
        const results = await Promise.allSettled([
          store.write(async (tx) => {
            await tx.insertInto('projects').values(project('a')).execute();
            return 'a';
          }),
          store.write(async (tx) => {
            await tx.insertInto('projects').values(project('b')).execute();
            throw boom;
          }),
          store.write(async (tx) => {
            await tx.insertInto('projects').values(project('c1')).execute();
            await tx.insertInto('projects').values(project('existing')).execute(); // primary-key violation
          }),
          store.write(async (tx) => {
            await tx.insertInto('projects').values(project('d')).execute();
            return 'd';
          }),
        ]);
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
        expect((results[0] as PromiseFulfilledResult<string>).value).toBe('a');
        expect((results[1] as PromiseRejectedResult).reason).toBe(boom);
        expect((results[3] as PromiseFulfilledResult<string>).value).toBe('d');
        expect(await projectIds(store.db)).toEqual(['a', 'd', 'existing']);
        expect(await streamedProjectIds(store)).toEqual(['a', 'd', 'existing']);
      });

      test('concurrent units are grouped into fewer commits, each unit still applied exactly once', async () => {
        const before = { ...store.stats };
        const n = 64;
        const values = await Promise.all(
          Array.from({ length: n }, (_, i) =>
            store.write(async (tx) => {
              await tx
                .insertInto('projects')
                .values(project(`p${String(i).padStart(3, '0')}`))
                .execute();
              return i;
            }),
          ),
        );
        expect(values).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(store.stats.units - before.units).toBe(n);
        const commits = store.stats.commits - before.commits;
        expect(commits).toBeGreaterThanOrEqual(1);
        expect(commits).toBeLessThan(n);
        expect((await projectIds(store.db)).length).toBe(n);
      });

      test('writes submitted one after another each commit', async () => {
        const before = { ...store.stats };
        for (const id of ['a', 'b', 'c']) await store.write((tx) => tx.insertInto('projects').values(project(id)).execute());
        expect(store.stats.commits - before.commits).toBe(3);
        expect(await streamedProjectIds(store)).toEqual(['a', 'b', 'c']);
      });

      test('close waits for queued writes to commit', async () => {
        const pending = Array.from({ length: 10 }, (_, i) =>
          store.write((tx) =>
            tx
              .insertInto('projects')
              .values(project(`q${i}`))
              .execute(),
          ),
        );
        if (!sut.reopen) {
          await Promise.all(pending);
          return;
        }
        await store.close();
        await Promise.all(pending); // all resolved, none rejected
        const again = await sut.reopen();
        store = again;
        sut = { ...sut, store: again };
        expect((await projectIds(again.db)).length).toBe(10);
      });

      test('committed writes survive a close and reopen', async () => {
        if (!sut.reopen) return;
        await store.write((tx) => tx.insertInto('projects').values(project('durable')).execute());
        await store.close();
        const again = await sut.reopen();
        store = again;
        sut = { ...sut, store: again };
        expect(await again.migrate()).toEqual([]);
        expect(await projectIds(again.db)).toEqual(['durable']);
      });

      test('a closed store refuses new writes', async () => {
        await store.close();
        await expect(store.write(async () => 1)).rejects.toThrow();
        if (sut.reopen) {
          store = await sut.reopen();
          sut = { ...sut, store };
        }
      });
    });

    describe('events dedupe on (project, occurred_at, key)', () => {
      test('the same key at the same time is stored once, however many times it is written', async () => {
        expect(await store.write((tx) => insertEvents(tx, [event(), event({ event_key: 'k2' })]))).toBe(2);
        expect(await store.write((tx) => insertEvents(tx, [event({ received_at: 9 }), event({ event_key: 'k2', name: 'other' })]))).toBe(0);
        // Within one batch too.
        expect(await store.write((tx) => insertEvents(tx, [event({ event_key: 'k3' }), event({ event_key: 'k3' })]))).toBe(1);
        const rows = await store.db.selectFrom('events').select(['event_key', 'name', 'received_at']).orderBy('event_key').execute();
        expect(rows.map((r) => ({ ...r }))).toEqual([
          { event_key: 'k1', name: 'df_login', received_at: 1_700_000_000_500 },
          { event_key: 'k2', name: 'df_login', received_at: 1_700_000_000_500 },
          { event_key: 'k3', name: 'df_login', received_at: 1_700_000_000_500 },
        ]);
      });

      test('another project, or another occurred_at, is another event', async () => {
        expect(await store.write((tx) => insertEvents(tx, [event(), event({ project_id: 'p2' }), event({ occurred_at: 1_700_000_000_001 })]))).toBe(3);
        expect(await store.db.selectFrom('events').select('seq').execute()).toHaveLength(3);
      });

      test('a duplicate does not fail its unit or its group-mates', async () => {
        await store.write((tx) => insertEvents(tx, [event()]));
        const [a, b] = await Promise.all([
          store.write((tx) => insertEvents(tx, [event(), event({ event_key: 'new-a' })])),
          store.write((tx) => insertEvents(tx, [event({ event_key: 'new-b' })])),
        ]);
        expect([a, b]).toEqual([1, 1]);
        expect((await store.db.selectFrom('events').select('event_key').orderBy('event_key').execute()).map((r) => r.event_key)).toEqual([
          'k1',
          'new-a',
          'new-b',
        ]);
      });
    });

    describe('stream', () => {
      const seed = async (n: number) => {
        const rows = Array.from({ length: n }, (_, i) => event({ event_key: `k${String(i).padStart(6, '0')}`, occurred_at: 1_700_000_000_000 + i }));
        for (let i = 0; i < rows.length; i += 1000) await store.write((tx) => insertEvents(tx, rows.slice(i, i + 1000)));
      };

      test('yields every row of the query in order', async () => {
        await seed(2500);
        const keys: string[] = [];
        for await (const r of store.stream(store.db.selectFrom('events').select(['event_key', 'occurred_at']).orderBy('occurred_at', 'desc'), {
          chunkSize: 100,
        })) {
          keys.push(r.event_key);
        }
        expect(keys).toHaveLength(2500);
        expect(keys[0]).toBe('k002499');
        expect(keys[2499]).toBe('k000000');
        expect(keys).toEqual([...keys].sort().reverse());
      });

      test('yields nothing for an empty result', async () => {
        const rows: unknown[] = [];
        for await (const r of store.stream(store.db.selectFrom('events').selectAll())) rows.push(r);
        expect(rows).toEqual([]);
      });

      test('reads in bounded chunks: the first rows of an unbounded query arrive, and breaking stops it', async () => {
        // A recursive query that would produce 50 million rows: an adapter that materialised the result
        // would take far longer than the limit below (or run out of memory).
        const numbers = store.db
          .withRecursive('n(i)', (db) =>
            db.selectNoFrom(sql<number>`1`.as('i')).unionAll((db2) =>
              (db2 as unknown as Db)
                .selectFrom('n' as never)
                .select(sql<number>`i + 1`.as('i'))
                .where(sql<boolean>`i < 50000000`),
            ),
          )
          .selectFrom('n' as never)
          .select(sql<number>`i`.as('i'));
        const started = Date.now();
        const seen: number[] = [];
        for await (const r of store.stream(numbers as never, { chunkSize: 50 })) {
          seen.push(Number((r as { i: number }).i));
          if (seen.length === 120) break;
        }
        expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
        expect(Date.now() - started).toBeLessThan(3000);
        // The store is still fully usable after the consumer stopped.
        await store.write((tx) => tx.insertInto('projects').values(project('after')).execute());
        expect(await streamedProjectIds(store)).toEqual(['after']);
      });

      test('does not block concurrent writes while a consumer is mid-stream', async () => {
        await seed(3000);
        const iterator = store.stream(store.db.selectFrom('events').select('event_key').orderBy('seq'), { chunkSize: 100 })[Symbol.asyncIterator]();
        const first = await iterator.next();
        expect(first.value).toEqual({ event_key: 'k000000' });
        // The consumer is paused holding the stream open; writes must still commit.
        for (let i = 0; i < 3; i++) {
          await withTimeout(
            store.write((tx) =>
              tx
                .insertInto('projects')
                .values(project(`w${i}`))
                .execute(),
            ),
            5000,
            'a write while a stream is open',
          );
        }
        expect(await projectIds(store.db)).toEqual(['w0', 'w1', 'w2']);
        let n = 1;
        for (;;) {
          const next = await iterator.next();
          if (next.done) break;
          n++;
        }
        expect(n).toBe(3000);
      });

      test('a stream started while another is open sees everything committed before it started', async () => {
        await seed(300);
        const first = store.stream(store.db.selectFrom('events').select('event_key').orderBy('seq'), { chunkSize: 100 })[Symbol.asyncIterator]();
        expect((await first.next()).done).toBe(false); // the first stream is open, mid-read
        await store.write((tx) => insertEvents(tx, [event({ event_key: 'late', occurred_at: 1_800_000_000_000 })]));
        const second: string[] = [];
        for await (const r of store.stream(store.db.selectFrom('events').select('event_key').orderBy('seq'), { chunkSize: 100 })) second.push(r.event_key);
        expect(second).toHaveLength(301);
        expect(second.at(-1)).toBe('late');
        let rest = 1;
        while (!(await first.next()).done) rest++;
        expect(rest).toBe(300); // the first keeps its own snapshot
      });

      test('stops at an aborted signal between chunks', async () => {
        await seed(1000);
        const controller = new AbortController();
        let n = 0;
        for await (const _ of store.stream(store.db.selectFrom('events').select('seq').orderBy('seq'), { chunkSize: 100, signal: controller.signal })) {
          n++;
          if (n === 150) controller.abort();
        }
        expect(n).toBeGreaterThanOrEqual(150);
        expect(n).toBeLessThan(1000);
      });
    });

    test('ping answers while the store is open', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
