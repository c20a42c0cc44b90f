import { afterEach, describe, expect, test } from 'vitest';
import { buildTestApp, createProject, adminHeaders, ManualClock, type TestApp } from '../helpers/app.ts';
import { PASSWORD, sessionCookie, signIn, signedIn } from '../helpers/console.ts';
import { SIGN_IN_LIMITS } from '../../src/core/accounts/sessions.service.ts';

let t: TestApp;
afterEach(async () => t?.close());

const setCookie = (res: { headers: Record<string, unknown> }) => String(([] as unknown[]).concat(res.headers['set-cookie'] ?? [])[0] ?? '');

describe('first-run setup', () => {
  test('needs the setup token from the log, creates an instance owner, signs in, and happens once', async () => {
    t = await buildTestApp();
    expect((await t.app.inject({ method: 'GET', url: '/admin/v1/setup' })).json()).toEqual({ needed: true });
    const token = (await t.runtime.users.issueSetupToken())!;
    expect(token).toMatch(/^maru_setup_/);
    const body = { setupToken: token, email: 'Owner@Example.com', password: PASSWORD };

    const wrong = await t.app.inject({ method: 'POST', url: '/admin/v1/setup', payload: { ...body, setupToken: 'maru_setup_guess' } });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.field).toBe('setupToken');
    expect(await t.runtime.users.any()).toBe(false);

    const short = await t.app.inject({ method: 'POST', url: '/admin/v1/setup', payload: { ...body, password: 'short' } });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.field).toBe('password');
    expect(await t.runtime.users.any()).toBe(false);

    const ok = await t.app.inject({ method: 'POST', url: '/admin/v1/setup', payload: body });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().user).toMatchObject({ email: 'owner@example.com', instanceOwner: true, roles: [] });
    expect(setCookie(ok)).toMatch(/^maru_session=[\w-]{43}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/);
    const cookie = sessionCookie(ok)!;
    const me = await t.app.inject({ method: 'GET', url: '/admin/v1/session', cookies: { maru_session: cookie } });
    expect(me.json()).toMatchObject({ user: { email: 'owner@example.com' }, csrfToken: ok.json().csrfToken });

    const again = await t.app.inject({ method: 'POST', url: '/admin/v1/setup', payload: { ...body, email: 'other@example.com' } });
    expect(again.statusCode).toBe(409);
    expect((await t.app.inject({ method: 'GET', url: '/admin/v1/setup' })).json()).toEqual({ needed: false });
    expect(await t.runtime.users.issueSetupToken()).toBeUndefined();
    // The setup tokens are gone and were only ever stored as digests.
    expect(await t.runtime.store.db.selectFrom('console_setup_tokens').selectAll().execute()).toEqual([]);
    const audit = await t.app.inject({ method: 'GET', url: '/admin/v1/audit', cookies: { maru_session: cookie } });
    expect(audit.json().items).toMatchObject([
      { action: 'user.created', target: 'user:owner@example.com', actor: { type: 'user', email: 'owner@example.com' } },
    ]);
  });

  test('the setup token is stored as a digest only', async () => {
    t = await buildTestApp();
    const token = (await t.runtime.users.issueSetupToken())!;
    const rows = await t.runtime.store.db.selectFrom('console_setup_tokens').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  test('the cookie is Secure behind HTTPS when the proxy is trusted, and not when it is not', async () => {
    t = await buildTestApp({ config: { trustProxy: true } });
    await t.runtime.users.create({ type: 'cli' }, { email: 'a@example.com', password: PASSWORD, instanceOwner: true });
    const https = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/session',
      payload: { email: 'a@example.com', password: PASSWORD },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(setCookie(https)).toContain('; Secure');
    await t.close();
    t = await buildTestApp({ config: { trustProxy: false } });
    await t.runtime.users.create({ type: 'cli' }, { email: 'a@example.com', password: PASSWORD, instanceOwner: true });
    const spoofed = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/session',
      payload: { email: 'a@example.com', password: PASSWORD },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(setCookie(spoofed)).not.toContain('Secure');
  });
});

