import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSmtpFake, type SmtpFake } from '../fakes/smtp.fake.ts';
import { campaign, channelWorld, deliveries, drain, PUBLIC_URL, totals, user, type ChannelWorld } from '../helpers/channels.ts';

/**
 * Email end to end: a project's SMTP provider configured through the admin API points at a real SMTP server on
 * loopback (smtp-server); API campaign sends go through the delivery pipeline to it.
 */
let w: ChannelWorld;
let smtp: SmtpFake;

beforeEach(async () => {
  smtp = await startSmtpFake({ auth: { user: 'relay-user', pass: 'relay-pass-0123' } });
  w = await channelWorld({ settings: { messaging: { emailFrom: 'news@shop.example', emailFromName: 'Shop', unsubscribeMailto: 'unsubscribe@shop.example' } } });
  const r = await w.admin('PUT', '/channels/email', {
    vendor: 'smtp',
    config: { host: smtp.host, port: smtp.port, secure: false, ignoreTLS: true, pool: false, auth: { user: 'relay-user', pass: 'relay-pass-0123' } },
  });
  expect(r.status, r.text).toBe(200);
});
afterEach(async () => {
  await w?.close();
  await smtp?.close();
});

const HTML = '<html><body><h1>Sale</h1><p>Hello {{ user["name"] }}, see <a href="https://shop.example/sale?a=1&amp;b=2">the sale</a>.</p></body></html>';

async function promo() {
  return campaign(w, {
    name: 'promo',
    channel: 'email',
    consent_class: 'advertising',
    template: { subject: '{{ user["name"] }}님, 세일 시작', html: HTML, text: 'Hello {{ user["name"] }}: https://shop.example/sale' },
  });
}

