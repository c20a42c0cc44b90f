import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, createProject, type TestApp } from '../../../test/helpers/app.ts';
import type { EventInput, EventWireNames } from './event-validation.ts';
import * as repo from './events.repository.ts';

const WIRE: EventWireNames = { events: 'events', key: 'key', name: 'name', occurredAt: 'at', properties: 'p', items: 'i', identity: 'identity' };

/** The ingest log under concurrent ingest (SQLite; PostgreSQL inserts directly and the log is never used). */
describe('EventStorage: the ingest log', () => {
  let t: TestApp;
  let projectId: string;
  beforeEach(async () => {
    t = await buildTestApp();
    projectId = (await createProject(t.runtime)).project.id;
  });
  afterEach(() => t.close());

  const base = Date.UTC(2025, 0, 6);
  const request = (n: number, keys: string[]): EventInput[] =>
    keys.map((key, i) => ({ key, name: 'df_login', occurredAt: base + n * 100 + i, identifiers: [{ type: 'external_id' as const, value: `user-${n % 7}` }] }));
  const ingest = (events: EventInput[]) => t.runtime.events.ingest({ projectId, events, source: 'api', strict: true, wire: WIRE });
  const stored = async () =>
    (await t.runtime.store.db.selectFrom('events').select(['event_key', 'occurred_at', 'profile_id']).where('project_id', '=', projectId).execute()).length;
  const logged = async () => (t.runtime.store.dialect === 'sqlite' ? (await repo.logBounds(t.runtime.store.db)).n : 0);

  it('concurrent requests are acknowledged from the log; flush merges them, each key once however often it was sent', async () => {
    const requests = Array.from({ length: 24 }, (_, n) =>
      request(
        n,
        Array.from({ length: 25 }, (_, i) => `r${n}-e${i}`),
      ),
    );
    // Every request twice, concurrently: replays of keys that may be in the log or already merged.
    await Promise.all([...requests, ...requests].map((events) => ingest(events)));
    if (t.runtime.store.dialect === 'sqlite') expect(t.runtime.eventStorage.stats.logged).toBeGreaterThan(600);
    expect(await t.runtime.events.count(projectId)).toBe(600); // count is a reader: it flushes first
    expect(await logged()).toBe(0);
    expect(await stored()).toBe(600);
    // A replay after the merge stores nothing.
    await Promise.all(requests.slice(0, 10).map((events) => ingest(events)));
    expect(await t.runtime.events.count(projectId)).toBe(600);
  }, 90_000); // PostgreSQL mode on a loaded machine: 48 concurrent units contending for 7 identities' advisory locks

  it('an export started after the acknowledgment sees every acknowledged event', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        ingest(
          request(
            n,
            Array.from({ length: 10 }, (_, i) => `x${n}-${i}`),
          ),
        ),
      ),
    );
    const prepared = await t.runtime.exports.prepare({ projectId, kind: 'events', from: '2025-01-01', to: '2025-01-31', enforceLimits: false });
    const stream = await prepared.open();
    for await (const chunk of stream.chunks) void chunk;
    expect([stream.completed, stream.rows]).toEqual([true, 200]);
  });

  it('re-merging the same log rows (a crash between slices) stores nothing twice', async () => {
    if (t.runtime.store.dialect !== 'sqlite') return;
    const rows = Array.from({ length: 50 }, (_, i) => ({
      project_id: projectId,
      occurred_at: base + i,
      event_key: `m${i}`,
      name: 'df_login',
      received_at: base,
      profile_id: 'p1',
      properties: null,
      items: null,
      source: 'api',
    }));
    await t.runtime.store.write((tx) => repo.appendLog(tx, rows));
    const ids = (await repo.logKeys(t.runtime.store.db, 0, Number.MAX_SAFE_INTEGER, 100)).map((k) => k.id);
    expect(await t.runtime.store.write((tx) => repo.mergeLogRows(tx, ids))).toBe(50);
    expect(await t.runtime.store.write((tx) => repo.mergeLogRows(tx, ids))).toBe(0);
    await t.runtime.store.write((tx) => repo.appendLog(tx, rows)); // the same events acknowledged again
    await t.runtime.events.flush();
    expect(await stored()).toBe(50);
    expect(await logged()).toBe(0);
  });

  it('deleting a profile erases its events still waiting in the log', async () => {
    if (t.runtime.store.dialect !== 'sqlite') return;
    const rows = Array.from({ length: 5 }, (_, i) => ({
      project_id: projectId,
      occurred_at: base + i,
      event_key: `d${i}`,
      name: 'df_login',
      received_at: base,
      profile_id: i < 3 ? 'victim' : 'other',
      properties: null,
      items: null,
      source: 'api',
    }));
    await t.runtime.store.write((tx) => repo.appendLog(tx, rows));
    const counts = await t.runtime.store.write((tx) => t.runtime.deletion.eraseInTx(tx, projectId, ['victim']));
    expect(counts.events).toBe(3);
    await t.runtime.events.flush();
    expect(
      (await t.runtime.store.db.selectFrom('events').select('event_key').where('project_id', '=', projectId).orderBy('event_key').execute()).map(
        (r) => r.event_key,
      ),
    ).toEqual(['d3', 'd4']);
  });
});