describe('sign-in', () => {
  test('an unknown email and a wrong password answer the same, and take about as long', async () => {
    t = await buildTestApp();
    await t.runtime.users.create({ type: 'cli' }, { email: 'a@example.com', password: PASSWORD, instanceOwner: true });
    const attempt = async (email: string, password: string) => {
      const start = performance.now();
      const res = await t.app.inject({
        method: 'POST',
        url: '/admin/v1/session',
        payload: { email, password },
        remoteAddress: `10.0.0.${Math.floor(Math.random() * 200)}`,
      });
      return { res, ms: performance.now() - start };
    };
    await attempt('nobody@example.com', 'warm up the dummy hash');
    const wrong = await attempt('a@example.com', 'not the password');
    const unknown = await attempt('nobody@example.com', 'not the password');
    expect(wrong.res.statusCode).toBe(401);
    expect(unknown.res.statusCode).toBe(401);
    expect(unknown.res.json()).toEqual(wrong.res.json());
    expect(wrong.res.json().error.code).toBe('invalid_credentials');
    expect(wrong.res.headers['set-cookie']).toBeUndefined();
    // Both run scrypt: the unknown email is not answered much faster than a wrong password.
    expect(unknown.ms).toBeGreaterThan(wrong.ms * 0.4);
  });

  test('throttled per account: the 11th attempt in the window is 429 with Retry-After, for a known and an unknown email alike', async () => {
    const clock = new ManualClock();
    t = await buildTestApp({ clock });
    await t.runtime.users.create({ type: 'cli' }, { email: 'a@example.com', password: PASSWORD, instanceOwner: true });
    for (const email of ['a@example.com', 'nobody@example.com']) {
      for (let i = 0; i < SIGN_IN_LIMITS.perAccount; i++) {
        const r = await t.app.inject({
          method: 'POST',
          url: '/admin/v1/session',
          payload: { email, password: 'wrong password!' },
          remoteAddress: `10.1.0.${i}`,
        });
        expect(r.statusCode).toBe(401);
      }
      // Even the right password is refused now, from a fresh address.
      const limited = await t.app.inject({ method: 'POST', url: '/admin/v1/session', payload: { email, password: PASSWORD }, remoteAddress: '10.2.0.1' });
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.code).toBe('rate_limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.headers['set-cookie']).toBeUndefined();
    }
    clock.advance(SIGN_IN_LIMITS.windowMs);
    const later = await t.app.inject({ method: 'POST', url: '/admin/v1/session', payload: { email: 'a@example.com', password: PASSWORD } });
    expect(later.statusCode).toBe(200);
  });

  test('throttled per client address across accounts', async () => {
    t = await buildTestApp({ clock: new ManualClock() });
    for (let i = 0; i < SIGN_IN_LIMITS.perAddress; i++) {
      const r = await t.app.inject({
        method: 'POST',
        url: '/admin/v1/session',
        payload: { email: `u${i}@example.com`, password: 'x' },
        remoteAddress: '10.9.9.9',
      });
      expect(r.statusCode).toBe(401);
    }
    const r = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/session',
      payload: { email: 'fresh@example.com', password: 'x' },
      remoteAddress: '10.9.9.9',
    });
    expect(r.statusCode).toBe(429);
    const other = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/session',
      payload: { email: 'fresh@example.com', password: 'x' },
      remoteAddress: '10.9.9.10',
    });
    expect(other.statusCode).toBe(401);
  }, 60_000);
});

