import { afterEach, describe, expect, it } from 'vitest';
import { adminHeaders } from '../helpers/app.ts';
import { signedIn, type ConsoleClient } from '../helpers/console.ts';
import { deliveriesOf, drain, expectOk, hangul, messagingWorld, outboxOf, setUp, type MessagingWorld, type Reply } from './messaging.helpers.ts';

/**
 * The admin API's direct sends and 080 block list (src/faces/admin/messaging.routes.ts, what the console's "Text and
 * Kakao" page calls): success and refusal of each route, on real SQLite; the same input through the admin route and
 * the Notifly face stores the same delivery (and the same block-list entry); a viewer reads but cannot send or change.
 */
let w: MessagingWorld;
afterEach(async () => {
  await w?.close();
});

const ADVERTISER = { senderName: '마루샵', optOutNumber: '080-123-4567' };
const TEMPLATE = {
  templateId: 'order',
  templateCode: 'ORDER01',
  content: '#{name}님, 주문 #{order}이 접수되었습니다.',
  buttons: [{ type: 'WL', name: '주문 보기', linkMo: 'https://m.example.com/o' }],
};

async function ready(): Promise<void> {
  w = await messagingWorld({ settings: { advertising: ADVERTISER } });
  await setUp(w, {
    senderNumbers: ['1544-6859', '02-123-4567'],
    sandboxTextSending: true,
    kakaoChannels: [{ channelId: '@maru', senderKey: 'KEY1' }],
    templates: [TEMPLATE],
  });
}

/** What a stored delivery is, without what differs between two sends (ids, request ids, times). */
const essence = (d: any) => ({
  campaign_id: d.campaign_id,
  channel: d.channel,
  address: d.address,
  recipient: d.recipient,
  trigger: d.trigger,
  state: d.state,
  metric: d.metric,
  rendered: d.rendered,
});

async function viewer(): Promise<ConsoleClient> {
  return signedIn(w.t.app, w.runtime, { email: 'viewer@example.com', roles: [{ projectId: w.project.id, role: 'viewer' }] });
}
const asJson = (r: { statusCode: number; body: string }): Reply => ({
  status: r.statusCode,
  body: r.body ? JSON.parse(r.body) : undefined,
  headers: {},
  raw: r.body,
});

