import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll } from 'vitest';
import pg from 'pg';

/**
 * Scale-mode test services. Suites that need PostgreSQL or Redis run only when these are set (.ci/scale.sh sets both):
 *   MARU_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres   (a database to connect to for CREATE DATABASE)
 *   MARU_TEST_REDIS_URL=redis://127.0.0.1:6379
 */
export const TEST_DATABASE_URL = process.env.MARU_TEST_DATABASE_URL || undefined;
export const TEST_REDIS_URL = process.env.MARU_TEST_REDIS_URL || undefined;

/**
 * For tests that look at the embedded store's files or SQLite-specific behaviour (WAL checkpoints, "no such table"
 * messages, the data dir's maru.db): `test.skipIf(!EMBEDDED_STORE)(...)`. True unless test apps run on PostgreSQL.
 */
export const EMBEDDED_STORE = !TEST_DATABASE_URL;

export const randomSuffix = () => randomBytes(6).toString('hex');

/**
 * A fresh database on the test server; `drop()` removes it (closing any connection left open). Empty by default;
 * with `migrated`, a copy of a template database migrated once per set of migration files (much faster than
 * migrating every test app's database).
 */
export async function createTestDatabase(
  baseUrl = TEST_DATABASE_URL,
  options: { migrated?: boolean } = {},
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  if (!baseUrl) throw new Error('MARU_TEST_DATABASE_URL is not set');
  const name = `maru_test_${randomSuffix()}`;
  if (options.migrated) {
    try {
      await admin(baseUrl, `create database ${name} template ${await migratedTemplate(baseUrl)}`);
    } catch (e) {
      // Another checkout with other migrations (a second worktree on this machine) replaced the template: build ours again.
      if (!/template database .* does not exist/.test((e as Error).message)) throw e;
      template = undefined;
      await admin(baseUrl, `create database ${name} template ${await migratedTemplate(baseUrl)}`);
    }
  } else {
    await admin(baseUrl, `create database ${name}`);
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => admin(baseUrl, `drop database if exists ${name} with (force)`),
  };
}

const withDatabase = (baseUrl: string, name: string) => {
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
};

let template: Promise<string> | undefined;

/**
 * `maru_tmpl_<hash of the migration files>`: created and migrated by the first test process that needs it (under an
 * advisory lock, so parallel test processes build it once), then only copied. A changed migration makes a new one.
 */
function migratedTemplate(baseUrl: string): Promise<string> {
  template ??= (async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { createHash } = await import('node:crypto');
    const dir = new URL('../../src/platform/db/migrations/', import.meta.url);
    const hash = createHash('sha256');
    for (const f of readdirSync(dir)
      .filter((f) => /^\d+_.*\.ts$/.test(f))
      .sort())
      hash.update(f).update(readFileSync(new URL(f, dir)));
    for (const f of ['postgres.store.ts', 'postgres.partitions.ts', 'migrator.ts'])
      hash.update(readFileSync(new URL(`../../src/platform/db/${f}`, import.meta.url)));
    const name = `maru_tmpl_${hash.digest('hex').slice(0, 16)}`;
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    try {
      await client.query(`select pg_advisory_lock(hashtext('maru-test-template'))`);
      const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
      if (exists.rowCount === 0) {
        const building = `${name}_${randomSuffix()}`;
        await client.query(`create database ${building}`);
        const { PostgresStore } = await import('../../src/platform/db/postgres.store.ts');
        const store = new PostgresStore({ url: withDatabase(baseUrl, building), poolSize: 2, partitionIntervalMs: 0 });
        try {
          await store.migrate();
        } finally {
          await store.close();
        }
        await client.query(`alter database ${building} rename to ${name}`);
        // Templates of earlier migration sets are not needed any more (one in use elsewhere is left alone).
        const stale = await client.query<{ datname: string }>("select datname from pg_database where datname like 'maru\\_tmpl\\_%' and datname <> $1", [name]);
        for (const { datname } of stale.rows) await client.query(`drop database if exists ${datname}`).catch(() => {});
      }
      return name;
    } finally {
      await client.end(); // ends the session, releasing the advisory lock
    }
  })();
  return template;
}

