import { DatabaseSync } from 'node:sqlite';
import { EVENTS_PER_REQUEST, makeEvents, prng, USERS, userOf } from './payload.ts';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Fills a migrated maru SQLite file with events for an export benchmark, without going through the HTTP API
 * (loading 1,000,000 events through it would take most of a run): the same rows the DFINERY face stores for the
 * benchmark payload — profiles with an external_id (and an email for a quarter of them), and events spread evenly
 * over [fromMs, toMs) in time order. Run it while no maru process has the file open.
 * Returns the number of events inserted.
 */
export function populateEvents(input: {
  dbPath: string;
  projectId: string;
  count: number;
  fromMs: number;
  toMs: number;
  seed?: number;
  receivedAt?: number;
}): number {
  const db = new DatabaseSync(input.dbPath);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -131072;');
  const rand = prng(input.seed ?? 11);
  const receivedAt = input.receivedAt ?? Date.now();

  // Profiles: one per benchmark user, created once.
  const profileIds: string[] = new Array(USERS);
  const existing = db.prepare("select value, profile_id from identifiers where project_id = ? and type = 'external_id'").all(input.projectId) as {
    value: string;
    profile_id: string;
  }[];
  const known = new Map(existing.map((r) => [r.value, r.profile_id]));
  db.exec('BEGIN');
  const insProfile = db.prepare('insert into profiles (project_id, id, properties, property_times, created_at, updated_at) values (?, ?, ?, ?, ?, ?)');
  const insIdentifier = db.prepare('insert into identifiers (project_id, type, value, raw, profile_id, created_at) values (?, ?, ?, ?, ?, ?)');
  for (let n = 0; n < USERS; n++) {
    const user = userOf(n);
    let id = known.get(user.external_id);
    if (!id) {
      id = Array.from({ length: 7 }, () => BASE62[Math.floor(rand() * 62)]).join('');
      insProfile.run(input.projectId, id, '{}', '{}', input.fromMs, input.fromMs);
      insIdentifier.run(input.projectId, 'external_id', user.external_id, user.external_id, id, input.fromMs);
      if (user.email) insIdentifier.run(input.projectId, 'email', user.email, user.email, id, input.fromMs);
    }
    profileIds[n] = id;
  }
  db.exec('COMMIT');

  const insert = db.prepare(
    `insert into events (project_id, occurred_at, event_key, name, received_at, profile_id, properties, items, source) values ${new Array(EVENTS_PER_REQUEST).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
  );
  const step = (input.toMs - input.fromMs) / input.count;
  let inserted = 0;
  db.exec('BEGIN');
  for (let r = 0; r < input.count / EVENTS_PER_REQUEST; r++) {
    const profile = profileIds[Math.floor(rand() * USERS)];
    const params: (string | number | null)[] = [];
    const events = makeEvents(rand, receivedAt);
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      params.push(
        input.projectId,
        Math.floor(input.fromMs + (inserted + i) * step),
        e.event_log_id,
        e.event_name,
        receivedAt,
        profile,
        e.event_properties ? JSON.stringify(e.event_properties) : null,
        e.event_items ? JSON.stringify(e.event_items) : null,
        'api',
      );
    }
    insert.run(...params);
    inserted += events.length;
    if (r % 500 === 499) {
      db.exec('COMMIT');
      db.exec('BEGIN');
    }
  }
  db.exec('COMMIT');
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  db.close();
  return inserted;
}
