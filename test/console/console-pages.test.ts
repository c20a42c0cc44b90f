import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import {
  ADMIN_TOKEN,
  announceSkip,
  launchBrowser,
  settled,
  startConsoleServer,
  type Browser,
  type ConsoleServer,
  checkPage as checkShown,
  reportPageErrors,
  screenshotOnFailure,
} from './browser.ts';

/**
 * The console's pages end to end, as an owner would use them, in Debian's Chromium against a real `maru start`:
 * first-run setup, then each page's main action. Every page is checked with axe-core (no serious or critical
 * violations) and photographed into docs/console/. One server and one browser for the whole file.
 */
const skip = announceSkip('test/console/console-pages.test.ts');
/** Today's month and day in the test project's time zone, as the charts label their bars ("12-04"). */
const todayInSeoul = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul' }).format(new Date()).slice(5);

describe.skipIf(skip)('console pages in a real browser', { timeout: 60_000 }, () => {
  let server: ConsoleServer;
  let browser: Browser;
  let page: Page;
  let projectId = '';
  let apiKey = '';
  const email = 'owner@example.com';
  const password = 'correct horse battery';

  const checkPage = (name: string) => checkShown(page, name);
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...init.headers } });
  const marketap = (path: string, body: unknown) =>
    fetch(`${server.url}${path}?project_id=${projectId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await launchBrowser();
    page = browser.page;
    reportPageErrors(page);
    page.on('console', (m) => m.type() === 'error' && console.error(`browser console: ${m.text()}`));
  }, 60_000);
  afterEach(({ task }) => screenshotOnFailure(page, 'console-pages', task));
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('first run: / leads to the setup page, a wrong setup token is refused, the right one creates the owner', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForURL('**/console/setup');
    await page.getByRole('heading', { name: 'Set up maru' }).waitFor();
    await checkPage('setup');

    await page.getByLabel('Setup token').fill('not-the-token');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel(/^Password/).fill(password);
    await page.getByLabel('Repeat the password').fill(password);
    await page.getByRole('button', { name: 'Create the owner and sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'setup token is wrong' }).waitFor();

    await page.getByLabel('Setup token').fill(await server.setupToken);
    await page.getByRole('button', { name: 'Create the owner and sign in' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/console\/?$/);
  });

  it('projects: create one (its secrets shown once, with copy buttons) and switch to it', async () => {
    await page.getByText('No projects yet.').waitFor();
    await checkPage('projects-empty');
    await page.getByRole('button', { name: 'Create a project' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create a project' });
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText('Enter a name').waitFor();
    await dialog.getByLabel('Name').fill('Shop');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText('Copy the new secrets now').waitFor();
    apiKey = (await dialog.getByTestId('secret-api_key').textContent()) ?? '';
    expect(apiKey).toMatch(/^maru_api_/);
    expect(await dialog.getByRole('button', { name: /^Copy the .* secret$/ }).count()).toBe(5);
    await checkPage('project-created');
    await dialog.getByRole('link', { name: 'Open Shop' }).click();
    await page.waitForURL(/\/console\/p\/[^/]+\/overview$/);
    projectId = new URL(page.url()).pathname.split('/')[3];
    expect(projectId).toBeTruthy();
  });

  it('data arrives through the Marketap API and shows in the overview', async () => {
    const profiles = await marketap('/v1/api/profile/user', {
      profiles: [
        { user_id: 'user-1', properties: { mkt_email: 'kim@example.com', mkt_gender: 'F', mkt_push_opt_in: true } },
        { user_id: 'user-2', properties: { mkt_gender: 'M' } },
      ],
    });
    expect(profiles.status).toBeLessThan(300);
    const events = await marketap('/v1/api/events', {
      events: [
        { user_id: 'user-1', name: 'purchase', properties: { amount: 12000 } },
        { user_id: 'user-1', name: 'app_open' },
        { user_id: 'user-2', name: 'app_open' },
      ],
    });
    expect(events.status).toBe(202);
    // A request the Marketap face refuses: the overview lists it with its reason.
    const refused = await marketap('/v1/api/events', { events: [{ user_id: 'user-1' }] });
    expect(refused.status).toBe(400);
    const reason = ((await refused.json()) as { error: { message: string } }).error.message;
    expect(reason).toContain('events[0].name');
    await page.reload();
    await page.getByRole('heading', { name: 'Shop: overview' }).waitFor();
    // 3 received today, all through the Marketap face (counted per face when the batch was accepted).
    await expect.poll(() => page.getByRole('group', { name: 'Events today' }).textContent()).toBe('Events today3marketap 3');
    expect(await page.getByRole('group', { name: 'Profiles' }).textContent()).toBe('Profiles2');
    expect(await page.getByRole('group', { name: 'Last event' }).textContent()).toMatch(
      /^Last event(app_open|purchase)\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} Asia\/Seoul$/,
    );
    const rejected = page.getByRole('table').getByRole('row').nth(1);
    expect(await rejected.textContent()).toContain('/v1/api/events');
    expect(await rejected.textContent()).toContain(reason);
    await page.getByRole('img', { name: `Events per day (Asia/Seoul): ${todayInSeoul()} 3` }).waitFor();
    await checkPage('overview');
  });

  it('taxonomy: lists events and properties with type and origin, searches, registers, turns strict mode on', async () => {
    await page.getByRole('link', { name: 'Taxonomy' }).click();
    await page.getByRole('heading', { name: 'Taxonomy' }).waitFor();
    await page.getByRole('cell', { name: 'purchase', exact: true }).waitFor();
    await page.getByRole('radiogroup', { name: 'Show' }).getByText('Properties', { exact: true }).click();
    await page
      .getByRole('searchbox', { name: 'Search' })
      .or(page.getByRole('textbox', { name: 'Search' }))
      .fill('amount');
    await page.getByRole('cell', { name: 'amount', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Register' }).click();
    const dialog = page.getByRole('dialog', { name: 'Register' });
    await dialog.getByRole('radiogroup', { name: 'What to register' }).getByText('Property', { exact: true }).click();
    await dialog.getByLabel('Name').fill('not valid!');
    await dialog.getByRole('button', { name: 'Register' }).click();
    await dialog.getByText('Letters, digits').waitFor();
    await dialog.getByLabel('Name').fill('membership_level');
    await dialog.getByRole('button', { name: 'Register' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('textbox', { name: 'Search' }).fill('membership');
    await page.getByRole('cell', { name: 'membership_level' }).waitFor();
    await page.getByRole('cell', { name: 'Registered' }).waitFor();
    await page.getByRole('textbox', { name: 'Search' }).fill('');
    await page.getByRole('switch', { name: /Strict mode/ }).check({ force: true });
    await page.getByText('Strict mode is on').waitFor();
    const project = (await (await admin(`/admin/v1/projects/${projectId}`)).json()) as { project: { settings: Record<string, unknown> } };
    expect(project.project.settings.strictTaxonomy).toBe(true);
    await checkPage('taxonomy');
  });

  it('credentials: prefixes and dates; reissue shows the new secret once and the 14-day grace of the old one', async () => {
    await page.getByRole('link', { name: 'Credentials' }).click();
    await page.getByRole('heading', { name: 'Credentials' }).waitFor();
    await page.getByRole('button', { name: 'Reissue import' }).click();
    await page.getByRole('dialog').getByText('keeps working for 14 days').waitFor();
    await page.getByRole('button', { name: 'Reissue now' }).click();
    const secret = (await page.getByTestId('secret-import').textContent()) ?? '';
    expect(secret).toMatch(/^maru_imp_/);
    await page.getByText('Grace period until').first().waitFor();
    await checkPage('credentials');
    await page.reload();
    await page.getByRole('heading', { name: 'Credentials' }).waitFor();
    expect(await page.getByText(secret).count()).toBe(0);
  });

  it('profiles: found by an identifier as typed; the profile page shows it; delete runs a job to completion', async () => {
    await page.getByRole('link', { name: 'Profiles' }).click();
    await page.getByRole('heading', { name: 'Profiles' }).waitFor();
    await checkPage('profiles');
    await page.getByRole('combobox', { name: 'Identifier type' }).click();
    await page.getByRole('option', { name: 'Email' }).click();
    await page.getByLabel('Value').fill(' Kim@Example.com ');
    await page.getByRole('button', { name: 'Find' }).click();
    const link = page.getByRole('table').getByRole('link').first();
    await link.waitFor();
    await link.click();
    await page.getByRole('heading', { name: /^Profile / }).waitFor();
    await page.getByRole('cell', { name: 'kim@example.com' }).first().waitFor();
    await checkPage('profile');
    await page.getByRole('button', { name: 'Delete this profile' }).click();
    await page.getByRole('button', { name: 'Delete permanently' }).click();
    await page.getByText('Deletion: completed').waitFor({ timeout: 30_000 });
  });

  it('events: recent events with a name filter, and counts per day', async () => {
    await page.getByRole('link', { name: 'Events' }).click();
    await page.getByRole('heading', { name: 'Events', exact: true }).waitFor();
    const rows = page.getByRole('table').getByRole('row');
    // All three events of user-1 went with the profile's deletion above; user-2's app_open is left.
    await expect.poll(() => rows.count()).toBe(2);
    await page.getByLabel('Event name').fill('purchase');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No events match.').first().waitFor();
    await page.getByLabel('Event name').fill('app_open');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => rows.count()).toBe(2);
    const user2 = (await (await admin(`/admin/v1/projects/${projectId}/profiles?type=external_id&value=user-2`)).json()) as { profile: { id: string } };
    expect(await rows.nth(1).getByRole('cell').nth(1).textContent()).toBe('app_open');
    expect(await rows.nth(1).getByRole('link').textContent()).toBe(user2.profile.id);
    await page.getByRole('img', { name: `Events per day (Asia/Seoul): ${todayInSeoul()} 1` }).waitFor();
    await checkPage('events');
  });

  it('audiences: a rule built with AND/OR shows a live count and a sample, saves, downloads as CSV', async () => {
    // Two more app openers (one F, one unknown gender) and a non-opener F, through the Marketap API.
    expect(
      (
        await marketap('/v1/api/profile/user', {
          profiles: [{ user_id: 'user-3', properties: { mkt_gender: 'F' } }, { user_id: 'user-4', properties: { mkt_gender: 'F' } }, { user_id: 'user-5' }],
        })
      ).status,
    ).toBeLessThan(300);
    expect(
      (
        await marketap('/v1/api/events', {
          events: [
            { user_id: 'user-3', name: 'app_open' },
            { user_id: 'user-5', name: 'app_open' },
          ],
        })
      ).status,
    ).toBe(202);
    await page.getByRole('link', { name: 'Audiences' }).click();
    await page.getByText('No audiences yet.').waitFor();
    await page.getByRole('link', { name: 'New audience' }).click();
    await page.getByText('Add a condition to see how many profiles match.').waitFor();
    const count = page.getByTestId('audience-count');
    // app_open: user-2, user-3 and user-5 (user-1 was deleted above).
    await page.getByRole('button', { name: '+ Event' }).click();
    await page.getByRole('combobox', { name: 'Event' }).fill('app_open');
    await count.filter({ hasText: /^3$/ }).waitFor();
    // … AND (gender F OR gender X): only user-3.
    await page.getByRole('button', { name: '+ Group' }).click();
    const inner = page.getByRole('group', { name: 'Condition group 2' });
    await inner.getByRole('radiogroup', { name: 'Combine with' }).getByText('Any (OR)').waitFor();
    for (const gender of ['F', 'X']) {
      await inner.getByRole('button', { name: '+ Property' }).click();
      await inner.getByRole('combobox', { name: 'Property' }).last().fill('df_gender');
      await inner.getByRole('textbox', { name: 'Value' }).last().fill(gender);
    }
    await count.filter({ hasText: /^1$/ }).waitFor();
    await settled(page);
    const sample = page.getByRole('region', { name: 'Live count' }).getByRole('link');
    expect(await sample.count()).toBe(1);
    const sampleId = (await sample.textContent()) ?? '';
    const user3 = (await (await admin(`/admin/v1/projects/${projectId}/profiles?type=external_id&value=user-3`)).json()) as { profile: { id: string } };
    expect(sampleId).toBe(user3.profile.id);
    await page.getByLabel('Name').fill('App openers');
    await checkPage('audience-editor');
    await page.getByRole('button', { name: 'Save audience' }).click();
    await page.getByRole('link', { name: 'App openers', exact: true }).waitFor();
    await checkPage('audiences');
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download the profiles of App openers as CSV' }).click();
    const csv = readFileSync((await (await download).path()) ?? '', 'utf8');
    expect(csv).toContain(user3.profile.id);
    expect(csv.trim().split('\n')).toHaveLength(2);
  });

  it('exports: the DFINERY filters are checked before the download; a valid one downloads a CSV', async () => {
    await page.getByRole('link', { name: 'Exports' }).click();
    await page.getByRole('heading', { name: 'Exports' }).waitFor();
    await page.getByLabel(/^From date/).fill('2020-01-01');
    await page.getByText('At most 31 days').waitFor();
    await page.getByLabel(/^From date/).fill(new Date(Date.now() - 86_400_000).toISOString().slice(0, 10));
    await checkPage('exports');
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download CSV' }).click();
    const csv = readFileSync((await (await download).path()) ?? '', 'utf8')
      .trim()
      .split('\n');
    // user-2's app_open, user-3's and user-5's (sent in the audiences step).
    expect(csv.slice(1).filter((line) => line.includes('app_open'))).toHaveLength(3);
  });

  it('settings: general settings save; channels, users and the audit log', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await page.getByLabel('Quota of export_requests').fill('50');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Settings saved').waitFor();
    const project = (await (await admin(`/admin/v1/projects/${projectId}`)).json()) as { project: { settings: Record<string, unknown> } };
    expect(project.project.settings.limits).toEqual({ export_requests: 50 });
    await checkPage('settings');

    await page.getByRole('tab', { name: 'Channels' }).click();
    await page.getByRole('button', { name: 'Configure Email' }).click();
    const dialog = page.getByRole('dialog', { name: 'Configure Email' });
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText('Required').first().waitFor();
    await checkPage('settings-channel-form');
    await dialog.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await checkPage('settings-channels');

    // "Send a test message": email has no vendor, so the sandbox takes it (its outbox records it) …
    await page.getByRole('button', { name: 'Send a test message: Email' }).click();
    const test = page.getByRole('dialog', { name: 'Send a test message: Email' });
    await test.getByRole('button', { name: 'Send' }).click();
    await test.getByText('Required').waitFor();
    await test.getByRole('textbox', { name: 'To' }).fill('me@example.com');
    await test.getByRole('button', { name: 'Send' }).click();
    await test.getByRole('status').filter({ hasText: 'Sent through sandbox: the provider accepted the test message.' }).waitFor();
    const outbox = (await (await admin(`/admin/v1/projects/${projectId}/outbox`)).json()) as {
      outbox: { id: string; idempotency_key: string; recipient: string; message: { subject: string } }[];
    };
    const sentTest = outbox.outbox.find((e) => e.idempotency_key.startsWith('test:'));
    expect(sentTest?.recipient).toBe('me@example.com');
    expect(sentTest?.message.subject).toBe('maru test message');
    expect(await test.getByText(`Message id ${sentTest?.id}`).count()).toBe(1);
    await checkPage('settings-channel-test');
    // … and a refusal shows the provider's reason (the sandbox's failure rule refuses this recipient).
    expect(
      (
        await admin(`/admin/v1/projects/${projectId}/sandbox`, {
          method: 'PUT',
          body: JSON.stringify({ failures: [{ recipients: ['bounce@example.com'], mode: 'permanent', reason: 'mailbox unavailable' }] }),
        })
      ).status,
    ).toBe(200);
    await test.getByRole('textbox', { name: 'To' }).fill('bounce@example.com');
    await test.getByRole('button', { name: 'Send' }).click();
    await test.getByRole('alert').filter({ hasText: 'sandbox refused the test message' }).filter({ hasText: 'mailbox unavailable' }).waitFor();
    await test.press('Escape');
    await test.waitFor({ state: 'hidden' });

    await page.getByRole('tab', { name: 'Users and roles' }).click();
    await page.getByRole('button', { name: 'Add a user' }).click();
    const add = page.getByRole('dialog', { name: 'Add a user' });
    await add.getByLabel('Email').fill('viewer@example.com');
    await add.getByLabel('Initial password').fill('viewer password 1');
    await add.getByRole('button', { name: 'Add' }).click();
    await page.getByRole('cell', { name: 'viewer@example.com', exact: true }).waitFor();
    expect(await page.getByRole('combobox', { name: 'Role of viewer@example.com' }).inputValue()).toBe('Viewer');
    await checkPage('settings-users');

    await page.getByRole('tab', { name: 'Audit log' }).click();
    await page
      .getByRole('cell', { name: /credential/ })
      .first()
      .waitFor();
    await checkPage('settings-audit');
  });

  it('switches to Korean', async () => {
    await page.getByRole('combobox', { name: 'Language' }).click();
    await page.getByRole('option', { name: '한국어' }).click();
    await page.getByRole('heading', { name: '설정' }).waitFor();
    await page.getByRole('link', { name: '개요' }).click();
    await page.getByRole('heading', { name: 'Shop: 개요' }).waitFor();
    await checkPage('overview-ko');
  });
});