describe('SMTP email through the pipeline', () => {
  it('sends HTML and text parts from the project sender, with one-click List-Unsubscribe on advertising mail only', async () => {
    await user(w, { userId: 'alice', email: 'Alice@Example.com', properties: { name: 'Alice', df_email_ads_optin: true } });
    const promoId = await promo();
    const receiptId = await campaign(w, { name: 'receipt', channel: 'email', template: { subject: 'Your receipt', text: 'Thanks {{ user["name"] }}' } });

    expect((await w.send(promoId, [{ type: 'user-id', userId: 'alice' }])).status).toBe(200);
    expect((await w.send(receiptId, [{ type: 'user-id', userId: 'alice' }])).status).toBe(200);
    await drain(w);

    expect(smtp.messages).toHaveLength(2);
    const [ad, receipt] = [
      smtp.messages.find((m) => m.header('subject')?.includes('세일'))!,
      smtp.messages.find((m) => m.header('subject') === 'Your receipt')!,
    ];
    expect(ad.authenticatedUser).toBe('relay-user');
    expect(ad.mailFrom).toBe('news@shop.example');
    expect(ad.rcptTo).toEqual(['alice@example.com']);
    expect(ad.header('from')).toBe('Shop <news@shop.example>');
    // Advertising email (정보통신망법 제50조제4항): "(광고)" in front of the subject; the footer names the sender and
    // carries the one-click unsubscribe link of this delivery (text and HTML).
    expect(ad.header('subject')).toBe('(광고) Alice님, 세일 시작');
    expect(ad.contentType).toBe('multipart/alternative');
    const [d] = await deliveries(w, promoId);
    expect(ad.text?.replace(/\r\n/g, '\n').trimEnd()).toMatch(
      new RegExp(
        `^Hello Alice: https://shop\\.example/sale\\ntest project\\n수신거부\\(Unsubscribe\\): https://maru\\.example\\.com/u/${w.project.id}\\.${d.id}\\.[A-Za-z0-9._-]+$`,
      ),
    );
    expect(ad.html).toMatch(
      new RegExp(
        `<p style="font-size:12px;color:#666">test project<br><a href="https://maru\\.example\\.com/u/${w.project.id}\\.${d.id}\\.[A-Za-z0-9._-]+">수신거부\\(Unsubscribe\\)</a></p></body></html>$`,
      ),
    );
    expect(d.state).toBe('sent');
    expect(d.provider).toBe('smtp');
    expect(ad.header('message-id')).toBe(d.provider_message_id);

    // The HTML carries the open pixel and the rewritten link (tracking routes of the campaign engine).
    const pixel = new RegExp(`<img src="${PUBLIC_URL}/t/o/([^"]+)\\.gif"`).exec(ad.html!);
    const link = new RegExp(`href="${PUBLIC_URL}/t/c/([^"?]+)\\?u=([^"]+)"`).exec(ad.html!);
    expect(pixel, ad.html).not.toBeNull();
    expect(link, ad.html).not.toBeNull();
    expect(decodeURIComponent(link![2])).toBe('https://shop.example/sale?a=1&b=2');
    expect(ad.html).not.toContain('href="https://shop.example');

    // RFC 8058 one-click unsubscribe on advertising mail: the HTTPS link first, then the project's mailto.
    const listUnsubscribe = ad.header('list-unsubscribe')!;
    const m = /^<https:\/\/maru\.example\.com\/u\/([A-Za-z0-9._-]+)>, <mailto:unsubscribe@shop\.example\?subject=unsubscribe%20([A-Za-z0-9._-]+)>$/.exec(
      listUnsubscribe,
    );
    expect(m, listUnsubscribe).not.toBeNull();
    expect(m![2]).toBe(m![1]);
    expect(m![1].startsWith(`${w.project.id}.${d.id}.`)).toBe(true);
    expect(ad.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');

    // Informational mail: text only, no List-Unsubscribe.
    expect(receipt.contentType).toMatch(/^text\/plain/);
    expect(receipt.text?.trimEnd()).toBe('Thanks Alice');
    expect(receipt.header('list-unsubscribe')).toBeUndefined();
    expect(receipt.header('list-unsubscribe-post')).toBeUndefined();
  });

  it('counts email_open and email_click from the pixel and the tracked link of the sent mail', async () => {
    await user(w, { userId: 'alice', email: 'alice@example.com', properties: { name: 'Alice', df_email_ads_optin: true } });
    const id = await promo();
    await w.send(id, [{ type: 'user-id', userId: 'alice' }]);
    await drain(w);
    const html = smtp.messages[0].html!;
    const pixelUrl = new RegExp(`src="${PUBLIC_URL}(/t/o/[^"]+)"`).exec(html)![1];
    const clickUrl = new RegExp(`href="${PUBLIC_URL}(/t/c/[^"]+)"`).exec(html)![1].replace(/&amp;/g, '&');
    expect(await totals(w, id)).toEqual({ send_success: 1, email_send: 1 });

    const open = await w.inject('GET', pixelUrl);
    expect(open.status).toBe(200);
    expect(open.headers['content-type']).toBe('image/gif');
    await w.inject('GET', pixelUrl); // counted once per delivery
    expect(await totals(w, id)).toEqual({ send_success: 1, email_send: 1, email_open: 1 });

    const click = await w.inject('GET', clickUrl);
    expect(click.status).toBe(302);
    expect(click.headers.location).toBe('https://shop.example/sale?a=1&b=2');
    expect(await totals(w, id)).toEqual({ send_success: 1, email_send: 1, email_open: 1, email_click: 1 });
  });

  it('the unsubscribe link withdraws email ad consent (idempotently) and the next advertising mail is skipped', async () => {
    const profileId = await user(w, { userId: 'alice', email: 'alice@example.com', properties: { name: 'Alice', df_email_ads_optin: true } });
    const id = await promo();
    const receiptId = await campaign(w, { name: 'receipt', channel: 'email', template: { subject: 'Your receipt', text: 'Thanks' } });
    await w.send(id, [{ type: 'user-id', userId: 'alice' }]);
    await drain(w);
    const token = /\/u\/([A-Za-z0-9._-]+)>/.exec(smtp.messages[0].header('list-unsubscribe')!)![1];
    const consent = async () => (await w.runtime.profiles.get(w.project.id, profileId))!.properties.df_email_ads_optin;

    // GET shows a confirmation button and changes nothing (link scanners follow GETs).
    const page = await w.inject('GET', `/u/${token}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain(`<form method="post" action="/u/${token}">`);
    expect(await consent()).toBe(true);

    // A forged or altered token does nothing.
    const forged = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect((await w.inject('POST', `/u/${forged}`, 'List-Unsubscribe=One-Click', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(404);
    expect((await w.inject('GET', `/u/${forged}`)).status).toBe(404);
    expect(await consent()).toBe(true);

    // RFC 8058 one-click POST, as a mail client sends it.
    const post = await w.inject('POST', `/u/${token}`, 'List-Unsubscribe=One-Click', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(post.status).toBe(200);
    expect(post.text).toContain('You are unsubscribed');
    expect(await consent()).toBe(false);
    const after = (await w.runtime.profiles.get(w.project.id, profileId))!;
    w.clock.advance(60_000);
    // Again (the page's button, multipart): still 200, nothing rewritten.
    expect(
      (
        await w.inject('POST', `/u/${token}`, '--x\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--x--\r\n', {
          'content-type': 'multipart/form-data; boundary=x',
        })
      ).status,
    ).toBe(200);
    expect((await w.runtime.profiles.get(w.project.id, profileId))!.updatedAt).toBe(after.updatedAt);

    await w.send(id, [{ type: 'user-id', userId: 'alice' }]);
    await w.send(receiptId, [{ type: 'user-id', userId: 'alice' }]);
    await drain(w);
    expect(smtp.messages.map((m) => m.header('subject'))).toEqual(['(광고) Alice님, 세일 시작', 'Your receipt']);
    const second = (await deliveries(w, id)).find((d) => d.state !== 'sent');
    expect(second).toMatchObject({ state: 'skipped', metric: 'skipped__excluded_user_filter', reason: 'no_consent:df_email_ads_optin' });
  });

  it('retries a 4xx rejection and delivers it once; fails a 5xx rejection for good', async () => {
    await user(w, { userId: 'busy', email: 'busy@example.com' });
    await user(w, { userId: 'gone', email: 'gone@example.com' });
    const id = await campaign(w, { name: 'notice', channel: 'email', template: { subject: 'Notice', text: 'hello' } });
    smtp.failRecipient('busy@example.com', 451, '4.7.1 Greylisted, try again later');
    smtp.failRecipient('gone@example.com', 550, '5.1.1 No such user');
    await w.send(id, [
      { type: 'user-id', userId: 'busy' },
      { type: 'user-id', userId: 'gone' },
    ]);
    await drain(w);

    let list = await deliveries(w, id);
    const busy = () => list.find((d) => d.address === 'busy@example.com');
    const gone = () => list.find((d) => d.address === 'gone@example.com');
    expect(busy()).toMatchObject({ state: 'pending', attempts: 1 });
    expect(busy().reason).toMatch(/^attempt 1 failed \(retrying\): SMTP 451 at RCPT TO: 451 4\.7\.1 Greylisted/);
    expect(gone()).toMatchObject({ state: 'failed', attempts: 1, metric: 'send_failure' });
    expect(gone().reason).toMatch(/^SMTP 550 at RCPT TO: 550 5\.1\.1 No such user/);
    expect(gone().provider_response).toMatchObject({ ok: false, retryable: false, invalidRecipient: true });
    expect(smtp.messages).toHaveLength(0);

    smtp.clearFailures();
    w.clock.advance(3_600_000);
    await drain(w);
    list = await deliveries(w, id);
    expect(busy()).toMatchObject({ state: 'sent', attempts: 2, metric: 'send_success' });
    expect(gone()).toMatchObject({ state: 'failed', attempts: 1 });
    expect(smtp.messages.map((m) => m.rcptTo)).toEqual([['busy@example.com']]);
    expect(await totals(w, id)).toEqual({ send_success: 1, email_send: 1, send_failure: 1 });
  });
});

describe('sender', () => {
  it("uses the SMTP config's from when neither the template nor the project settings name a sender", async () => {
    const relay = await startSmtpFake();
    const v = await channelWorld();
    try {
      expect(
        (
          await v.admin('PUT', '/channels/email', {
            vendor: 'smtp',
            config: {
              host: relay.host,
              port: relay.port,
              ignoreTLS: true,
              pool: false,
              from: { address: 'hello@brand.example', name: 'Brand' },
              envelopeFrom: 'bounces@brand.example',
            },
          })
        ).status,
      ).toBe(200);
      await user(v, { userId: 'u', email: 'u@example.com' });
      const plain = await campaign(v, { name: 'plain', channel: 'email', template: { subject: 'a', text: 'x' } });
      const own = await campaign(v, {
        name: 'own',
        channel: 'email',
        template: { subject: 'b', text: 'y', from_address: 'team@brand.example', from_name: 'Team' },
      });
      await v.send(plain, [{ type: 'user-id', userId: 'u' }]);
      await v.send(own, [{ type: 'user-id', userId: 'u' }]);
      await drain(v);
      const from = Object.fromEntries(relay.messages.map((m) => [m.header('subject'), [m.header('from'), m.mailFrom]]));
      expect(from).toEqual({ a: ['Brand <hello@brand.example>', 'bounces@brand.example'], b: ['Team <team@brand.example>', 'bounces@brand.example'] });
    } finally {
      await v.close();
      await relay.close();
    }
  });
});
