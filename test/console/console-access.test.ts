import { DatabaseSync } from 'node:sqlite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  ADMIN_TOKEN,
  announceSkip,
  launchBrowser,
  startConsoleServer,
  type Browser,
  type ConsoleServer,
  checkPage as checkShown,
  reportPageErrors,
  screenshotOnFailure,
} from './browser.ts';

/**
 * The console's bad paths in Debian's Chromium against a real `maru start`: a wrong password, a session that expired
 * or was revoked, a change sent without the CSRF token, a viewer at the credentials, a marketer at an owner-only
 * action (the page hides it and the API refuses it), and a keyboard-only sign-in and navigation. Users and the
 * project are made through the admin API (with the admin token), as automation would.
 */
const skip = announceSkip('test/console/console-access.test.ts');

describe.skipIf(skip)('console access in a real browser', { timeout: 60_000 }, () => {
  let server: ConsoleServer;
  let browser: Browser;
  let page: Page;
  let projectId = '';
  const password = 'correct horse battery';
  const users = { owner: 'owner@example.com', marketer: 'marketer@example.com', viewer: 'viewer@example.com' };
  const ids: Record<string, string> = {};

  const admin = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...init.headers },
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
  };
  const checkPage = (name: string) => checkShown(page, name);
  /** A request from inside the page, with the session cookie (and the CSRF token when given), as the console makes it. */
  const fromPage = (method: string, path: string, options: { csrf?: string; body?: unknown } = {}) =>
    page.evaluate(
      async ({ method, path, csrf, body }) => {
        const headers: Record<string, string> = { accept: 'application/json' };
        if (body !== undefined) headers['content-type'] = 'application/json';
        if (csrf) headers['x-csrf-token'] = csrf;
        const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
        return { status: res.status, body: await res.text() };
      },
      { method, path, csrf: options.csrf, body: options.body },
    );
  const csrfToken = async () => JSON.parse((await fromPage('GET', '/admin/v1/session')).body).csrfToken as string;
  const sessionCookie = async () => (await browser.context.cookies(server.url)).find((c) => c.name === 'maru_session');
  const signIn = async (email: string, pass = password) => {
    await page.goto(`${server.url}/console/sign-in`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel(/^Password/).fill(pass);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };
  const signOut = async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to maru' }).waitFor();
  };

  beforeAll(async () => {
    server = await startConsoleServer();
    const project = await admin('/admin/v1/projects', { method: 'POST', body: JSON.stringify({ name: 'Shop', timezone: 'Asia/Seoul' }) });
    expect(project.status).toBe(201);
    projectId = project.body.project_id as string;
    for (const [role, email] of Object.entries(users)) {
      const created = await admin('/admin/v1/users', { method: 'POST', body: JSON.stringify({ email, password, roles: [{ projectId, role }] }) });
      expect(created.status).toBe(201);
      ids[role] = (created.body.user as { id: string }).id;
    }
    browser = await launchBrowser();
    page = browser.page;
    reportPageErrors(page);
  }, 60_000);
  afterEach(({ task }) => screenshotOnFailure(page, 'console-access', task));
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a wrong password (or an unknown email) says so, the same way, and no session is made', async () => {
    await signIn(users.owner, 'not the password at all');
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
    await checkPage('sign-in-refused');
    expect(await sessionCookie()).toBeUndefined();
    expect((await fromPage('GET', '/admin/v1/session')).status).toBe(401);
    await signIn('nobody@example.com', 'not the password at all');
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
    expect(await sessionCookie()).toBeUndefined();
    // A page behind the sign-in sends the person back to it.
    await page.goto(`${server.url}/console/p/${projectId}/overview`);
    await page.getByRole('heading', { name: 'Sign in to maru' }).waitFor();
  });

  it('an expired session, then a revoked one, sends the person to sign-in, and back to where they were after it', async () => {
    await signIn(users.owner);
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    await page.getByRole('link', { name: 'Shop' }).first().click();
    await page.getByRole('heading', { name: 'Shop: overview' }).waitFor();

    // Time passes: the session's last use is older than the idle timeout (1 hour by default).
    const db = new DatabaseSync(server.databaseFile());
    try {
      const aged = db.prepare('UPDATE console_sessions SET last_seen_at = last_seen_at - 7200000, created_at = created_at - 7200000').run();
      expect(aged.changes).toBe(1);
    } finally {
      db.close();
    }
    await page.getByRole('link', { name: 'Events' }).click();
    await page.getByText('Your session has ended. Sign in again.').waitFor();
    expect(new URL(page.url()).searchParams.get('next')).toBe(`/p/${projectId}/events`);
    await checkPage('sign-in-expired');
    await page.getByLabel('Email').fill(users.owner);
    await page.getByLabel(/^Password/).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Events', exact: true }).waitFor();

    // Revoked: an administrator sets a new password, which ends every session of the user.
    expect((await admin(`/admin/v1/users/${ids.owner}`, { method: 'PATCH', body: JSON.stringify({ password: `${password} 2` }) })).status).toBe(200);
    await page.getByRole('link', { name: 'Audiences' }).click();
    await page.getByText('Your session has ended. Sign in again.').waitFor();
    expect((await fromPage('GET', '/admin/v1/session')).status).toBe(401);
    await signIn(users.owner, `${password} 2`);
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
  });

  it('a change sent without the CSRF token is refused (403), the page says why, and nothing changed', async () => {
    // The console always sends the token; a request that lost it on the way is what a forged one looks like.
    await page.route('**/admin/v1/projects/*/taxonomy/events', async (route) => {
      const headers = { ...route.request().headers() };
      delete headers['x-csrf-token'];
      await route.continue({ headers });
    });
    try {
      await page.goto(`${server.url}/console/p/${projectId}/taxonomy`);
      await page.getByRole('heading', { name: 'Taxonomy' }).waitFor();
      await page.getByRole('button', { name: 'Register' }).click();
      const dialog = page.getByRole('dialog', { name: 'Register' });
      await dialog.getByLabel('Name').fill('forged_event');
      const answer = page.waitForResponse((r) => r.url().endsWith('/taxonomy/events') && r.request().method() === 'POST');
      await dialog.getByRole('button', { name: 'Register' }).click();
      expect((await answer).status()).toBe(403);
      await dialog.getByRole('alert').filter({ hasText: 'did not carry the security token of your session' }).waitFor();
      await checkPage('csrf-refused');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
    } finally {
      await page.unroute('**/admin/v1/projects/*/taxonomy/events');
    }
    // The same request made by hand with the cookie and no token, and with a wrong one.
    const bare = await fromPage('POST', `/admin/v1/projects/${projectId}/taxonomy/events`, { body: { name: 'forged_event' } });
    expect(bare.status).toBe(403);
    expect(JSON.parse(bare.body).error.code).toBe('csrf_token_invalid');
    expect((await fromPage('POST', `/admin/v1/projects/${projectId}/taxonomy/events`, { body: { name: 'forged_event' }, csrf: 'x'.repeat(43) })).status).toBe(
      403,
    );
    const entries = await admin(`/admin/v1/projects/${projectId}/taxonomy/entries?kind=event&search=forged`);
    expect(entries.body.items).toEqual([]);
    // With the token it goes through (the refusal was the token's, not the route's).
    expect((await fromPage('POST', `/admin/v1/projects/${projectId}/taxonomy/events`, { body: { name: 'real_event' }, csrf: await csrfToken() })).status).toBe(
      201,
    );
    await signOut();
  });

  it('a viewer sees no credentials: no link, a refusal on the page, 403 from the API, and nothing reissued', async () => {
    const before = await admin(`/admin/v1/projects/${projectId}/credentials`);
    await signIn(users.viewer);
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    await page.getByRole('link', { name: 'Shop' }).first().click();
    await page.getByRole('heading', { name: 'Shop: overview' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Events' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Credentials' }).count()).toBe(0);

    await page.goto(`${server.url}/console/p/${projectId}/credentials`);
    await page.getByRole('alert').filter({ hasText: 'Only owners' }).waitFor();
    expect(await page.getByText(/maru_(imp|exp|api|ak|sk)_/).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Reissue/ }).count()).toBe(0);
    await checkPage('credentials-viewer');

    const csrf = await csrfToken();
    const list = await fromPage('GET', `/admin/v1/projects/${projectId}/credentials`);
    expect(list.status).toBe(403);
    expect(list.body).not.toMatch(/maru_(imp|exp|api|ak|sk)_/);
    expect((await fromPage('GET', `/admin/v1/projects/${projectId}/credentials/summary`)).status).toBe(403);
    expect((await fromPage('POST', `/admin/v1/projects/${projectId}/credentials/import/reissue`, { csrf })).status).toBe(403);
    expect(await admin(`/admin/v1/projects/${projectId}/credentials`)).toEqual(before);
    await signOut();
  });

  it('a marketer: owner-only actions are not offered, and the API refuses them with nothing changed', async () => {
    const before = await admin(`/admin/v1/projects/${projectId}`);
    await signIn(users.marketer);
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    await page.goto(`${server.url}/console/p/${projectId}/settings`);
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await page.getByRole('tab', { name: 'General' }).waitFor();
    for (const tab of ['Channels', 'Users and roles', 'Audit log']) expect(await page.getByRole('tab', { name: tab }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);
    await page.getByRole('note').filter({ hasText: 'Only owners of this project change these settings.' }).waitFor();
    expect(await page.getByRole('textbox', { name: 'Name' }).isDisabled()).toBe(true);
    await checkPage('settings-marketer');
    await page.goto(`${server.url}/console/p/${projectId}/taxonomy`);
    await page.getByRole('heading', { name: 'Taxonomy' }).waitFor();
    expect(await page.getByRole('switch', { name: /Strict mode/ }).isDisabled()).toBe(true);
    // What a marketer may do is offered: audiences.
    await page.goto(`${server.url}/console/p/${projectId}/audiences`);
    await page.getByRole('link', { name: 'New audience' }).waitFor();

    const csrf = await csrfToken();
    const patch = await fromPage('PATCH', `/admin/v1/projects/${projectId}`, { csrf, body: { settings: { strictTaxonomy: true } } });
    expect(patch.status).toBe(403);
    expect(JSON.parse(patch.body).error.code).toBe('forbidden');
    expect(
      (await fromPage('PUT', `/admin/v1/projects/${projectId}/channels/email`, { csrf, body: { vendor: 'smtp', config: { host: 'smtp.example.com' } } }))
        .status,
    ).toBe(403);
    expect(
      (await fromPage('POST', '/admin/v1/users', { csrf, body: { email: 'friend@example.com', password, roles: [{ projectId, role: 'owner' }] } })).status,
    ).toBe(403);
    expect(await admin(`/admin/v1/projects/${projectId}`)).toEqual(before);
    expect((await admin(`/admin/v1/projects/${projectId}/channels`)).body.channels).toEqual([]);
    await signOut();
  });

  it('keyboard only: sign in and reach a page with Tab and Enter', async () => {
    await page.goto(`${server.url}/console/sign-in`);
    await page.getByRole('heading', { name: 'Sign in to maru' }).waitFor();
    /** Presses Tab until the focused element is the one wanted (at most `max` times); fails if it never is. */
    const tabTo = async (name: RegExp, max = 40) => {
      for (let i = 0; i < max; i++) {
        await page.keyboard.press('Tab');
        const focused = (await page.evaluate(
          "(() => { const e = document.activeElement; return e ? (e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].textContent) || e.textContent || '').trim() : '' })()",
        )) as string;
        if (name.test(focused)) return;
      }
      throw new Error(`Tab never reached ${name}`);
    };
    await tabTo(/^Email/);
    await page.keyboard.type(users.marketer);
    await tabTo(/^Password/);
    await page.keyboard.type(password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    await tabTo(/^Skip to the content$/, 3);
    await tabTo(/^Shop$/);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Shop: overview' }).waitFor();
    await tabTo(/^Events$/);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Events', exact: true }).waitFor();
    await tabTo(/^Event name/);
    await page.keyboard.type('app_open');
    await page.keyboard.press('Enter');
    await page.getByText('No events match.').first().waitFor();
    // The skip link, the first stop of every page, takes focus past the header and navigation.
    await page.reload();
    await page.getByRole('heading', { name: 'Events', exact: true }).waitFor();
    await tabTo(/^Skip to the content$/, 1);
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('main');
  });
});
