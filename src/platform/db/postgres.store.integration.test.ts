import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { sql } from 'kysely';
import { PostgresStore } from './postgres.store.ts';
import { createMonth, dropEventPartitionsBefore, ensureEventPartitions, listEventPartitions, monthStart, partitionName } from './postgres.partitions.ts';
import { insertEvents, type NewEventRow } from '../../core/events/events.repository.ts';
import { insertEventsUnnest } from '../../core/events/events.repository.ts';
import { IdentityService } from '../../core/identity/identity.service.ts';
import { normalizeIdentifier } from '../../core/identity/identifiers.ts';
import { TEST_DATABASE_URL, createTestDatabase } from '../../../test/helpers/scale.ts';

/**
 * What the PostgreSQL adapter adds beyond the store contract: several processes on one database (each store here
 * has its own pool, as a separate process would), migrations racing, advisory locks, partitions, type parsing.
 */

const MIGRATIONS = readdirSync(fileURLToPath(new URL('./migrations/', import.meta.url))).filter((f) => /^\d+_.*\.ts$/.test(f) && !f.endsWith('.test.ts'));

const event = (over: Partial<NewEventRow> = {}): NewEventRow => ({
  project_id: 'p1',
  occurred_at: Date.UTC(2025, 0, 15),
  event_key: 'k1',
  name: 'df_login',
  received_at: Date.UTC(2025, 0, 15),
  profile_id: 'prof1',
  properties: null,
  items: null,
  source: 'api',
  ...over,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!TEST_DATABASE_URL)('postgres store (integration)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const stores: PostgresStore[] = [];
  const open = () => {
    const s = new PostgresStore({ url: database.url, poolSize: 4, partitionIntervalMs: 0 });
    stores.push(s);
    return s;
  };

  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await database.drop();
  });

  test('N processes migrating at once apply every migration exactly once', async () => {
    const racers = Array.from({ length: 4 }, open);
    const applied = await Promise.all(racers.map((s) => s.migrate()));
    expect(applied.flat().sort()).toEqual(MIGRATIONS.map((f) => f.replace(/\.ts$/, '')).sort());
    const rows = await sql<{ n: number }>`select count(*) as n from kysely_migration`.execute(racers[0].db);
    expect(rows.rows[0].n).toBe(MIGRATIONS.length);
    expect(await racers[1].migrate()).toEqual([]);
  });

  test('bigint columns and counts come back as numbers', async () => {
    const store = open();
    await store.migrate();
    await store.write((tx) => insertEvents(tx, [event(), event({ event_key: 'k2' })]));
    const row = await store.db.selectFrom('events').select(['occurred_at', 'received_at', 'seq']).where('event_key', '=', 'k1').executeTakeFirstOrThrow();
    expect(row).toEqual({ occurred_at: Date.UTC(2025, 0, 15), received_at: Date.UTC(2025, 0, 15), seq: expect.any(Number) });
    const count = await store.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(count.n).toBe(2);
    const streamed: unknown[] = [];
    for await (const r of store.stream(store.db.selectFrom('events').select('occurred_at').orderBy('event_key'))) streamed.push(r.occurred_at);
    expect(streamed).toEqual([Date.UTC(2025, 0, 15), Date.UTC(2025, 0, 15)]);
  });

  test('lockKeys: a unit in another process waits for the keys it shares with a running unit, not for others', async () => {
    const a = open();
    const b = open();
    await a.migrate();
    let releaseA!: () => void;
    const aHolds = new Promise<void>((r) => (releaseA = r));
    let aLocked!: () => void;
    const aHasLocks = new Promise<void>((r) => (aLocked = r));
    const order: string[] = [];
    const unitA = a.write(async (tx) => {
      await a.lockKeys(tx, ['p:email\u0000x@example.com', 'p:phone\u0000+821012345678']);
      aLocked();
      await aHolds;
      order.push('a done');
    });
    await aHasLocks;
    // Disjoint keys: not blocked.
    await b.write(async (tx) => {
      await b.lockKeys(tx, ['p:email\u0000other@example.com']);
      order.push('disjoint');
    });
    // Shared key (in another order): blocked until A commits.
    const unitB = b.write(async (tx) => {
      await b.lockKeys(tx, ['p:device_id\u0000d1', 'p:phone\u0000+821012345678']);
      order.push('b locked');
    });
    await sleep(300);
    expect(order).toEqual(['disjoint']);
    releaseA();
    await Promise.all([unitA, unitB]);
    expect(order).toEqual(['disjoint', 'a done', 'b locked']);
  });

  test('two processes resolving the same new identifiers at once create one profile', async () => {
    const a = open();
    const b = open();
    await a.migrate();
    const ids = (n: number) => [normalizeIdentifier('email', `user${n}@example.com`, 'KR')!, normalizeIdentifier('device_id', `dev-${n}`, 'KR')!];
    const resolve = (store: PostgresStore, n: number, reversed: boolean) => {
      const identity = new IdentityService({ store, identifiersPerType: 5 });
      const identifiers = reversed ? ids(n).reverse() : ids(n);
      return store.write((tx) => identity.resolve(tx, { projectId: 'p1', identifiers, now: 1 }));
    };
    // Each round, both "processes" see a person for the first time at the same moment. Without the locks both would
    // plan a new profile and one insert would fail on the identifiers' primary key.
    for (let n = 0; n < 15; n++) {
      const [ra, rb] = await Promise.all([resolve(a, n, false), resolve(b, n, n % 2 === 1)]);
      expect(rb.profileId).toBe(ra.profileId);
      expect([ra.created, rb.created].sort()).toEqual([false, true]);
    }
    expect(await a.db.selectFrom('profiles').select('id').execute()).toHaveLength(15);
    expect(await a.db.selectFrom('identifiers').select(['type', 'value']).execute()).toHaveLength(30);
  });

  test('a unit that deadlocks with another process is rolled back and run again; both commit once', async () => {
    const a = open();
    const b = open();
    await a.migrate();
    await a.write((tx) => tx.insertInto('projects').values({ id: 'seed', name: 's', timezone: 'UTC', settings: '{}', created_at: 1 }).execute());
    const runs = { a: 0, b: 0 };
    let bothHoldFirst!: () => void;
    let held = 0;
    const gate = new Promise<void>((r) => (bothHoldFirst = r));
    const unit = (store: PostgresStore, name: 'a' | 'b', first: string, second: string) =>
      store.write(async (tx) => {
        runs[name]++;
        await store.lockKeys(tx, [first]);
        if (runs[name] === 1 && ++held === 2) bothHoldFirst();
        if (runs[name] === 1) await gate;
        await store.lockKeys(tx, [second]);
        await tx.insertInto('projects').values({ id: name, name, timezone: 'UTC', settings: '{}', created_at: 1 }).execute();
        return name;
      });
    const results = await Promise.all([unit(a, 'a', 'x', 'y'), unit(b, 'b', 'y', 'x')]);
    expect(results).toEqual(['a', 'b']);
    expect(runs.a + runs.b).toBe(3); // the deadlock victim ran twice
    expect((await a.db.selectFrom('projects').select('id').orderBy('id').execute()).map((r) => r.id)).toEqual(['a', 'b', 'seed']);
  });

  test('exports use their own connections: streams held open by slow clients do not starve requests, and close ends them', async () => {
    const store = new PostgresStore({ url: database.url, poolSize: 2, partitionIntervalMs: 0 });
    stores.push(store);
    await store.migrate();
    await store.write((tx) =>
      insertEvents(
        tx,
        Array.from({ length: 50 }, (_, i) => event({ event_key: `k${i}` })),
      ),
    );
    // Two streams paused by their consumers hold both stream connections…
    const held = [0, 1].map(() => store.stream(store.db.selectFrom('events').select('event_key'), { chunkSize: 10 })[Symbol.asyncIterator]());
    for (const it of held) expect((await it.next()).done).toBe(false);
    // …while writes and reads still get theirs (poolSize 2).
    for (let i = 0; i < 3; i++)
      await store.write((tx) =>
        tx
          .insertInto('projects')
          .values({ id: `p${i}`, name: 'n', timezone: 'UTC', settings: '{}', created_at: 1 })
          .execute(),
      );
    expect(await store.db.selectFrom('projects').select('id').execute()).toHaveLength(3);
    // A consumer that never finishes or returns its stream does not keep close() waiting.
    const closed = await Promise.race([store.close().then(() => 'closed'), sleep(10_000).then(() => 'hung')]);
    expect(closed).toBe('closed');
    // Its consumer, coming back, gets the rows already fetched, then an error (not a silently short result).
    const resume = async () => {
      try {
        for (let r = await held[0].next(); !r.done; r = await held[0].next());
        return 'ended';
      } catch {
        return 'failed';
      }
    };
    expect(await resume()).toBe('failed');
  });

  test('the unnest fast path stores and dedupes exactly like the multi-row INSERT', async () => {
    const store = open();
    await store.migrate();
    const odd = JSON.stringify({ tab: 'a\tb', nl: 'x\ny', backslash: 'c:\\d', quote: 'it\'s "q"', korean: '구매 완료', emoji: '🎉' });
    const batch = (p: string): NewEventRow[] => [
      event({ project_id: p, event_key: 'a', properties: odd }),
      event({ project_id: p, event_key: 'b', items: '[{"df_item_id":"1"}]', occurred_at: Date.UTC(2019, 0, 1) }),
      event({ project_id: p, event_key: 'a' }), // repeated within the batch
      event({ project_id: p, event_key: 'c', occurred_at: Date.UTC(2026, 10, 1) }),
    ];
    const viaInsert = [await store.write((tx) => insertEvents(tx, batch('m'))), await store.write((tx) => insertEvents(tx, batch('m')))];
    const viaUnnest = [await store.write((tx) => insertEventsUnnest(tx, batch('u'))), await store.write((tx) => insertEventsUnnest(tx, batch('u')))];
    expect(viaUnnest).toEqual(viaInsert);
    expect(viaUnnest).toEqual([3, 0]);
    const rows = async (p: string) =>
      (
        await store.db
          .selectFrom('events')
          .select(['occurred_at', 'event_key', 'name', 'received_at', 'profile_id', 'properties', 'items', 'source'])
          .where('project_id', '=', p)
          .orderBy('event_key')
          .execute()
      ).map((r) => ({ ...r }));
    expect(await rows('u')).toEqual(await rows('m'));
    expect((await rows('u'))[0].properties).toBe(odd);
  });

  describe('events partitions', () => {
    test('migrate creates monthly partitions around now plus a default; rows land in their month', async () => {
      const store = open();
      await store.migrate();
      const parts = await listEventPartitions(store.db);
      const now = Date.now();
      const expected = [-1, 0, 1, 2, 3].map((m) => partitionName(monthStart(now, m)));
      expect(parts.map((p) => p.name)).toEqual([...expected, 'events_default']);
      expect(parts[1]).toMatchObject({ from: monthStart(now), to: monthStart(now, 1) });

      await store.write((tx) => insertEvents(tx, [event({ occurred_at: now }), event({ event_key: 'old', occurred_at: Date.UTC(2019, 5, 1) })]));
      const where = await sql<{ part: string; event_key: string }>`select tableoid::regclass::text as part, event_key from events order by event_key`.execute(
        store.db,
      );
      expect(where.rows).toEqual([
        { part: partitionName(monthStart(now)), event_key: 'k1' },
        { part: 'events_default', event_key: 'old' },
      ]);
    });

    test('creating a month whose rows sit in the default partition moves them, and dedupe still holds', async () => {
      const store = open();
      await store.migrate();
      const june = Date.UTC(2019, 5, 10);
      expect(
        await store.write((tx) =>
          insertEvents(tx, [event({ occurred_at: june }), event({ occurred_at: june, event_key: 'k2' }), event({ occurred_at: Date.UTC(2019, 7, 1) })]),
        ),
      ).toBe(3);
      await createMonth(store.db, monthStart(june));
      const counts = await listEventPartitions(store.db, { countRows: true });
      expect(counts.find((p) => p.name === 'events_y2019m06')?.rows).toBe(2);
      expect(counts.find((p) => p.name === 'events_default')?.rows).toBe(1);
      // The moved rows still dedupe.
      expect(await store.write((tx) => insertEvents(tx, [event({ occurred_at: june }), event({ occurred_at: june, event_key: 'k3' })]))).toBe(1);
      expect(await ensureEventPartitions(store.db, { now: june, monthsAhead: 0, monthsBack: 0 })).toEqual([]);
    });

    test('dropping old months removes their rows cheaply and keeps the rest', async () => {
      const store = open();
      await store.migrate();
      for (const m of [0, 1, 2]) await createMonth(store.db, Date.UTC(2020, m, 1));
      await store.write((tx) =>
        insertEvents(tx, [
          event({ event_key: 'jan', occurred_at: Date.UTC(2020, 0, 5) }),
          event({ event_key: 'feb', occurred_at: Date.UTC(2020, 1, 5) }),
          event({ event_key: 'mar', occurred_at: Date.UTC(2020, 2, 5) }),
          event({ event_key: 'dec', occurred_at: Date.UTC(2019, 11, 5) }), // default partition
          event({ event_key: 'now', occurred_at: Date.now() }),
        ]),
      );
      const r = await dropEventPartitionsBefore(store.db, Date.UTC(2020, 2, 20));
      expect(r).toEqual({ dropped: ['events_y2020m01', 'events_y2020m02'], defaultRowsDeleted: 1 });
      const left = (await store.db.selectFrom('events').select('event_key').orderBy('event_key').execute()).map((e) => e.event_key);
      expect(left).toEqual(['mar', 'now']);
    });
  });
});
