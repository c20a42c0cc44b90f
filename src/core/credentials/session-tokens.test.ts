import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { SignJWT, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { pino } from 'pino';
import { loadConfig } from '../../platform/config.ts';
import { ManualClock } from '../../platform/clock.ts';
import { createRuntime, type Runtime } from '../../runtime.ts';
import { MaruError } from '../errors.ts';
import type { IssuedCredentials } from './credentials.service.ts';
import { FAILED_EXCHANGE_LIMIT, SESSION_TOKEN_TTL_MS, SIGNING_KEY_NAME, SessionTokenService } from './session-tokens.ts';

/**
 * Session tokens through the real SQLite store and services, with a ManualClock for expiry and rate windows.
 */

const T0 = Date.UTC(2025, 0, 6, 1, 0, 0);
const SECRET = 'test-token-secret-0123456789abcdefghijklmnop';

interface Ctx {
  rt: Runtime;
  clock: ManualClock;
  dir: string;
  projectId: string;
  keys: IssuedCredentials;
}

const dirs: string[] = [];
const runtimes: Runtime[] = [];

async function open(env: Record<string, string> = {}, dir = mkdtempSync(join(tmpdir(), 'maru-session-'))): Promise<Ctx> {
  dirs.push(dir);
  const clock = new ManualClock(T0);
  const config = loadConfig({ MARU_LOG_LEVEL: 'silent', ...env }, { dataDir: dir });
  const rt = await createRuntime(config, { clock, log: pino({ level: 'silent' }) });
  runtimes.push(rt);
  const { project, credentials } = await rt.projects.create({ name: 'tokens' });
  return { rt, clock, dir, projectId: project.id, keys: credentials };
}

async function rejection(p: Promise<unknown>): Promise<MaruError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof MaruError) return e;
    throw e;
  }
  throw new Error('expected a MaruError');
}

