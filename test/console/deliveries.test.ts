import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  ADMIN_TOKEN,
  announceSkip,
  launchBrowser,
  seriousViolations,
  settled,
  startConsoleServer,
  type Browser,
  type ConsoleServer,
  checkPage as checkShown,
  reportPageErrors,
  screenshotOnFailure,
} from './browser.ts';

/**
 * The statistics, deliveries and outbox pages in Debian's Chromium against a real `maru start`. The project, the
 * campaigns and the sandbox failure rule are made through the admin API; the profiles, devices, sends and engagement
 * arrive through the public APIs (Marketap, Notifly) and the server's own worker sends them to the sandbox provider.
 * The numbers the statistics page shows are compared with what GET …/stats answers for the same range.
 */
const skip = announceSkip('test/console/deliveries.test.ts');

interface Stats {
  lastCollectedAt: string;
  stats: {
    metricName: string;
    metricType: string;
    totalCount: number;
    dailyCounts: { date: string; count: number; dimensionCounts: { dimensionKey: string; dimensionValue: string; count: number }[] }[];
  }[];
}
interface Delivery {
  id: string;
  state: string;
  metric: string | null;
  reason: string | null;
  address: string | null;
  profile_id: string | null;
  campaign_id: string;
}

const TIME_ZONE = 'Asia/Seoul';
const todayInSeoul = () => new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE }).format(new Date());
/** The instant of a wall-clock time in Seoul (UTC+9, no daylight saving time), as the page computes it. */
const seoul = (day: string, time: string) => new Date(`${day}T${time}+09:00`).toISOString();