describe('admin API: direct sends (/messaging/text-messages, /alimtalk, /friendtalk)', () => {
  it('sends a text message: 201 with the plan; the stored delivery is the one the Notifly face stores for the same input', async () => {
    await ready();
    const r = expectOk(
      await w.admin('POST', '/messaging/text-messages', {
        kind: 'lms',
        title: '공지',
        body: '긴 본문',
        from: '02-123-4567',
        recipients: [{ to: '010-1234-5678' }],
      }),
      201,
    );
    expect(r.body).toMatchObject({ campaignId: 'direct_text', created: 1, queued: 1, existing: 0, duplicates: 0, unreachable: 0 });
    expect(r.body.requestId).toMatch(/^direct:text:/);
    expectOk(
      await w.notifly('POST', '/messages/text-message', {
        projectId: w.project.id,
        type: 'lms',
        title: '공지',
        body: '긴 본문',
        sendNo: '02-123-4567',
        recipientList: [{ recipientNo: '010-1234-5678' }],
      }),
      200,
    );
    const [viaAdmin, viaNotifly] = await deliveriesOf(w, 'direct_text');
    expect(essence(viaAdmin)).toEqual(essence(viaNotifly));
    expect(viaAdmin.rendered).toEqual({ message: { kind: 'lms', body: '긴 본문', from: '021234567', title: '공지' } });
    await drain(w);
    expect((await outboxOf(w, 'direct_text')).map((o) => o.message)).toEqual([
      { kind: 'lms', from: '021234567', to: '+821012345678', title: '공지', body: '긴 본문' },
      { kind: 'lms', from: '021234567', to: '+821012345678', title: '공지', body: '긴 본문' },
    ]);
  });

  it('derives the kind from the text as sent when none is given, and marks advertising as the Notifly face does', async () => {
    await ready();
    expectOk(await w.admin('POST', '/messaging/text-messages', { body: hangul(45), recipients: [{ to: '01011112222' }] }), 201);
    expectOk(await w.admin('POST', '/messaging/text-messages', { body: hangul(46), recipients: [{ to: '01011113333' }] }), 201);
    const kinds = (await deliveriesOf(w, 'direct_text')).map((d) => [d.recipient.value, d.rendered.message.kind]);
    expect(kinds.sort()).toEqual([
      ['01011112222', 'sms'],
      ['01011113333', 'lms'],
    ]);
    // Advertising: the same marked text through both faces; 20 Hangul fit an SMS alone, not with the marking.
    expectOk(
      await w.admin('POST', '/messaging/text-messages', { kind: 'lms', body: '봄 세일 20%', advertising: true, recipients: [{ to: '01022223333' }] }),
      201,
    );
    expectOk(
      await w.notifly('POST', '/messages/text-message', {
        projectId: w.project.id,
        type: 'lms',
        body: '봄 세일 20%',
        isAd: true,
        recipientList: [{ recipientNo: '01022223333' }],
      }),
      200,
    );
    const [a, n] = await deliveriesOf(w, 'direct_text_ad');
    expect(essence(a)).toEqual(essence(n));
    expect(a.rendered.message.body).toBe('(광고) 마루샵 봄 세일 20%\n무료수신거부 080-123-4567');
  });

  it('refuses what the core refuses, naming the admin field, and what the schema refuses, recording nothing', async () => {
    await ready();
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ kind: 'sms', body: hangul(46), recipients: [{ to: '01012345678' }] }, 'body', /^body is 92 bytes; SMS allows at most 90 bytes/],
      [{ body: 'hi', from: '0299998888', recipients: [{ to: '01012345678' }] }, 'from', /^from 0299998888 is not a registered sender number/],
      [{ body: 'hi', recipients: [{ to: 'nobody' }] }, 'recipients[0].to', /^recipients\[0\]\.to "nobody" is not a phone number/],
      [{ body: 'hi', recipients: [] }, 'recipients', /^recipients must not be empty/],
      [{ kind: 'fax', body: 'hi', recipients: [{ to: '01012345678' }] }, 'kind', /^kind /],
      [{ body: 'hi', recipients: [{ to: '01012345678' }], isAd: true }, 'isAd', /^isAd is not a field of this request; use /],
    ];
    for (const [body, field, message] of cases) {
      const r = await w.admin('POST', '/messaging/text-messages', body);
      expect([r.status, r.body.error.code, r.body.error.field], JSON.stringify(body)).toEqual([400, 'invalid_input', field]);
      expect(r.body.error.message).toMatch(message);
    }
    expect(await deliveriesOf(w, 'direct_text').catch(() => [])).toEqual([]);
  });

  it('previews a text as it would be sent: kind, marked text, carrier bytes, limits and problems; nothing is recorded', async () => {
    await ready();
    const short = expectOk(await w.admin('POST', '/messaging/text-messages/preview', { body: hangul(45) }), 200).body;
    expect(short).toEqual({
      kind: 'sms',
      kindDerived: true,
      body: hangul(45),
      advertising: false,
      bytes: 90,
      limitBytes: 90,
      titleBytes: 0,
      titleLimitBytes: null,
      from: '15446859',
      problems: [],
    });
    expect(expectOk(await w.admin('POST', '/messaging/text-messages/preview', { body: `${hangul(45)}a` }), 200).body).toMatchObject({
      kind: 'lms',
      bytes: 91,
      limitBytes: 2000,
      titleLimitBytes: 40,
    });
    const ad = expectOk(await w.admin('POST', '/messaging/text-messages/preview', { kind: 'sms', body: hangul(30), advertising: true }), 200).body;
    expect(ad.body).toBe(`(광고) 마루샵 ${hangul(30)}\n무료수신거부 080-123-4567`);
    expect(ad.problems).toEqual([
      {
        field: 'body',
        code: 'too_long',
        message: `body is ${ad.bytes} bytes; SMS allows at most 90 bytes (EUC-KR/CP949 bytes as Korean carriers count them: Hangul 2, ASCII 1) (the advertising marking and opt-out line included)`,
        limitBytes: 90,
        actualBytes: ad.bytes,
      },
    ]);
    // The preview says what the send would answer.
    const refused = await w.admin('POST', '/messaging/text-messages', {
      kind: 'sms',
      body: hangul(30),
      advertising: true,
      recipients: [{ to: '01012345678' }],
    });
    expect([refused.status, refused.body.error.message]).toEqual([400, ad.problems[0].message]);
    const bad = await w.admin('POST', '/messaging/text-messages/preview', { body: '' });
    expect([bad.status, bad.body.error.field]).toEqual([400, 'body']);
  });

  it('sends an alimtalk with parameters and SMS failover: the same stored delivery as the Notifly face; a missing parameter is refused naming it', async () => {
    await ready();
    const admin = expectOk(
      await w.admin('POST', '/messaging/alimtalk', {
        templateId: 'order',
        recipients: [{ to: '01012345678', parameters: { name: '홍길동', order: 'A-1' }, failover: { enabled: true } }],
      }),
      201,
    );
    expect(admin.body).toMatchObject({ campaignId: 'direct_alimtalk', created: 1 });
    expectOk(
      await w.notifly('POST', '/messages/kakao-alimtalk', {
        projectId: w.project.id,
        templateId: 'order',
        recipientList: [{ recipientNo: '01012345678', templateParameter: { name: '홍길동', order: 'A-1' }, resendParameter: { isResend: true } }],
      }),
      200,
    );
    const [a, n] = await deliveriesOf(w, 'direct_alimtalk');
    expect(essence(a)).toEqual(essence(n));
    expect(a.rendered.message.content).toBe('홍길동님, 주문 A-1이 접수되었습니다.');
    expect(a.rendered.failover).toEqual({ kind: 'sms', body: '홍길동님, 주문 A-1이 접수되었습니다.\n주문 보기 - https://m.example.com/o', from: '15446859' });

    const missing = await w.admin('POST', '/messaging/alimtalk', { templateId: 'order', recipients: [{ to: '01012345678', parameters: { name: '홍길동' } }] });
    expect([missing.status, missing.body.error.field, missing.body.error.message]).toEqual([
      400,
      'recipients[0].parameters',
      'recipients[0].parameters has no value for #{order} of template order',
    ]);
    const unknown = await w.admin('POST', '/messaging/alimtalk', { templateId: 'nope', recipients: [{ to: '01012345678' }] });
    expect([unknown.status, unknown.body.error.field]).toEqual([400, 'templateId']);
  });

  it('sends a friendtalk (advertising marked) as the Notifly face does; an empty text is refused', async () => {
    await ready();
    expectOk(await w.admin('POST', '/messaging/friendtalk', { advertising: true, recipients: [{ to: '01012345678', text: '신상품 안내' }] }), 201);
    expectOk(
      await w.notifly('POST', '/messages/kakao-friendtalk', {
        projectId: w.project.id,
        messageType: 'text',
        isAd: true,
        recipientList: [{ recipientNo: '01012345678', content: { text: '신상품 안내' } }],
      }),
      200,
    );
    const [a, n] = await deliveriesOf(w, 'direct_friendtalk_ad');
    expect(essence(a)).toEqual(essence(n));
    expect(a.rendered.message.text).toBe('(광고) 마루샵 신상품 안내\n수신거부: 채널 차단');
    const empty = await w.admin('POST', '/messaging/friendtalk', { recipients: [{ to: '01012345678', text: '' }] });
    expect([empty.status, empty.body.error.field]).toEqual([400, 'recipients[0].text']);
  });

  it('an Idempotency-Key makes a retried admin send record nothing twice (the first answer again)', async () => {
    await ready();
    const send = () =>
      w.t.app.inject({
        method: 'POST',
        url: `/admin/v1/projects/${w.project.id}/messaging/text-messages`,
        headers: { ...adminHeaders, 'idempotency-key': 'order-42' },
        payload: { body: '접수', recipients: [{ to: '01012345678' }] },
      });
    const first = await send();
    const again = await send();
    expect([first.statusCode, again.statusCode]).toEqual([201, 201]);
    // The retry gets the first answer again.
    expect(again.json()).toEqual(first.json());
    expect(await deliveriesOf(w, 'direct_text')).toHaveLength(1);
  });
});

