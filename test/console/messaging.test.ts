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
 * The "Text and Kakao" page in Debian's Chromium against a real `maru start`: an owner registers a sender number, a
 * Kakao channel and an alimtalk template; sends an SMS (the byte counter switching SMS → LMS past 90 bytes, the
 * "(광고)" marking shown for advertising), an alimtalk with parameters and SMS failover, and a friendtalk, and the
 * sandbox outbox shows each; registers 080 numbers (one invalid, refused naming it), finds them with filters and
 * pages, removes one; a viewer cannot send (the page disables it, the API refuses). Texts go to the sandbox
 * (`sandboxTextSending`), as a staging project does; the project is made with the admin token, as automation would.
 */
const skip = announceSkip('test/console/messaging.test.ts');

interface OutboxEntry {
  channel: string;
  recipient: string;
  state: string;
  message: Record<string, unknown>;
}

describe.skipIf(skip)('the messaging page in a real browser', { timeout: 90_000 }, () => {
  let server: ConsoleServer;
  let browser: Browser;
  let page: Page;
  let projectId = '';
  const password = 'correct horse battery';
  const users = { owner: 'owner@example.com', viewer: 'viewer@example.com' };

  const admin = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...init.headers },
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
  };
  const outbox = async (campaignId: string): Promise<OutboxEntry[]> =>
    (await admin(`/admin/v1/projects/${projectId}/outbox?campaign_id=${campaignId}&limit=200`)).body.outbox;
  const checkPage = (name: string | undefined, what: string) => checkShown(page, name, what);
  const signIn = async (email: string) => {
    await page.goto(`${server.url}/console/sign-in`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel(/^Password/).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
  };
  const open = async (tab: string) => {
    await page.goto(`${server.url}/console/p/${projectId}/messaging/${tab}`);
    await page.getByRole('heading', { name: 'Text and Kakao' }).waitFor();
    await settled(page);
  };
  /** The text-message form's counter, as the person reads it. */
  const counter = () => page.getByTestId('text-counter');

  beforeAll(async () => {
    server = await startConsoleServer();
    const project = await admin('/admin/v1/projects', { method: 'POST', body: JSON.stringify({ name: 'Shop', timezone: 'Asia/Seoul' }) });
    expect(project.status).toBe(201);
    projectId = project.body.project_id;
    for (const [role, email] of Object.entries(users)) {
      const created = await admin('/admin/v1/users', { method: 'POST', body: JSON.stringify({ email, password, roles: [{ projectId, role }] }) });
      expect(created.status).toBe(201);
    }
    // A staging project: texts go to the sandbox outbox; the advertiser identity with its 080 number.
    expect((await admin(`/admin/v1/projects/${projectId}/messaging`, { method: 'PATCH', body: JSON.stringify({ sandboxTextSending: true }) })).status).toBe(
      200,
    );
    const ad = await admin(`/admin/v1/projects/${projectId}/messaging/advertising`, {
      method: 'PUT',
      body: JSON.stringify({ senderName: '마루샵', optOutNumber: '080-123-4567' }),
    });
    expect(ad.status).toBe(200);
    // The sandbox refuses alimtalk to this number for good, so its SMS failover goes out.
    const sandbox = await admin(`/admin/v1/projects/${projectId}/sandbox`, {
      method: 'PUT',
      body: JSON.stringify({ failures: [{ recipients: ['+821099990000'], channels: ['kakao_alimtalk'], mode: 'permanent', reason: 'not a kakao user' }] }),
    });
    expect(sandbox.status).toBe(200);
    browser = await launchBrowser();
    page = browser.page;
    reportPageErrors(page);
  }, 60_000);
  afterEach(({ task }) => screenshotOnFailure(page, 'messaging', task));
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('senders: an owner registers a sender number, a Kakao channel and an alimtalk template (its variables and status shown)', async () => {
    await signIn(users.owner);
    await open('senders');
    const numberForm = page.getByRole('form', { name: 'Register a sender number' });
    await numberForm.getByLabel('Number').fill('02-123-4567');
    await numberForm.getByRole('button', { name: 'Register', exact: true }).click();
    await page.getByRole('table', { name: 'Sender numbers' }).getByRole('cell', { name: '021234567', exact: true }).waitFor();

    const channelForm = page.getByRole('form', { name: 'Register a Kakao channel' });
    await channelForm.getByLabel('Channel id').fill('@maru');
    await channelForm.getByLabel('Sender key').fill('sender-key-0123456789');
    await channelForm.getByRole('button', { name: 'Register a Kakao channel' }).click();
    await page.getByRole('table', { name: 'Kakao channels (sender keys)' }).getByRole('cell', { name: '@maru', exact: true }).waitFor();

    const templateForm = page.getByRole('form', { name: 'Register a template' });
    await templateForm.getByLabel('Template id').fill('order');
    await templateForm.getByLabel('Approved template code').fill('ORDER_01');
    await templateForm.getByLabel('Content').fill('#{name}님, 주문 #{order}이 접수되었습니다.');
    await templateForm.getByRole('button', { name: 'Register a template' }).click();
    const row = page.getByRole('table', { name: 'Alimtalk templates' }).getByRole('row').filter({ hasText: 'ORDER_01' });
    await row.waitFor();
    expect(await row.textContent()).toContain('#{name}#{order}');
    expect(await row.textContent()).toContain('Ready');
    expect(await row.textContent()).toContain('@maru');
    await checkPage('messaging-senders', 'the senders tab');
  });

  it('text message: the counter switches SMS → LMS past 90 bytes, advertising shows the (광고) marking, and an SMS arrives', async () => {
    await open('send');
    const body = page.getByLabel('Message', { exact: true });
    await body.fill('가'.repeat(45));
    await counter().filter({ hasText: 'Sent as SMS' }).filter({ hasText: '90 / 90 bytes' }).waitFor();
    await body.fill(`${'가'.repeat(45)}a`);
    await counter().filter({ hasText: 'Sent as LMS' }).filter({ hasText: '91 / 2000 bytes' }).waitFor();
    expect(await counter().textContent()).toContain('(chosen by size)');
    // Chosen SMS: too long is said before sending, as the send would refuse it.
    await page.getByRole('radiogroup', { name: 'Message kind' }).getByText('SMS', { exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'body is 91 bytes; SMS allows at most 90 bytes' }).waitFor();

    // Advertising: the text as sent carries the marking and the opt-out line, counted in the bytes.
    await page.getByRole('radiogroup', { name: 'Message kind' }).getByText('By size', { exact: true }).click();
    await body.fill('봄 세일 20% 할인');
    await page.getByLabel('Advertising').check();
    await page.getByTestId('text-as-sent').filter({ hasText: '(광고) 마루샵 봄 세일 20% 할인' }).waitFor();
    expect(await page.getByTestId('text-as-sent').textContent()).toBe('(광고) 마루샵 봄 세일 20% 할인\n무료수신거부 080-123-4567');
    await counter().filter({ hasText: 'Sent as SMS' }).filter({ hasText: '/ 90 bytes' }).waitFor();
    await page.getByLabel('Recipients').fill('010-1234-5678');
    await checkPage('messaging-send', 'the text-message form');

    // An informational SMS is sent and arrives in the sandbox outbox.
    await page.getByLabel('Advertising').uncheck();
    await body.fill('주문이 접수되었습니다.');
    await counter().filter({ hasText: '22 / 90 bytes' }).waitFor();
    await page.getByRole('button', { name: 'Send the text message' }).click();
    await page.getByRole('status').filter({ hasText: 'Accepted: 1 messages recorded and queued (direct_text).' }).waitFor();
    await expect
      .poll(async () => (await outbox('direct_text')).map((o) => [o.state, o.message]))
      .toEqual([['delivered', { kind: 'sms', from: '021234567', to: '+821012345678', body: '주문이 접수되었습니다.' }]]);
  });

  it('alimtalk: the template with its parameters and SMS failover; the alimtalk and the failover text arrive', async () => {
    await page.getByRole('tab', { name: 'Kakao alimtalk' }).click();
    await page.getByLabel('Value of #{name}').fill('홍길동');
    await page.getByLabel('Value of #{order}').fill('A-1');
    await page.getByLabel('Send a text message if the alimtalk fails (SMS/LMS failover)').check();
    await page.getByLabel('Recipients').fill('010-1234-5678\n010-9999-0000');
    await checkPage('messaging-alimtalk', 'the alimtalk form');
    await page.getByRole('button', { name: 'Send the alimtalk' }).click();
    await page.getByRole('status').filter({ hasText: 'Accepted: 2 messages recorded and queued (direct_alimtalk).' }).waitFor();
    const filled = '홍길동님, 주문 A-1이 접수되었습니다.';
    await expect
      .poll(async () =>
        (await outbox('direct_alimtalk'))
          .map((o) => [o.channel, o.recipient, o.state, o.message.content ?? o.message.body])
          .sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`)),
      )
      .toEqual([
        ['kakao_alimtalk', '+821012345678', 'delivered', filled],
        ['kakao_alimtalk', '+821099990000', 'failed', filled],
        ['text_message', '+821099990000', 'delivered', filled],
      ]);
  });

  it('friendtalk: a text to a number arrives', async () => {
    await page.getByRole('tab', { name: 'Kakao friendtalk' }).click();
    await page.getByLabel('Message', { exact: true }).fill('채널 친구에게 드리는 안내');
    await page.getByLabel('Recipients').fill('01012345678');
    await checkPage(undefined, 'the friendtalk form');
    await page.getByRole('button', { name: 'Send the friendtalk' }).click();
    await page.getByRole('status').filter({ hasText: 'Accepted: 1 messages recorded and queued (direct_friendtalk).' }).waitFor();
    await expect
      .poll(async () => (await outbox('direct_friendtalk')).map((o) => [o.recipient, o.state, o.message.text]))
      .toEqual([['+821012345678', 'delivered', '채널 친구에게 드리는 안내']]);
  });

  it('080 block list: an invalid number is refused naming its line; register, find with filters and pages, remove', async () => {
    await open('blocklist');
    const register = page.getByRole('form', { name: 'Register numbers' });
    expect(await register.getByLabel('080 number').inputValue()).toBe('0801234567');
    const numbers = register.getByLabel('Numbers');
    await numbers.fill('010-1111-0001\n12-34\n010-1111-0003');
    await register.getByRole('button', { name: 'Register' }).click();
    await register.getByText('Line 2: recipientNos[1] "12-34" is not a phone number (7-20 digits)').waitFor();
    const listed = await admin(`/admin/v1/projects/${projectId}/messaging/blocklist?unsubscribeNo=0801234567`);
    expect(listed.body.totalCount).toBe(0);

    const some = (from: number, n: number) => Array.from({ length: n }, (_, i) => `010-1111-${String(from + i).padStart(4, '0')}`).join('\n');
    await numbers.fill(some(1, 11));
    await register.getByRole('button', { name: 'Register' }).click();
    await register.getByText('At most 10 numbers at once; this has 11.').waitFor();
    await numbers.fill(some(1, 10));
    await register.getByRole('button', { name: 'Register' }).click();
    await page.getByText('Registered: 10 added').waitFor();
    await numbers.fill(some(11, 6));
    await register.getByRole('button', { name: 'Register' }).click();
    await page.getByText('Registered: 6 added').waitFor();

    // Pages of 15, newest first.
    const summary = page.getByTestId('blocklist-summary');
    await summary.filter({ hasText: '16 numbers · page 1 of 2' }).waitFor();
    const table = page.getByRole('table', { name: '080 block list' });
    expect(await table.getByRole('row').count()).toBe(16);
    await page.getByRole('button', { name: 'Next' }).click();
    await summary.filter({ hasText: '16 numbers · page 2 of 2' }).waitFor();
    expect(await table.getByRole('row').count()).toBe(2);

    // Filters: one recipient; request times in project time.
    const find = page.getByRole('form', { name: 'Find' });
    await find.getByLabel('Recipient number').fill('010-1111-0007');
    await find.getByRole('button', { name: 'Find' }).click();
    await summary.filter({ hasText: '1 numbers · page 1 of 1' }).waitFor();
    expect(await table.getByRole('row').nth(1).textContent()).toContain('01011110007');
    await find.getByLabel('Recipient number').fill('');
    await find.getByLabel('Requested until').fill('2020-01-01 00:00:00');
    await find.getByRole('button', { name: 'Find' }).click();
    await summary.filter({ hasText: '0 numbers' }).waitFor();
    const todaySeoul = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul' }).format(new Date());
    await find.getByLabel('Requested until').fill('');
    await find.getByLabel('Requested from').fill(`${todaySeoul} 00:00:00`);
    await find.getByRole('button', { name: 'Find' }).click();
    await summary.filter({ hasText: '16 numbers · page 1 of 2' }).waitFor();
    await find.getByLabel('Requested from').fill('2026-02-30 00:00:00');
    await find.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('alert').filter({ hasText: 'from must be yyyy-MM-dd HH:mm:ss' }).waitFor();
    await find.getByLabel('Requested from').fill('');
    await find.getByRole('button', { name: 'Find' }).click();
    await summary.filter({ hasText: '16 numbers · page 1 of 2' }).waitFor();

    await page.getByRole('button', { name: 'Remove 01011110016' }).click();
    await summary.filter({ hasText: '15 numbers · page 1 of 1' }).waitFor();
    const after = await admin(`/admin/v1/projects/${projectId}/messaging/blocklist?unsubscribeNo=0801234567&recipientNo=01011110016`);
    expect(after.body.totalCount).toBe(0);
    await page.mouse.move(0, 0);
    await checkPage('messaging-blocklist', 'the 080 block list');
  });

  it('a viewer sees the lists read-only: no send, no change on the page, and the API refuses them', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to maru' }).waitFor();
    await signIn(users.viewer);
    await open('send');
    await page.getByText('Your role in this project can read these lists but not send or change anything.').waitFor();
    expect(await page.getByRole('button', { name: 'Send the text message' }).isDisabled()).toBe(true);
    expect(await page.getByLabel('Message', { exact: true }).isDisabled()).toBe(true);
    await checkPage(undefined, 'the send tab as a viewer');
    await page.getByRole('tab', { name: 'Kakao alimtalk' }).click();
    expect(await page.getByRole('button', { name: 'Send the alimtalk' }).isDisabled()).toBe(true);

    await open('blocklist');
    await page.getByTestId('blocklist-summary').filter({ hasText: '15 numbers' }).waitFor();
    expect(await page.getByRole('button', { name: /^Remove / }).count()).toBe(0);
    expect(await page.getByRole('form', { name: 'Register numbers' }).count()).toBe(0);
    await checkPage(undefined, 'the 080 block list as a viewer');

    await open('senders');
    await page.getByRole('table', { name: 'Alimtalk templates' }).getByRole('cell', { name: 'order', exact: true }).waitFor();
    expect(await page.getByRole('form', { name: 'Register a template' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Remove / }).count()).toBe(0);
    await checkPage(undefined, 'the senders tab as a viewer');

    // The API refuses what the page does not offer, with the session's own CSRF token.
    const refused = await page.evaluate(async (projectId) => {
      const session = (await (await fetch('/admin/v1/session')).json()) as { csrfToken: string };
      const post = (path: string, body: unknown) =>
        fetch(`/admin/v1/projects/${projectId}/messaging/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
          body: JSON.stringify(body),
        }).then((r) => r.status);
      return [
        await post('text-messages', { body: 'hi', recipients: [{ to: '01012345678' }] }),
        await post('friendtalk', { recipients: [{ to: '01012345678', text: 'hi' }] }),
        await post('blocklist', { unsubscribeNo: '0801234567', recipientNos: ['01022223333'] }),
      ];
    }, projectId);
    expect(refused).toEqual([403, 403, 403]);
    expect((await outbox('direct_text')).length).toBe(1);
  });
});