describe.skipIf(skip)('statistics, deliveries and the outbox in a real browser', { timeout: 90_000 }, () => {
  let server: ConsoleServer;
  let browser: Browser;
  let page: Page;
  let projectId = '';
  let credentials: Record<string, string> = {};
  let notiflyToken = '';
  const campaigns: Record<'push' | 'email' | 'text' | 'kakao', string> = { push: '', email: '', text: '', kakao: '' };
  const email = 'owner@example.com';
  const blocked: string[] = [];
  const password = 'correct horse battery';

  const checkPage = (name: string) => checkShown(page, name);
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, body: json };
  };
  const admin = (method: string, path: string, body?: unknown) =>
    call(method, `/admin/v1/projects/${projectId}${path}`, body, { authorization: `Bearer ${ADMIN_TOKEN}` });
  const marketap = (path: string, body: unknown) => call('POST', `${path}?project_id=${projectId}`, body, { authorization: `Bearer ${credentials.api_key}` });
  const notifly = (path: string, body: unknown) => call('POST', path, body, { authorization: notiflyToken });
  const createCampaign = async (doc: Record<string, unknown>) => {
    const r = await admin('POST', '/campaigns', { status: 'active', consent_class: 'informational', send_time: { type: 'api' }, ...doc });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.campaign.id as string;
  };
  const send = async (campaignId: string, recipients: unknown[]) => {
    const r = await notifly(`/campaign/${projectId}/${campaignId}/send`, { recipients });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  };
  const deliveries = async (campaignId: string): Promise<Delivery[]> => (await admin('GET', `/campaigns/${campaignId}/deliveries?limit=1000`)).body.deliveries;
  const finished = async (campaignId: string, n: number) =>
    expect
      .poll(async () => (await deliveries(campaignId)).filter((d) => ['sent', 'failed', 'skipped', 'cancelled'].includes(d.state)).length, { timeout: 20_000 })
      .toBe(n);
  const profileOf = async (userId: string) => (await admin('GET', `/profiles/search?q=${userId}`)).body.items[0].id as string;

  beforeAll(async () => {
    server = await startConsoleServer();
    const project = await call(
      'POST',
      '/admin/v1/projects',
      { name: 'Shop', timezone: TIME_ZONE, settings: { messaging: { kakaoSenderKey: 'SK-shop', textFrom: '15446859', emailFrom: 'news@shop.example' } } },
      { authorization: `Bearer ${ADMIN_TOKEN}` },
    );
    expect(project.status, JSON.stringify(project.body)).toBe(201);
    projectId = project.body.project_id;
    credentials = project.body.credentials;
    const user = await call('POST', '/admin/v1/users', { email, password, roles: [{ projectId, role: 'owner' }] }, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(user.status).toBe(201);
    const auth = await call('POST', '/authenticate', { accessKey: credentials.access_key, secretKey: credentials.secret_key });
    expect(auth.status).toBe(200);
    notiflyToken = auth.body.data;

    browser = await launchBrowser();
    page = browser.page;
    reportPageErrors(page);
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      // The email preview's protections at work (asserted in the outbox test), not failures.
      if (/about:srcdoc.*sandboxed|violates the following Content Security Policy/.test(m.text())) blocked.push(m.text());
      else console.error(`browser console: ${m.text()}`);
    });
    await page.goto(`${server.url}/console/sign-in`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel(/^Password/).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
  }, 60_000);
  afterEach(({ task }) => screenshotOnFailure(page, 'deliveries', task));
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('sends: profiles and devices through Marketap, campaigns triggered through Notifly, one failing in the sandbox, two skipped', async () => {
    const profiles = await marketap('/v1/api/profile/user', {
      profiles: [
        { user_id: 'u1', properties: { mkt_name: '김하나', mkt_email: 'kim@example.com', mkt_phone_number: '010-1111-2222', mkt_membership: 'gold' } },
        { user_id: 'u2', properties: { mkt_name: '이두리', mkt_email: 'lee@example.com', mkt_membership: 'silver' } },
        { user_id: 'u3', properties: { mkt_name: '박세나', mkt_membership: 'gold' } },
        { user_id: 'u4', properties: { mkt_name: '최네오' } },
      ],
    });
    expect(profiles.status, JSON.stringify(profiles.body)).toBeLessThan(300);
    const devices = await marketap('/v1/api/profile/user/device/bulk', {
      devices: [1, 2, 3, 4].map((i) => ({ device_id: `d${i}`, user_id: `u${i}`, platform: 'android', push_token: `tok-${i}` })),
    });
    expect(devices.status, JSON.stringify(devices.body)).toBeLessThan(300);
    // The sandbox refuses u3's token for good: a failed delivery with the provider's reason.
    expect((await admin('PUT', '/sandbox', { failures: [{ recipients: ['tok-3'], mode: 'permanent', reason: 'unregistered token' }] })).status).toBe(200);
    expect(
      (
        await admin('POST', '/messaging/alimtalk-templates', {
          templateId: 'order',
          templateCode: 'ORDER_1',
          content: '#{name}님, 주문이 접수되었습니다.',
          buttons: [{ type: 'WL', name: '주문 조회', linkMo: 'https://m.shop.example/orders' }],
        })
      ).status,
    ).toBe(201);

    campaigns.push = await createCampaign({
      name: 'Spring sale push',
      channel: 'push',
      template: { title: '봄 세일', body: '{{ user["df_name"] }}님, 오늘만 20% 할인', deep_link: 'shop://sale' },
      stats_dimensions: ['df_membership'],
      excluded_user_ids: ['u4'],
      conversion: { event: 'purchase', window_hours: 24 },
    });
    // u1 twice in one send: the repeat is skipped (skipped__noisy_filter); u4 is excluded (skipped__excluded_user_filter).
    await send(campaigns.push, [{ userId: 'u1' }, { userId: 'u2' }, { userId: 'u3' }, { userId: 'u4' }, { userId: 'u1' }]);
    await finished(campaigns.push, 5);
    const pushed = await deliveries(campaigns.push);
    expect(pushed.map((d) => d.state).sort()).toEqual(['failed', 'sent', 'sent', 'skipped', 'skipped']);

    // u1 opens the push and buys: push_click (and push_delivered) and a conversion.
    const u1 = pushed.find((d) => d.address === 'tok-1' && d.state === 'sent')!;
    expect((await notifly('/track-event', { projectId, userId: 'u1', eventName: 'maru_push_click', eventParams: { delivery_id: u1.id } })).status).toBe(200);
    expect((await notifly('/track-event', { projectId, userId: 'u1', eventName: 'purchase', eventParams: { amount: 12000 } })).status).toBe(200);

    campaigns.email = await createCampaign({
      name: 'Newsletter',
      channel: 'email',
      template: {
        subject: '{{ user["df_name"] }}님의 12월 소식',
        html: '<h1>12월 소식</h1><p>{{ user["df_name"] }}님, <a href="https://shop.example/news">새 소식</a>을 확인하세요.</p><script>alert(1)</script>',
      },
    });
    await send(campaigns.email, [{ userId: 'u1' }, { userId: 'u2' }]);
    campaigns.text = await createCampaign({
      name: 'Delivery notice',
      channel: 'text_message',
      template: { kind: 'sms', body: '[Shop] 주문하신 상품이 출발했습니다.' },
    });
    await send(campaigns.text, [{ type: 'phone-number', phoneNumber: '010-5555-6666' }]);
    campaigns.kakao = await createCampaign({
      name: 'Order received',
      channel: 'kakao_alimtalk',
      template: { template_code: 'ORDER_1', content: '#{name}님, 주문이 접수되었습니다.', parameters: { name: '{{ user["df_name"] }}' } },
    });
    await send(campaigns.kakao, [{ userId: 'u1' }]);
    await finished(campaigns.email, 2);
    await finished(campaigns.text, 1);
    await finished(campaigns.kakao, 1);
  });

  it('statistics: the page shows exactly what GET …/stats answers for the same days', async () => {
    const day = todayInSeoul();
    const start = seoul(day, '00:00:00');
    const end = seoul(day, '23:59:59');
    // The click and the conversion are counted by the worker: wait until the API has them.
    await expect
      .poll(
        async () => {
          const s = (await admin('GET', `/campaigns/${campaigns.push}/stats?start=${start}&end=${end}`)).body as Stats;
          return s.stats.filter((m) => m.totalCount > 0).map((m) => `${m.metricName}:${m.totalCount}`);
        },
        { timeout: 20_000 },
      )
      .toEqual(expect.arrayContaining(['push_click:1', 'purchase:1']));

    await page.goto(`${server.url}/console/p/${projectId}/campaigns/${campaigns.push}/stats?from=${day}&to=${day}`);
    await page.getByRole('heading', { name: 'Spring sale push: statistics' }).waitFor();
    await settled(page);
    expect(await page.getByTestId('stats-request').textContent()).toBe(`GET …/campaigns/${campaigns.push}/stats?start=${start}&end=${end}`);
    const api = (await admin('GET', `/campaigns/${campaigns.push}/stats?start=${start}&end=${end}`)).body as Stats;
    expect(api.stats.find((m) => m.metricName === 'send_success')?.totalCount).toBe(2);

    // The table view: every metric the API lists, its total and its count on each day.
    const table = page.getByTestId('stats-table');
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(api.stats.length);
    for (const m of api.stats) {
      const row = table.locator(`tr[data-metric="${m.metricName}"][data-metric-type="${m.metricType}"]`);
      expect(await row.getByTestId('total').textContent(), m.metricName).toBe(String(m.totalCount));
      expect(await row.locator(`td[data-day="${day}"]`).textContent(), m.metricName).toBe(String(m.dailyCounts.find((d) => d.date === day)?.count ?? 0));
    }
    // The funnel: sent → delivered → clicked → converted, the API's totals.
    const total = (name: string) => api.stats.find((m) => m.metricName === name)!.totalCount;
    const funnel = await page
      .getByTestId('funnel')
      .locator('tr')
      .evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-metric'), tr.querySelector('[data-testid="count"]')?.textContent]));
    expect(funnel).toEqual([
      ['send_success', String(total('send_success'))],
      ['push_delivered', String(total('push_delivered'))],
      ['push_click', String(total('push_click'))],
      ['purchase', String(total('purchase'))],
    ]);
    await page.getByRole('img', { name: `Funnel: Sent 2, Delivered 1, Clicked 1, Converted 1` }).waitFor();
    // The skip reasons, with their counts and what they mean.
    const skips = page.getByTestId('skips');
    for (const name of ['skipped__noisy_filter', 'skipped__excluded_user_filter', 'cancelled', 'rendering_failure']) {
      expect(await skips.locator(`tr[data-metric="${name}"] [data-testid="count"]`).textContent(), name).toBe(String(total(name)));
    }
    expect(total('skipped__noisy_filter')).toBe(1);
    expect(total('skipped__excluded_user_filter')).toBe(1);
    await skips.getByText('The person is excluded (campaign or project list)', { exact: false }).waitFor();
    // The breakdown by the campaign's dimension: each value's count summed over the days, as the API has it.
    const dim = page.getByTestId('dimension-df_membership');
    for (const m of api.stats.filter((x) => x.totalCount > 0 && x.metricName !== 'pending')) {
      const per = new Map<string, number>();
      for (const d of m.dailyCounts) for (const c of d.dimensionCounts) per.set(c.dimensionValue, (per.get(c.dimensionValue) ?? 0) + c.count);
      for (const [value, n] of per)
        expect(await dim.locator(`tr[data-value="${value}"] td[data-metric="${m.metricName}"]`).textContent(), `${m.metricName} ${value}`).toBe(String(n));
    }
    expect(await dim.locator('tr[data-value="gold"] td[data-metric="send_success"]').textContent()).toBe('1');
    expect(await dim.locator('tr[data-value="silver"] td[data-metric="send_success"]').textContent()).toBe('1');
    await page.getByRole('img', { name: /^Outcomes per day \(Asia\/Seoul\): / }).waitFor();
    await checkPage('campaign-stats');

    // The default range (the last 7 days) covers today too: the same totals.
    await page.getByRole('link', { name: 'Statistics' }).click();
    await page.waitForURL(/\/stats$/);
    await settled(page);
    expect(await page.getByTestId('stats-table').locator('tr[data-metric="send_success"] [data-testid="total"]').textContent()).toBe('2');
    // A last day before the first is refused in plain words.
    await page.getByLabel('First day (Asia/Seoul)').fill('2026-01-10');
    await page.getByLabel('Last day (Asia/Seoul)').fill('2026-01-01');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByRole('alert').filter({ hasText: 'the last not before the first' }).waitFor();
  });

  it("deliveries: a campaign's, filtered by state, and one delivery with its history, provider response and message", async () => {
    await page.getByRole('link', { name: 'Deliveries', exact: true }).click();
    await page.getByRole('heading', { name: 'Spring sale push: deliveries' }).waitFor();
    await settled(page);
    const rows = page.getByTestId('deliveries').locator('tbody tr');
    expect(await rows.count()).toBe(5);
    const api = await deliveries(campaigns.push);
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-delivery')))).toEqual(api.map((d) => d.id));
    await page.getByTestId('deliveries').getByText('excluded_user', { exact: true }).waitFor();
    await checkPage('campaign-deliveries');

    await page.getByRole('combobox', { name: 'State' }).click();
    await page.getByRole('option', { name: 'failed' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    const failed = api.find((d) => d.state === 'failed')!;
    expect(await rows.first().getAttribute('data-delivery')).toBe(failed.id);
    expect(await rows.first().textContent()).toContain('unregistered token');
    await page.getByRole('link', { name: failed.id }).click();
    await page.getByRole('heading', { name: `Delivery ${failed.id}` }).waitFor();
    await settled(page);
    const summary = page.getByTestId('delivery-summary');
    expect(await summary.textContent()).toContain('send_failure');
    expect(await summary.textContent()).toContain('unregistered token');
    await page.getByRole('region', { name: 'Provider response' }).getByText('unregistered token').waitFor();

    // A delivery that was sent and clicked: its history has every step; the message is shown as a push card.
    const clicked = api.find((d) => d.address === 'tok-1' && d.state === 'sent')!;
    await page.goto(`${server.url}/console/p/${projectId}/deliveries/${clicked.id}`);
    await page.getByRole('heading', { name: `Delivery ${clicked.id}` }).waitFor();
    await settled(page);
    const history = page.getByRole('region', { name: 'What happened' });
    for (const step of ['Recorded (waiting)', 'Handed to the provider', 'Finished: sent', 'Received', 'Clicked', 'Converted'])
      await history.getByText(step).waitFor();
    await page.getByTestId('preview-push').getByText('김하나님, 오늘만 20% 할인').waitFor();
    await checkPage('delivery');
  });

  it("a profile's page lists the deliveries to that profile, across campaigns", async () => {
    const profileId = await profileOf('u1');
    const api = (await admin('GET', `/profiles/${profileId}/deliveries?limit=20`)).body as { deliveries: Delivery[] };
    // push (sent, and its skipped repeat), email, alimtalk.
    expect(api.deliveries.length).toBe(4);
    await page.goto(`${server.url}/console/p/${projectId}/profiles/${profileId}`);
    const section = page.getByRole('region', { name: 'Deliveries to this profile' });
    await section.getByTestId('deliveries').waitFor();
    await settled(page);
    expect(await section.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-delivery')))).toEqual(api.deliveries.map((d) => d.id));
    expect(new Set(api.deliveries.map((d) => d.campaign_id))).toEqual(new Set([campaigns.push, campaigns.email, campaigns.kakao]));
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('the outbox shows each message as its recipient would see it; the email in a sandboxed iframe without scripts', async () => {
    await page.getByRole('link', { name: 'Outbox' }).click();
    await page.getByRole('heading', { name: 'Sandbox outbox' }).waitFor();
    await settled(page);
    const api = (await admin('GET', '/outbox?limit=30')).body.outbox as { id: string; channel: string }[];
    expect(await page.locator('[data-outbox]').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-outbox')))).toEqual(api.map((e) => e.id));
    await page.getByTestId('preview-push').first().waitFor();
    const sms = page.getByTestId('preview-text');
    await sms.getByText('15446859').waitFor();
    await sms.getByText('[Shop] 주문하신 상품이 출발했습니다.').waitFor();
    const kakao = page.getByTestId('preview-kakao');
    await kakao.getByText('김하나님, 주문이 접수되었습니다.').waitFor();
    await kakao.getByText('주문 조회').waitFor();
    const frames = page.getByTestId('preview-email').locator('iframe');
    expect(await frames.count()).toBe(2);
    for (const frame of await frames.all()) {
      expect(await frame.getAttribute('sandbox')).toBe('');
    }
    const body = page.frameLocator('[data-testid="preview-email"] iframe').first().locator('body');
    await body.getByText('12월 소식', { exact: true }).waitFor();
    await page.getByText('refused', { exact: true }).first().waitFor();
    // The email's script did not run and its open pixel was not loaded (viewing the outbox counts no open).
    expect(blocked.some((m) => m.includes("Blocked script execution in 'about:srcdoc'"))).toBe(true);
    expect(blocked.some((m) => /Loading the image '[^']*\/t\/o\/[^']*\.gif' violates/.test(m))).toBe(true);
    const stats = (
      await admin('GET', `/campaigns/${campaigns.email}/stats?start=${seoul(todayInSeoul(), '00:00:00')}&end=${seoul(todayInSeoul(), '23:59:59')}`)
    ).body as Stats;
    expect(stats.stats.find((m) => m.metricName === 'email_open')?.totalCount).toBe(0);
    await checkPage('outbox');

    await page.getByLabel('Campaign id').fill(campaigns.text);
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.locator('[data-outbox]').count()).toBe(1);
  });

  it('in Korean: the statistics page names each metric and reason in Korean, with the same numbers', async () => {
    const day = todayInSeoul();
    await page.goto(`${server.url}/console/p/${projectId}/campaigns/${campaigns.push}/stats?from=${day}&to=${day}`);
    await page.getByRole('heading', { name: 'Spring sale push: statistics' }).waitFor();
    await page.getByRole('combobox', { name: 'Language' }).click();
    await page.getByRole('option', { name: '한국어' }).click();
    await page.getByRole('heading', { name: 'Spring sale push: 통계' }).waitFor();
    await settled(page);
    const skips = page.getByTestId('skips');
    expect(await skips.locator('tr[data-metric="skipped__excluded_user_filter"] th').textContent()).toContain('발신 제외 유저로 인한 발송 취소');
    expect(await skips.locator('tr[data-metric="skipped__excluded_user_filter"] [data-testid="count"]').textContent()).toBe('1');
    await page.getByRole('img', { name: '퍼널: 발송 2, 수신 1, 클릭 1, 전환 1' }).waitFor();
    await checkPage('campaign-stats-ko');
    await page.getByRole('combobox', { name: '언어' }).click();
    await page.getByRole('option', { name: 'English' }).click();
  });
});