describe('admin API: the 080 block list (/messaging/blocklist)', () => {
  it('registers up to 10 numbers, finds them with filters and pages, removes one; the entry is the one the Notifly face stores', async () => {
    await ready();
    const r = expectOk(await w.admin('POST', '/messaging/blocklist', { unsubscribeNo: '080-123-4567', recipientNos: ['010-1111-0001', '01011110002'] }), 201);
    expect(r.body).toEqual({ added: 2 });
    w.clock.advance(60_000);
    expectOk(
      await w.notifly('POST', `/projects/${w.project.id}/messages/text-message/blockservice/recipients`, {
        unsubscribeNo: '0801234567',
        recipientNoList: ['010-1111-0003'],
      }),
      200,
    );
    const all = expectOk(await w.admin('GET', '/messaging/blocklist?unsubscribeNo=0801234567&pageSize=2'), 200).body;
    expect(all).toEqual({
      page: 1,
      pageSize: 2,
      totalCount: 3,
      timezone: 'Asia/Seoul',
      entries: [
        { unsubscribeNo: '0801234567', recipientNo: '01011110003', requestedAt: '2025-01-06T01:01:00.000Z' },
        { unsubscribeNo: '0801234567', recipientNo: '01011110001', requestedAt: '2025-01-06T01:00:00.000Z' },
      ],
    });
    expect(expectOk(await w.admin('GET', '/messaging/blocklist?unsubscribeNo=0801234567&pageSize=2&page=2'), 200).body.entries).toEqual([
      { unsubscribeNo: '0801234567', recipientNo: '01011110002', requestedAt: '2025-01-06T01:00:00.000Z' },
    ]);
    // The same entries through the Notifly face.
    const notifly = expectOk(
      await w.notifly('GET', `/projects/${w.project.id}/messages/text-message/blockservice/recipients?unsubscribeNo=0801234567`),
      200,
    ).body;
    expect(notifly.data.map((d: any) => d.recipientNo)).toEqual(['01011110003', '01011110001', '01011110002']);
    // Filters: a recipient, and request times in project time (10:00 KST is 01:00 UTC).
    expect(expectOk(await w.admin('GET', '/messaging/blocklist?unsubscribeNo=0801234567&recipientNo=010-1111-0002'), 200).body.totalCount).toBe(1);
    const from = encodeURIComponent('2025-01-06 10:01:00');
    expect(
      expectOk(await w.admin('GET', `/messaging/blocklist?unsubscribeNo=0801234567&from=${from}`), 200).body.entries.map((e: any) => e.recipientNo),
    ).toEqual(['01011110003']);
    const to = encodeURIComponent('2025-01-06 10:00:59');
    expect(expectOk(await w.admin('GET', `/messaging/blocklist?unsubscribeNo=0801234567&to=${to}`), 200).body.totalCount).toBe(2);

    expect((await w.admin('DELETE', '/messaging/blocklist/0801234567/01011110001')).status).toBe(204);
    expect(expectOk(await w.admin('GET', '/messaging/blocklist?unsubscribeNo=0801234567'), 200).body.totalCount).toBe(2);
  });

  it('refuses a registration naming the bad number (nothing registered), more than 10, and bad filters', async () => {
    await ready();
    const bad = await w.admin('POST', '/messaging/blocklist', { unsubscribeNo: '0801234567', recipientNos: ['01011110001', '12-34', '01011110003'] });
    expect([bad.status, bad.body.error.field, bad.body.error.message]).toEqual([
      400,
      'recipientNos[1]',
      'recipientNos[1] "12-34" is not a phone number (7-20 digits)',
    ]);
    expect(expectOk(await w.admin('GET', '/messaging/blocklist?unsubscribeNo=0801234567'), 200).body.totalCount).toBe(0);
    const many = await w.admin('POST', '/messaging/blocklist', {
      unsubscribeNo: '0801234567',
      recipientNos: Array.from({ length: 11 }, (_, i) => `0101111${String(i).padStart(4, '0')}`),
    });
    expect([many.status, many.body.error.field]).toEqual([400, 'recipientNos']);
    const date = await w.admin('GET', `/messaging/blocklist?unsubscribeNo=0801234567&from=${encodeURIComponent('2025-13-01 00:00:00')}`);
    expect([date.status, date.body.error.field]).toEqual([400, 'from']);
    const page = await w.admin('GET', '/messaging/blocklist?unsubscribeNo=0801234567&pageSize=1001');
    expect([page.status, page.body.error.field]).toEqual([400, 'pageSize']);
    const removeBad = await w.admin('DELETE', '/messaging/blocklist/0801234567/not-a-number');
    expect([removeBad.status, removeBad.body.error.field]).toEqual([400, 'recipientNo']);
    const none = await w.admin('GET', '/messaging/blocklist');
    expect([none.status, none.body.error.field]).toEqual([400, 'unsubscribeNo']);
  });
});

