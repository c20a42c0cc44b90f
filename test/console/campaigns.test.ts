import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
 * The campaign pages in Debian's Chromium against a real `maru start`: a marketer creates an event-triggered and an
 * API-triggered text campaign through the guided editor (live preview for a real profile, a template error while
 * typing, the byte counter), activates both (the confirmation states the reach), triggers them through the public
 * APIs (a Marketap event; the Notifly-face campaign send) and sees the last send and the sparkline in the list; a
 * viewer sees everything and cannot activate (the button is disabled and the API refuses). Every page is checked
 * with axe-core and photographed into docs/console/.
 */
const skip = announceSkip('test/console/campaigns.test.ts');

describe.skipIf(skip)('campaign pages in a real browser', { timeout: 90_000 }, () => {
  let server: ConsoleServer;
  let browser: Browser;
  let page: Page;
  let projectId = '';
  let credentials: { api_key: string; access_key: string; secret_key: string };
  const password = 'correct horse battery';
  const users = { marketer: 'marketer@example.com', viewer: 'viewer@example.com' };
  const campaignIds: Record<string, string> = {};

  const admin = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...init.headers },
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Record<string, any> };
  };
  const marketap = (path: string, body: unknown) =>
    fetch(`${server.url}${path}?project_id=${projectId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${credentials.api_key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const checkPage = (name: string) => checkShown(page, name);
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
  const signIn = async (email: string) => {
    await page.goto(`${server.url}/console/sign-in`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel(/^Password/).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
  };
  const choose = async (label: string, option: string) => {
    await page.getByRole('combobox', { name: label }).click();
    await page.getByRole('option', { name: option, exact: true }).click();
  };
  const step = (name: string) =>
    page
      .getByRole('button', { name: new RegExp(name) })
      .first()
      .click();

  beforeAll(async () => {
    server = await startConsoleServer();
    const project = await admin('/admin/v1/projects', { method: 'POST', body: JSON.stringify({ name: 'Shop', timezone: 'Asia/Seoul' }) });
    expect(project.status).toBe(201);
    projectId = project.body.project_id;
    credentials = project.body.credentials;
    for (const [role, email] of Object.entries(users)) {
      const created = await admin('/admin/v1/users', { method: 'POST', body: JSON.stringify({ email, password, roles: [{ projectId, role }] }) });
      expect(created.status).toBe(201);
    }
    const profiles = await marketap('/v1/api/profile/user', {
      profiles: [
        { user_id: 'user-1', properties: { mkt_name: '김민지', mkt_phone_number: '010-1111-2222' } },
        { user_id: 'user-2', properties: { mkt_name: '이서준', mkt_phone_number: '010-3333-4444' } },
        { user_id: 'user-3', properties: { mkt_name: '박하늘' } },
      ],
    });
    expect(profiles.status).toBeLessThan(300);
    browser = await launchBrowser();
    page = browser.page;
    reportPageErrors(page);
  }, 60_000);
  afterEach(({ task }) => screenshotOnFailure(page, 'campaigns', task));
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a marketer creates an event-triggered text campaign: a template error shows while typing, the preview renders for a real profile', async () => {
    await signIn(users.marketer);
    await page.goto(`${server.url}/console/p/${projectId}/campaigns`);
    await page.getByText('No campaigns yet.').waitFor();
    await page.getByRole('link', { name: 'Create a campaign' }).click();
    await page.getByRole('heading', { name: 'Create a campaign', level: 1 }).waitFor();
    await page.getByLabel('Name').fill('Cart reminder');
    await page.getByRole('radiogroup', { name: 'Channel' }).getByText('Text (SMS/LMS/MMS)').click();
    await page.getByRole('radiogroup', { name: 'Informational or advertising' }).getByText('Advertising').click();
    await page.getByTestId('advertising-notice').getByText('무료수신거부').waitFor();
    await checkPage('campaign-editor');
    await page.getByRole('radiogroup', { name: 'Informational or advertising' }).getByText('Informational').click();

    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: 'Message', level: 2 }).waitFor();
    // A syntax error while typing: the server's parser names the field, shown at the field and in the preview.
    const body = page.getByRole('textbox', { name: 'Body' });
    await body.fill('{{ user["df_name"] }}님, 장바구니에 {{ event_params["item"');
    await page.getByRole('alert').filter({ hasText: 'not a valid Liquid template' }).first().waitFor();
    expect(await page.getByText('Template error').count()).toBe(1);
    await checkPage('campaign-template-error');
    await body.fill('{{ user["df_name"] }}님, 장바구니에 {{ event_params["item"] }}이(가) 남아 있어요');
    await page.getByRole('alert').filter({ hasText: 'not a valid Liquid template' }).waitFor({ state: 'detached' });

    // The live preview for a real profile, picked by a phone number as typed, with event parameters as JSON.
    await choose('Identifier type', 'Phone number');
    await page.getByLabel('Profile identifier').fill('010-1111-2222');
    await page.getByLabel('Event parameters (JSON)').fill('{"item": "운동화"}');
    await expect.poll(() => page.getByTestId('text-preview').textContent()).toBe('김민지님, 장바구니에 운동화이(가) 남아 있어요');
    expect(await page.getByTestId('preview-profile').textContent()).toMatch(/^Rendered for profile \S+$/);
    // Bytes as carriers count them (CP949: Hangul 2, ASCII 1) by the core's rule, and the kind it is sent as.
    await expect.poll(() => page.getByTestId('byte-counter').textContent()).toBe('45 / 90 bytesSent as SMS');
    await checkPage('campaign-preview-sms');

    await page.getByRole('button', { name: 'Next' }).click();
    await choose('Send-time type', 'Event-triggered');
    await page.getByRole('textbox', { name: /^Event\s*\*?$/ }).fill('cart_add');
    await page.getByRole('button', { name: 'Add a condition' }).click();
    await page.getByLabel('Parameter 1').fill('price');
    await choose('Comparison 1', 'at least');
    await page.getByLabel('Value 1').fill('10000');
    await page.getByLabel('Cancel event').fill('purchase');
    await checkPage('campaign-send-time');

    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('combobox', { name: 'Statistics dimensions' }).fill('df_gender');
    await page.getByRole('combobox', { name: 'Statistics dimensions' }).press('Enter');
    await page.getByLabel('Conversion event').fill('purchase');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Sent on cart_add (1 conditions), 0 s after it; cancelled by purchase.').waitFor();
    await page.getByRole('button', { name: 'Save as draft' }).click();
    await page.getByRole('heading', { name: 'Campaign: Cart reminder' }).waitFor();
    campaignIds.event = new URL(page.url()).pathname.split('/').pop()!;
    const stored = await admin(`/admin/v1/projects/${projectId}/campaigns/${campaignIds.event}`);
    expect(stored.body.campaign).toMatchObject({
      status: 'draft',
      channel: 'text_message',
      consent_class: 'informational',
      send_time: { type: 'event', event: 'cart_add', conditions: [{ param: 'price', op: 'gte', value: 10000 }], delay_seconds: 0, cancel_event: 'purchase' },
      stats_dimensions: ['df_gender'],
      conversion: { event: 'purchase', window_hours: 72 },
    });
  });

  it('activating asks first and states how many people it reaches now', async () => {
    await page.getByRole('button', { name: 'Activate' }).click();
    const dialog = page.getByRole('dialog', { name: 'Activate Cart reminder?' });
    // user-1 and user-2 have a phone; user-3 has none.
    await dialog.getByText('This reaches 2 people now.').waitFor();
    await dialog.getByText('Without an address on this channel: 1').waitFor();
    await checkPage('campaign-activate');
    await dialog.getByRole('button', { name: 'Activate' }).click();
    await expect.poll(() => page.getByTestId('campaign-status').textContent()).toBe('Active');
    // Only the moves the state rules allow from active: pause and archive.
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByRole('button', { name: 'Activate' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Pause' }).waitFor();
  });

  it('an API-triggered campaign shows the exact curl of the Notifly send once saved; activated and sent through that API', async () => {
    await page.goto(`${server.url}/console/p/${projectId}/campaigns/new`);
    await page.getByLabel('Name').fill('Order shipped');
    await page.getByRole('radiogroup', { name: 'Channel' }).getByText('Text (SMS/LMS/MMS)').click();
    await step('Message');
    await page.getByRole('textbox', { name: 'Body' }).fill('{{ user["df_name"] }}님, 주문하신 {{ event_params["item"] }}이(가) 출발했어요');
    await step('Send time');
    await page.getByText('Save the campaign to get the exact call that sends it.').waitFor();
    await page.getByRole('button', { name: 'Save as draft' }).click();
    await page.getByRole('heading', { name: 'Campaign: Order shipped' }).waitFor();
    campaignIds.api = new URL(page.url()).pathname.split('/').pop()!;
    await step('Send time');
    const curl = (await page.getByTestId('api-curl').textContent()) ?? '';
    expect(curl).toContain(`curl -X POST '${server.url}/campaign/${projectId}/${campaignIds.api}/send'`);
    await checkPage('campaign-api-curl');

    await page.getByRole('button', { name: 'Activate' }).click();
    const dialog = page.getByRole('dialog', { name: 'Activate Order shipped?' });
    await dialog.getByText('This reaches 2 people now.').waitFor();
    await dialog.getByRole('button', { name: 'Activate' }).click();
    await expect.poll(() => page.getByTestId('campaign-status').textContent()).toBe('Active');

    // The public API, as the curl shows it.
    const auth = await fetch(`${server.url}/authenticate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accessKey: credentials.access_key, secretKey: credentials.secret_key }),
    });
    const token = ((await auth.json()) as { data: string }).data;
    const sent = await fetch(`${server.url}/campaign/${projectId}/${campaignIds.api}/send`, {
      method: 'POST',
      headers: { authorization: token, 'content-type': 'application/json', 'idempotency-key': 'console-test-1' },
      body: JSON.stringify({ recipients: [{ type: 'user-id', userId: 'user-2', eventParams: { item: '모자' } }] }),
    });
    expect(await sent.json()).toEqual({ code: 200, success: true, error: null });
  });

  it('the event-triggered one fires on a Marketap event; the list shows both last sends and sparklines with data, and filters', async () => {
    const events = await marketap('/v1/api/events', {
      events: [
        { user_id: 'user-1', name: 'cart_add', properties: { price: 12000, item: '운동화' } },
        // Below the condition: no message.
        { user_id: 'user-2', name: 'cart_add', properties: { price: 500, item: '양말' } },
      ],
    });
    expect(events.status).toBe(202);
    await page.goto(`${server.url}/console/p/${projectId}/campaigns`);
    const row = (id: string) => page.locator(`tr[data-campaign="${id}"]`);
    // The worker sends in the background: reload until both rows show a send (what a person would do).
    await expect
      .poll(
        async () => {
          await page.reload();
          await settled(page);
          return Promise.all([row(campaignIds.event), row(campaignIds.api)].map(async (r) => (await r.getByTestId('last-send').textContent()) ?? ''));
        },
        { timeout: 30_000, interval: 500 },
      )
      .toEqual([expect.stringMatching(/Asia\/Seoul$/), expect.stringMatching(/Asia\/Seoul$/)]);
    for (const id of [campaignIds.event, campaignIds.api]) {
      const spark = row(id).getByRole('img', { name: /^1 sent in 14 days: / });
      expect(await spark.getAttribute('data-total')).toBe('1');
    }
    const outbox = await admin(`/admin/v1/projects/${projectId}/outbox?campaign_id=${campaignIds.event}`);
    expect(outbox.body.outbox.map((e: { message: { body: string } }) => e.message.body)).toEqual(['김민지님, 장바구니에 운동화이(가) 남아 있어요']);
    await row(campaignIds.api).getByRole('link', { name: 'Statistics of Order shipped' }).waitFor();
    expect(await row(campaignIds.api).getByRole('link', { name: 'Statistics of Order shipped' }).getAttribute('href')).toBe(
      `/console/p/${projectId}/campaigns/${campaignIds.api}/stats`,
    );
    await checkPage('campaigns');

    await choose('Send time', 'Event-triggered');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.getByLabel('Name or id').fill('order');
    await page.getByText('No campaign matches these filters.').waitFor();
    await page.getByLabel('Name or id').fill('cart');
    await page.getByRole('link', { name: 'Cart reminder', exact: true }).waitFor();
  });

  it('the statistics page of each campaign made in the UI shows the send its trigger caused, as GET …/stats does', async () => {
    for (const [id, name] of [
      [campaignIds.api, 'Order shipped'],
      [campaignIds.event, 'Cart reminder'],
    ]) {
      await page.goto(`${server.url}/console/p/${projectId}/campaigns`);
      await page.getByRole('link', { name: `Statistics of ${name}` }).click();
      await page.getByRole('heading', { name: `${name}: statistics` }).waitFor();
      await settled(page);
      const request = (await page.getByTestId('stats-request').textContent())!.replace('GET …', '');
      const api = await admin(`/admin/v1/projects/${projectId}${request}`);
      const sent = api.body.stats.find((m: { metricName: string }) => m.metricName === 'send_success');
      expect(sent.totalCount, name).toBe(1);
      const cell = page.getByTestId('stats-table').locator('tr[data-metric="send_success"] [data-testid="total"]');
      expect(await cell.textContent(), name).toBe('1');
    }
  });

  it('every channel has its preview: a phone frame for push, alimtalk with its #{} variables, email in a sandboxed iframe', async () => {
    await page.goto(`${server.url}/console/p/${projectId}/campaigns/new`);
    await page.getByLabel('Name').fill('Channels');
    await page.getByRole('region', { name: 'Live preview' }).getByLabel('Profile identifier').fill('user-1');
    await page.getByRole('radiogroup', { name: 'Channel' }).getByText('Push', { exact: true }).click();
    await step('Message');
    await page.getByRole('textbox', { name: 'Title' }).fill('{{ user["df_name"] }}님께');
    await page.getByRole('textbox', { name: 'Body' }).fill('오늘만 무료 배송');
    const phone = page.getByRole('figure', { name: 'Push preview on a phone' });
    await expect.poll(() => phone.getByTestId('push-preview').textContent()).toBe('Your app · now김민지님께오늘만 무료 배송');
    await checkPage('campaign-preview-push');

    await step('Channel and kind');
    await page.getByRole('radiogroup', { name: 'Channel' }).getByText('Kakao alimtalk').click();
    await page.getByText('Kakao alimtalk carries informational messages only (Kakao policy).').waitFor();
    await step('Message');
    await page.getByRole('textbox', { name: /^Template code/ }).fill('ORDER_1');
    await page.getByRole('textbox', { name: /^Approved template body/ }).fill('#{name}님, 주문 #{order}이 접수되었습니다.');
    await page.getByRole('textbox', { name: '#{name}' }).fill('{{ user["df_name"] }}');
    await page.getByRole('textbox', { name: '#{order}' }).fill('{{ event_params["order_id"] }}');
    await page.getByLabel('Event parameters (JSON)').fill('{"order_id": "A-100"}');
    await expect.poll(() => page.getByTestId('alimtalk-preview').textContent()).toBe('김민지님, 주문 A-100이 접수되었습니다.');
    await checkPage('campaign-preview-alimtalk');

    await step('Channel and kind');
    await page.getByRole('radiogroup', { name: 'Channel' }).getByText('Email').click();
    await step('Message');
    await page.getByRole('textbox', { name: /^Subject/ }).fill('{{ user["df_name"] }}님의 주문');
    await page.getByRole('textbox', { name: 'HTML' }).fill('<h1>안녕하세요 {{ user["df_name"] }}님</h1><script>parent.document.title = "x"</script>');
    const frame = page.getByTitle('Email preview');
    await expect.poll(() => frame.getAttribute('srcdoc')).toContain('<h1>안녕하세요 김민지님</h1>');
    // No scripts and no same-origin access for the message: the frame is fully sandboxed.
    expect(await frame.getAttribute('sandbox')).toBe('');
    await expect.poll(() => page.frameLocator('iframe[title="Email preview"]').locator('h1').textContent()).toBe('안녕하세요 김민지님');
    expect(await page.title()).not.toBe('x');
    await checkPage('campaign-preview-email');

    // Scheduled: an audience with its live count (the audiences' own preview route).
    const audience = await admin(`/admin/v1/projects/${projectId}/audiences`, {
      method: 'POST',
      body: JSON.stringify({ name: 'Named', rule: { property: 'df_name', op: 'exists' } }),
    });
    expect(audience.status).toBe(201);
    await step('Send time');
    await choose('Send-time type', 'Scheduled');
    await page.getByRole('textbox', { name: /^Send at/ }).fill('2030-01-06T09:00:00+09:00');
    await choose('Audience', 'Named');
    await page.getByText('3 profiles in the audience now').waitFor();
  });

  it('duplicate makes a new draft; archive asks first, and the archived campaign offers no move', async () => {
    await page.goto(`${server.url}/console/p/${projectId}/campaigns`);
    await page.getByRole('button', { name: 'Duplicate Order shipped' }).click();
    await page.getByRole('link', { name: 'Order shipped (copy)', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Archive Order shipped (copy)' }).click();
    const dialog = page.getByRole('dialog', { name: 'Archive Order shipped (copy)?' });
    await dialog.getByRole('button', { name: 'Archive' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Order shipped (copy)', exact: true }).click();
    await page.getByText('This campaign is archived: it cannot change or send again.').waitFor();
    expect(await page.getByTestId('campaign-status').textContent()).toBe('Archived');
    for (const name of ['Activate', 'Pause', 'Archive']) expect(await page.getByRole('button', { name, exact: true }).count()).toBe(0);
  });

  it('a test message goes to one profile picked by identifier', async () => {
    await page.goto(`${server.url}/console/p/${projectId}/campaigns/${campaignIds.event}`);
    const test = page.getByRole('region', { name: 'Send a test' });
    await test.getByLabel('Profile identifier').fill('user-3');
    await test.getByRole('button', { name: 'Send the test' }).click();
    await test.getByText('That profile has no address on this channel: nothing was sent.').waitFor();
    await test.getByLabel('Profile identifier').fill('user-2');
    await test.getByLabel('Event parameters (JSON)').fill('{"item": "가방"}');
    await test.getByRole('button', { name: 'Send the test' }).click();
    await test.getByText(/^Test recorded \(test:/).waitFor();
    await expect
      .poll(async () => (await admin(`/admin/v1/projects/${projectId}/outbox?campaign_id=${campaignIds.event}`)).body.outbox.length, { timeout: 20_000 })
      .toBe(2);
  });

  it('a move the API refuses is said in plain words: a scheduled campaign whose time has passed', async () => {
    const created = await admin(`/admin/v1/projects/${projectId}/campaigns`, {
      method: 'POST',
      body: JSON.stringify({
        name: 'New year',
        channel: 'text_message',
        consent_class: 'informational',
        template: { kind: 'sms', body: '새해 복 많이 받으세요' },
        send_time: { type: 'scheduled', at: '2025-01-01T09:00:00+09:00' },
      }),
    });
    expect(created.status).toBe(201);
    await page.goto(`${server.url}/console/p/${projectId}/campaigns/${created.body.campaign.id}`);
    await page.getByRole('button', { name: 'Activate' }).click();
    const dialog = page.getByRole('dialog', { name: 'Activate New year?' });
    await dialog.getByText('At its time this would reach 2 people, as things are now.').waitFor();
    await dialog.getByRole('button', { name: 'Activate' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'maru did not change the status' });
    await alert.getByText(/send_time\.at \(2025-01-01T09:00:00\+09:00\) is in the past; set a new time to activate this campaign/).waitFor();
    expect(await page.getByTestId('campaign-status').textContent()).toBe('Draft');
  });

  it('a viewer sees the campaign read-only and cannot activate: the button is disabled and the API refuses', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to maru' }).waitFor();
    await signIn(users.viewer);
    await page.goto(`${server.url}/console/p/${projectId}/campaigns`);
    await page.getByRole('link', { name: 'Cart reminder', exact: true }).waitFor();
    expect(await page.getByRole('link', { name: 'Create a campaign' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Duplicate / }).count()).toBe(0);
    await page.getByRole('button', { name: 'Pause' }).count();
    await page.goto(`${server.url}/console/p/${projectId}/campaigns/${campaignIds.api}`);
    await page.getByText('Your role lets you read this campaign, not change it.').waitFor();
    // Paused by the admin first, so the viewer faces an Activate button.
    expect((await admin(`/admin/v1/projects/${projectId}/campaigns/${campaignIds.api}/status`, { method: 'POST', body: '{"status":"paused"}' })).status).toBe(
      200,
    );
    await page.reload();
    await expect.poll(() => page.getByTestId('campaign-status').textContent()).toBe('Paused');
    expect(await page.getByRole('button', { name: 'Activate' }).isDisabled()).toBe(true);
    await page.getByText('Only owners and marketers change a campaign’s status.').first().waitFor();
    expect(await page.getByRole('button', { name: /^Save/ }).count()).toBe(0);
    expect(await page.getByRole('textbox', { name: 'Name' }).isDisabled()).toBe(true);
    // The live preview renders for a viewer too (it changes nothing).
    await page.getByRole('region', { name: 'Live preview' }).getByLabel('Profile identifier').fill('user-2');
    await expect.poll(() => page.getByTestId('text-preview').textContent()).toBe('이서준님, 주문하신 이(가) 출발했어요');
    await checkPage('campaign-viewer');
    const csrf = JSON.parse((await fromPage('GET', '/admin/v1/session')).body).csrfToken as string;
    const refused = await fromPage('POST', `/admin/v1/projects/${projectId}/campaigns/${campaignIds.api}/status`, { csrf, body: { status: 'active' } });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error.code).toBe('forbidden');
    expect((await admin(`/admin/v1/projects/${projectId}/campaigns/${campaignIds.api}`)).body.campaign.status).toBe('paused');
  });
});