async function admin(baseUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A key prefix no other test run uses; `cleanup` deletes every key under it. */
export function testRedisPrefix(): string {
  return `maru-test-${randomSuffix()}`;
}

export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * A loopback TCP proxy in front of a service, to take it away and bring it back while clients stay configured
 * (a Redis outage without touching the shared Redis). `cut()` drops every connection and refuses new ones.
 */
export async function startTcpProxy(target: {
  host: string;
  port: number;
}): Promise<{ url(scheme: string): string; port: number; cut(): void; restore(): void; close(): Promise<void> }> {
  const net = await import('node:net');
  const sockets = new Set<import('node:net').Socket>();
  let up = true;
  const server = net.createServer((client) => {
    if (!up) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as import('node:net').AddressInfo).port;
  const cut = () => {
    up = false;
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  return {
    port,
    url: (scheme) => `${scheme}://127.0.0.1:${port}`,
    cut,
    restore() {
      up = true;
    },
    async close() {
      cut();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * What test/helpers/app.ts adds to a test app's environment in scale mode: a fresh PostgreSQL database when
 * MARU_TEST_DATABASE_URL is set, Redis (limits and queue) under a fresh key prefix when MARU_TEST_REDIS_URL is set.
 * Without either: nothing (the embedded store, in-process limits and queue).
 * Apps built on the same `shareKey` (the data dir a test passes explicitly, e.g. two "processes" on one store) get the
 * same database and prefix, also across a close and reopen; it is dropped when the last of them closes and the
 * directory is gone, or at the end of the test file.
 */
const shared = new Map<string, { env: Promise<Record<string, string>>; users: number; cleanup(): Promise<void> }>();

export async function scaleTestEnv(shareKey?: string): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }> {
  if (!TEST_DATABASE_URL && !TEST_REDIS_URL) return { env: {}, cleanup: async () => {} };
  if (shareKey === undefined) return freshScaleEnv();
  let entry = shared.get(shareKey);
  if (!entry) {
    const fresh = freshScaleEnv();
    entry = { env: fresh.then((f) => f.env), users: 0, cleanup: async () => (await fresh).cleanup() };
    shared.set(shareKey, entry);
  }
  entry.users++;
  const e = entry;
  return {
    env: await e.env,
    async cleanup() {
      if (--e.users > 0) return;
      // A test may open the same data dir again after closing every app on it (a restart): while the directory
      // exists the database is kept; what is left is dropped after the test file (afterAll below).
      if (existsSync(shareKey)) return;
      shared.delete(shareKey);
      await e.cleanup();
    },
  };
}

// Registered on the root suite of every test file that imports this helper (hooks called while a file is collected).
afterAll(async () => {
  for (const [key, e] of shared) {
    if (e.users > 0) continue;
    shared.delete(key);
    await e.cleanup();
  }
});

async function freshScaleEnv(): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }> {
  const env: Record<string, string> = {};
  const cleanups: (() => Promise<void>)[] = [];
  if (TEST_DATABASE_URL) {
    const db = await createTestDatabase(TEST_DATABASE_URL, { migrated: true });
    env.MARU_DATABASE_URL = db.url;
    env.MARU_DATABASE_POOL_SIZE = '6';
    cleanups.push(db.drop);
  }
  if (TEST_REDIS_URL) {
    const prefix = testRedisPrefix();
    env.MARU_REDIS_URL = TEST_REDIS_URL;
    env.MARU_REDIS_PREFIX = prefix;
    cleanups.push(() => deleteRedisKeys(TEST_REDIS_URL!, prefix));
  }
  return {
    env,
    async cleanup() {
      for (const c of cleanups) await c();
    },
  };
}