describe('admin API: alimtalk templates as the console lists them', () => {
  it('lists each template with its variables, the channel it goes out from and its status', async () => {
    w = await messagingWorld();
    expectOk(await w.admin('POST', '/messaging/alimtalk-templates', { templateId: 'bare', templateCode: 'B1', content: '#{a} and #{b} and #{a}' }), 201);
    let list = expectOk(await w.admin('GET', '/messaging/alimtalk-templates'), 200).body.alimtalkTemplates;
    expect(list.map((t: any) => [t.templateId, t.variables, t.sendsFrom, t.status])).toEqual([['bare', ['a', 'b'], null, 'no_channel']]);
    await setUp(w, { kakaoChannels: [{ channelId: '@maru', senderKey: 'K' }] });
    list = expectOk(await w.admin('GET', '/messaging/alimtalk-templates'), 200).body.alimtalkTemplates;
    expect(list.map((t: any) => [t.templateId, t.sendsFrom, t.status])).toEqual([['bare', '@maru', 'ready']]);
  });
});

describe('admin API: roles on the messaging page', () => {
  it('a viewer reads the lists and the preview but cannot send, register or remove (403, nothing changes); a marketer can send', async () => {
    await ready();
    expectOk(await w.admin('POST', '/messaging/blocklist', { unsubscribeNo: '0801234567', recipientNos: ['01011110001'] }), 201);
    const v = await viewer();
    const base = `/admin/v1/projects/${w.project.id}/messaging`;
    for (const url of [`${base}/sender-numbers`, `${base}/kakao-channels`, `${base}/alimtalk-templates`, `${base}/blocklist?unsubscribeNo=0801234567`]) {
      expect((await v.request({ method: 'GET', url })).statusCode, url).toBe(200);
    }
    expect((await v.request({ method: 'POST', url: `${base}/text-messages/preview`, payload: { body: 'hi' } })).statusCode).toBe(200);
    const refused: [string, string, unknown][] = [
      ['POST', `${base}/text-messages`, { body: 'hi', recipients: [{ to: '01012345678' }] }],
      ['POST', `${base}/alimtalk`, { templateId: 'order', recipients: [{ to: '01012345678', parameters: { name: 'a', order: 'b' } }] }],
      ['POST', `${base}/friendtalk`, { recipients: [{ to: '01012345678', text: 'hi' }] }],
      ['POST', `${base}/blocklist`, { unsubscribeNo: '0801234567', recipientNos: ['01011110002'] }],
      ['DELETE', `${base}/blocklist/0801234567/01011110001`, undefined],
    ];
    for (const [method, url, payload] of refused) {
      const r = asJson(await v.request({ method, url, ...(payload !== undefined ? { payload } : {}) }));
      expect([r.status, r.body.error.code], `${method} ${url}`).toEqual([403, 'forbidden']);
    }
    expect(await deliveriesOf(w, 'direct_text').catch(() => [])).toEqual([]);
    expect(expectOk(await w.admin('GET', '/messaging/blocklist?unsubscribeNo=0801234567'), 200).body.totalCount).toBe(1);

    const m = await signedIn(w.t.app, w.runtime, { email: 'marketer@example.com', roles: [{ projectId: w.project.id, role: 'marketer' }] });
    const sent = await m.request({ method: 'POST', url: `${base}/text-messages`, payload: { body: 'hi', recipients: [{ to: '01012345678' }] } });
    expect(sent.statusCode).toBe(201);
  });
});