afterEach(async () => {
  for (const rt of runtimes.splice(0)) await rt.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('exchange and verify', () => {
  let ctx: Ctx;
  beforeEach(async () => {
    ctx = await open({ MARU_TOKEN_SECRET: SECRET });
  });

  test('a key pair of one project gives a token naming the project and the access-key credential, valid for one hour', async () => {
    const s = await ctx.rt.sessionTokens.exchange({ accessKey: ctx.keys.access_key, secretKey: ctx.keys.secret_key, client: '10.0.0.1' });
    const creds = await ctx.rt.credentials.list(ctx.projectId);
    const accessId = creds.find((c) => c.kind === 'access-key')!.id;
    expect(s.projectId).toBe(ctx.projectId);
    expect(s.credentialId).toBe(accessId);
    expect(s.expiresAt).toBe(T0 + SESSION_TOKEN_TTL_MS);
    expect(decodeProtectedHeader(s.token)).toEqual({ alg: 'HS256', typ: 'maru-session+jwt' });
    const claims = decodeJwt(s.token);
    expect(claims).toMatchObject({ iss: 'maru', sub: ctx.projectId, cid: accessId, iat: T0 / 1000, exp: (T0 + 3_600_000) / 1000 });
    // Signed with the configured secret (anyone holding MARU_TOKEN_SECRET can check it).
    await expect(jwtVerify(s.token, new TextEncoder().encode(SECRET), { currentDate: new Date(T0) })).resolves.toBeTruthy();
    expect(await ctx.rt.sessionTokens.verify(s.token)).toEqual({ projectId: ctx.projectId, credentialId: accessId, expiresAt: T0 + 3_600_000 });
    expect(s.rate).toMatchObject({ allowed: true, policy: 'auth_requests', limit: 600, remaining: 599 });
  });

  test('the token is valid until one hour has passed, and not a millisecond longer', async () => {
    const { token } = await ctx.rt.sessionTokens.exchange({ accessKey: ctx.keys.access_key, secretKey: ctx.keys.secret_key, client: 'c' });
    ctx.clock.advance(SESSION_TOKEN_TTL_MS - 1);
    await expect(ctx.rt.sessionTokens.verify(token)).resolves.toMatchObject({ projectId: ctx.projectId });
    ctx.clock.advance(1);
    const e = await rejection(ctx.rt.sessionTokens.verify(token));
    expect([e.code, e.message]).toEqual(['unauthenticated', 'Invalid token']);
  });

  test('repeated exchanges within the hour give distinct tokens that all work', async () => {
    const a = await ctx.rt.sessionTokens.exchange({ accessKey: ctx.keys.access_key, secretKey: ctx.keys.secret_key, client: 'c' });
    ctx.clock.advance(10 * 60_000);
    const b = await ctx.rt.sessionTokens.exchange({ accessKey: ctx.keys.access_key, secretKey: ctx.keys.secret_key, client: 'c' });
    expect(a.token).not.toBe(b.token);
    expect((await ctx.rt.sessionTokens.verify(a.token)).projectId).toBe(ctx.projectId);
    expect((await ctx.rt.sessionTokens.verify(b.token)).expiresAt).toBe(T0 + 10 * 60_000 + SESSION_TOKEN_TTL_MS);
  });

  test.each([
    ['keys of two different projects', 'other-project'],
    ['the access key given as both keys', 'swap-access'],
    ['the secret key given as both keys', 'swap-secret'],
    ['another kind of credential (the import token)', 'import'],
    ['an unknown key', 'unknown'],
  ])('rejects %s as unauthenticated', async (_label, kind) => {
    const other = await ctx.rt.projects.create({ name: 'other' });
    const pairs: Record<string, [string, string]> = {
      'other-project': [ctx.keys.access_key, other.credentials.secret_key],
      'swap-access': [ctx.keys.access_key, ctx.keys.access_key],
      'swap-secret': [ctx.keys.secret_key, ctx.keys.secret_key],
      import: [ctx.keys.import_token, ctx.keys.secret_key],
      unknown: ['maru_ak_nope', ctx.keys.secret_key],
    };
    const [accessKey, secretKey] = pairs[kind];
    const e = await rejection(ctx.rt.sessionTokens.exchange({ accessKey, secretKey, client: 'c' }));
    expect([e.code, e.message]).toEqual(['unauthenticated', 'Invalid access key or secret key']);
  });

  test('missing or non-string keys are invalid input naming the field', async () => {
    const e1 = await rejection(ctx.rt.sessionTokens.exchange({ accessKey: undefined, secretKey: ctx.keys.secret_key, client: 'c' }));
    expect([e1.code, e1.field]).toEqual(['invalid_input', 'accessKey']);
    const e2 = await rejection(ctx.rt.sessionTokens.exchange({ accessKey: ctx.keys.access_key, secretKey: 42, client: 'c' }));
    expect([e2.code, e2.field]).toEqual(['invalid_input', 'secretKey']);
  });

  test('tampered, foreign-key, unsigned and wrong-type tokens are rejected', async () => {
    const { token } = await ctx.rt.sessionTokens.exchange({ accessKey: ctx.keys.access_key, secretKey: ctx.keys.secret_key, client: 'c' });
    const [h, p, sig] = token.split('.');
    const otherProject = Buffer.from(JSON.stringify({ ...decodeJwt(token), sub: 'someoneelse' })).toString('base64url');
    const now = Math.floor(T0 / 1000);
    const foreign = await new SignJWT({ cid: 'x' })
      .setProtectedHeader({ alg: 'HS256', typ: 'maru-session+jwt' })
      .setIssuer('maru')
      .setSubject(ctx.projectId)
      .setExpirationTime(now + 60)
      .sign(new TextEncoder().encode('another-secret-another-secret-another'));
    const wrongType = await new SignJWT({ cid: 'x' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('maru')
      .setSubject(ctx.projectId)
      .setExpirationTime(now + 60)
      .sign(new TextEncoder().encode(SECRET));
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'maru-session+jwt' })).toString('base64url')}.${p}.`;
    for (const bad of [
      `${h}.${otherProject}.${sig}`,
      `${h}.${p}.${sig.slice(0, -2)}xx`,
      foreign,
      wrongType,
      unsigned,
      'garbage',
      '',
      undefined,
      'x'.repeat(5000),
    ]) {
      const e = await rejection(ctx.rt.sessionTokens.verify(bad));
      expect([bad?.slice(0, 20), e.code, e.message]).toEqual([bad?.slice(0, 20), 'unauthenticated', 'Invalid token']);
    }
  });
});

describe('rate limits of the exchange', () => {
  test('a client that failed FAILED_EXCHANGE_LIMIT times is refused until the window ends, even with correct keys; others are not', async () => {
    const ctx = await open({ MARU_TOKEN_SECRET: SECRET });
    const tokens = ctx.rt.sessionTokens;
    for (let i = 0; i < FAILED_EXCHANGE_LIMIT.limit; i++) {
      const e = await rejection(tokens.exchange({ accessKey: `maru_ak_guess${i}`, secretKey: 'maru_sk_guess', client: '203.0.113.9' }));
      expect(e.code).toBe('unauthenticated');
    }
    const blocked = await rejection(tokens.exchange({ accessKey: ctx.keys.access_key, secretKey: ctx.keys.secret_key, client: '203.0.113.9' }));
    const windowEnd = Math.floor(T0 / FAILED_EXCHANGE_LIMIT.windowMs) * FAILED_EXCHANGE_LIMIT.windowMs + FAILED_EXCHANGE_LIMIT.windowMs;
    expect([blocked.code, blocked.details, blocked.retryAfterMs]).toEqual([
      'rate_limited',
      { limit: FAILED_EXCHANGE_LIMIT.limit, remaining: 0, resetAt: windowEnd },
      windowEnd - T0,
    ]);
    // Another client is unaffected, and the project's quota was not spent by the failures.
    const ok = await tokens.exchange({ accessKey: ctx.keys.access_key, secretKey: ctx.keys.secret_key, client: '198.51.100.1' });
    expect(ok.rate.remaining).toBe(599);
    // After the window the guesser's client may try again.
    ctx.clock.set(windowEnd);
    await expect(tokens.exchange({ accessKey: ctx.keys.access_key, secretKey: ctx.keys.secret_key, client: '203.0.113.9' })).resolves.toMatchObject({
      projectId: ctx.projectId,
    });
  });

  test("the project's auth_requests quota counts successful exchanges only", async () => {
    const ctx = await open({ MARU_TOKEN_SECRET: SECRET });
    await ctx.rt.projects.update(ctx.projectId, { settings: { limits: { auth_requests: 2 } } });
    const ex = () => ctx.rt.sessionTokens.exchange({ accessKey: ctx.keys.access_key, secretKey: ctx.keys.secret_key, client: 'c' });
    await rejection(ctx.rt.sessionTokens.exchange({ accessKey: ctx.keys.access_key, secretKey: 'maru_sk_wrong', client: 'c' }));
    expect((await ex()).rate.remaining).toBe(1);
    expect((await ex()).rate.remaining).toBe(0);
    const e = await rejection(ex());
    expect([e.code, e.details]).toEqual(['rate_limited', { limit: 2, remaining: 0, resetAt: T0 + 60_000 }]);
  });
});

describe('signing key', () => {
  test('without MARU_TOKEN_SECRET a key is generated once, stored in the database, and survives a restart', async () => {
    const ctx = await open();
    expect(await ctx.rt.store.db.selectFrom('server_secrets').selectAll().execute()).toEqual([]);
    const { token } = await ctx.rt.sessionTokens.exchange({ accessKey: ctx.keys.access_key, secretKey: ctx.keys.secret_key, client: 'c' });
    const rows = await ctx.rt.store.db.selectFrom('server_secrets').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: SIGNING_KEY_NAME, created_at: T0 });
    expect(Buffer.from(rows[0].value, 'base64url')).toHaveLength(32);
    await jwtVerify(token, Buffer.from(rows[0].value, 'base64url'), { currentDate: new Date(T0) });

    // A second service on the same database (another process, or after a restart) accepts the token and keeps the key.
    const again = new SessionTokenService({
      store: ctx.rt.store,
      clock: ctx.clock,
      credentials: ctx.rt.credentials,
      projects: ctx.rt.projects,
      rateLimiter: ctx.rt.rateLimiter,
      limits: ctx.rt.limits,
    });
    expect((await again.verify(token)).projectId).toBe(ctx.projectId);
    await again.issue({ projectId: ctx.projectId, credentialId: 'c' });
    expect(await ctx.rt.store.db.selectFrom('server_secrets').selectAll().execute()).toEqual(rows);
  });

  test('restarting on the same data directory keeps tokens valid', async () => {
    const first = await open();
    const { token } = await first.rt.sessionTokens.exchange({ accessKey: first.keys.access_key, secretKey: first.keys.secret_key, client: 'c' });
    await first.rt.close();
    runtimes.splice(runtimes.indexOf(first.rt), 1);
    const config = loadConfig({ MARU_LOG_LEVEL: 'silent' }, { dataDir: first.dir });
    const rt = await createRuntime(config, { clock: first.clock, log: pino({ level: 'silent' }) });
    runtimes.push(rt);
    expect((await rt.sessionTokens.verify(token)).projectId).toBe(first.projectId);
  });

  test('a token signed under the stored key is refused once MARU_TOKEN_SECRET is set (changing the key ends tokens)', async () => {
    const first = await open();
    const { token } = await first.rt.sessionTokens.exchange({ accessKey: first.keys.access_key, secretKey: first.keys.secret_key, client: 'c' });
    const configured = new SessionTokenService({
      store: first.rt.store,
      clock: first.clock,
      credentials: first.rt.credentials,
      projects: first.rt.projects,
      rateLimiter: first.rt.rateLimiter,
      limits: first.rt.limits,
      secret: SECRET,
    });
    expect((await rejection(configured.verify(token))).code).toBe('unauthenticated');
  });

  test('MARU_TOKEN_SECRET shorter than 32 characters is a configuration error', () => {
    expect(() => loadConfig({ MARU_TOKEN_SECRET: 'short' })).toThrow('MARU_TOKEN_SECRET must be at least 32 characters');
    expect(loadConfig({ MARU_TOKEN_SECRET: SECRET }).tokenSecret).toBe(SECRET);
    expect(loadConfig({}).tokenSecret).toBeUndefined();
  });
});