describe('sessions', () => {
  test('stored hashed, ended by sign-out, and CSRF-checked on every state-changing request', async () => {
    t = await buildTestApp();
    const owner = await signedIn(t.app, t.runtime, { email: 'o@example.com', instanceOwner: true });
    const rows = await t.runtime.store.db.selectFrom('console_sessions').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(owner.cookie);

    const noCsrf = await owner.request({ method: 'POST', url: '/admin/v1/projects', payload: { name: 'p' }, csrf: false });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().error.code).toBe('csrf_token_invalid');
    const badCsrf = await owner.request({
      method: 'POST',
      url: '/admin/v1/projects',
      payload: { name: 'p' },
      csrf: false,
      headers: { 'x-csrf-token': owner.csrf.slice(1) + 'x' },
    });
    expect(badCsrf.statusCode).toBe(403);
    expect(await t.runtime.projects.list()).toEqual([]);

    const ok = await owner.request({ method: 'POST', url: '/admin/v1/projects', payload: { name: 'p' } });
    expect(ok.statusCode).toBe(201);
    // The admin token is not CSRF-checked (automation).
    expect((await t.app.inject({ method: 'POST', url: '/admin/v1/projects', payload: { name: 'q' }, headers: adminHeaders })).statusCode).toBe(201);

    const out = await owner.request({ method: 'DELETE', url: '/admin/v1/session' });
    expect(out.statusCode).toBe(204);
    expect(setCookie(out)).toMatch(/^maru_session=; Max-Age=0; Path=\/; Expires=.*; HttpOnly; SameSite=Strict$/);
    expect(await t.runtime.store.db.selectFrom('console_sessions').selectAll().execute()).toEqual([]);
    expect((await owner.request({ method: 'GET', url: '/admin/v1/projects' })).statusCode).toBe(401);
    expect((await owner.request({ method: 'GET', url: '/admin/v1/session' })).statusCode).toBe(401);
  });

  test('idle expiry and absolute expiry', async () => {
    const clock = new ManualClock();
    t = await buildTestApp({ clock, config: { sessionIdleSeconds: 600, sessionMaxAgeSeconds: 3600 } });
    const u = await signedIn(t.app, t.runtime, { email: 'o@example.com', instanceOwner: true });
    const get = () => u.request({ method: 'GET', url: '/admin/v1/session' });
    // Used every 9 minutes it stays valid ...
    for (let i = 0; i < 6; i++) {
      clock.advance(9 * 60_000);
      expect((await get()).statusCode, `after ${(i + 1) * 9} minutes`).toBe(200);
    }
    // ... until the absolute expiry (60 minutes after sign-in).
    clock.advance(7 * 60_000);
    expect((await get()).statusCode).toBe(401);

    const v = await signIn(t.app, 'o@example.com', u.userId);
    clock.advance(10 * 60_000);
    expect((await v.request({ method: 'GET', url: '/admin/v1/projects' })).statusCode).toBe(401);
    expect((await v.request({ method: 'GET', url: '/admin/v1/projects' })).json().error.code).toBe('unauthenticated');
  });

  test('a session on one API node is valid on another sharing the database', async () => {
    t = await buildTestApp();
    const u = await signedIn(t.app, t.runtime, { email: 'o@example.com', instanceOwner: true });
    const { createRuntime } = await import('../../src/runtime.ts');
    const { buildApp } = await import('../../src/server/app.ts');
    const { pino } = await import('pino');
    const other = await createRuntime(t.runtime.config, { log: pino({ level: 'silent' }) });
    const app2 = await buildApp(other);
    try {
      const res = await app2.inject({ method: 'GET', url: '/admin/v1/session', cookies: { maru_session: u.cookie } });
      expect(res.statusCode).toBe(200);
      expect(res.json().csrfToken).toBe(u.csrf);
    } finally {
      await app2.close();
      await other.close();
    }
  });

  test("changing the password ends the user's sessions", async () => {
    t = await buildTestApp();
    const u = await signedIn(t.app, t.runtime, { email: 'o@example.com', instanceOwner: true });
    await t.runtime.users.update({ type: 'cli' }, u.userId, { password: 'another long password' });
    expect((await u.request({ method: 'GET', url: '/admin/v1/session' })).statusCode).toBe(401);
  });

  test('a project of a removed project role disappears from the list at once', async () => {
    t = await buildTestApp();
    const { project: p1 } = await createProject(t.runtime);
    const { project: p2 } = await createProject(t.runtime);
    const u = await signedIn(t.app, t.runtime, {
      email: 'm@example.com',
      roles: [
        { projectId: p1.id, role: 'marketer' },
        { projectId: p2.id, role: 'viewer' },
      ],
    });
    const ids = async () =>
      (await u.request({ method: 'GET', url: '/admin/v1/projects' }))
        .json()
        .projects.map((p: { id: string }) => p.id)
        .sort();
    expect(await ids()).toEqual([p1.id, p2.id].sort());
    await t.runtime.users.update({ type: 'cli' }, u.userId, { removeRoles: [p2.id] });
    expect(await ids()).toEqual([p1.id]);
    expect((await u.request({ method: 'GET', url: `/admin/v1/projects/${p2.id}` })).statusCode).toBe(403);
  });
});
