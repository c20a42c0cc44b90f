import { afterEach, describe, expect, it } from 'vitest';
import { addUser, deliveriesOf, drain, expectOk, hangul, messagingWorld, outboxOf, setUp, totals, type MessagingWorld } from './messaging.helpers.ts';

let w: MessagingWorld;
afterEach(async () => {
  await w?.close();
});

const PATH = '/messages/text-message';
const send = (body: Record<string, unknown>, headers: Record<string, string> = {}) => w.notifly('POST', PATH, { projectId: w.project.id, ...body }, headers);
const sms = (body: string, extra: Record<string, unknown> = {}) => send({ type: 'sms', body, recipientList: [{ recipientNo: '01012345678' }], ...extra });

/** A project that may send text messages: one sender number, and the sandbox accepted as its text provider. */
const ADVERTISER = { senderName: '마루샵', optOutNumber: '080-123-4567' };

async function ready(settings: Record<string, unknown> = { advertising: ADVERTISER }): Promise<void> {
  w = await messagingWorld({ settings });
  await setUp(w, { senderNumbers: ['1544-6859', '02-123-4567'], sandboxTextSending: true });
}

describe('POST /messages/text-message', () => {
  it('sends the seed sample: {"success":true}, one delivery per recipient recorded before sending, sent through the project provider and counted', async () => {
    await ready();
    const r = await w.notifly('POST', PATH, {
      projectId: w.project.id,
      type: 'sms',
      body: 'Message Body',
      recipientList: [{ recipientNo: '01012345678' }, { recipientNo: '01045671234' }],
    });
    expect(r.status).toBe(200);
    expect(r.raw).toBe('{"success":true}');
    expect(r.headers['x-maru-request-id']).toMatch(/^direct:text:/);

    let deliveries = await deliveriesOf(w, 'direct_text');
    expect(deliveries.map((d) => [d.address, d.state, d.trigger, d.recipient.value])).toEqual([
      ['+821012345678', 'pending', 'direct', '01012345678'],
      ['+821045671234', 'pending', 'direct', '01045671234'],
    ]);
    expect(await outboxOf(w, 'direct_text')).toEqual([]);

    await drain(w);
    deliveries = await deliveriesOf(w, 'direct_text');
    expect(deliveries.map((d) => [d.address, d.state, d.metric, d.provider])).toEqual([
      ['+821012345678', 'sent', 'send_success', 'sandbox'],
      ['+821045671234', 'sent', 'send_success', 'sandbox'],
    ]);
    const outbox = await outboxOf(w, 'direct_text');
    expect(outbox.map((o) => o.message).sort((a, b) => (a.to < b.to ? -1 : 1))).toEqual([
      { kind: 'sms', from: '15446859', to: '+821012345678', body: 'Message Body' },
      { kind: 'sms', from: '15446859', to: '+821045671234', body: 'Message Body' },
    ]);
    expect(await totals(w, 'direct_text')).toEqual({ send_success: 2 });
    // The implicit campaign is listed like any other, and the campaign send endpoint refuses it.
    const campaign = expectOk(await w.admin('GET', '/campaigns/direct_text'), 200).body.campaign;
    expect(campaign).toMatchObject({ id: 'direct_text', channel: 'text_message', consent_class: 'informational', status: 'active' });
    const viaCampaign = await w.notifly('POST', `/campaign/${w.project.id}/direct_text/send`, {
      recipients: [{ type: 'phone-number', phoneNumber: '01012345678' }],
    });
    expect(viaCampaign.status).toBe(400);
    expect(viaCampaign.body.error).toContain('holds direct messages');
  });

  it('sends LMS and MMS with their title from the chosen registered sender number; an SMS title is ignored', async () => {
    await ready();
    expectOk(await send({ type: 'lms', title: '공지', body: '긴 본문', sendNo: '021234567', recipientList: [{ recipientNo: '010-2222-3333' }] }), 200);
    expectOk(await send({ type: 'MMS', title: '사진', body: '본문', sendNo: '02-123-4567', recipientList: [{ recipientNo: '01044445555' }] }), 200);
    expectOk(await send({ type: 'sms', title: 'ignored', body: '짧은 문자', recipientList: [{ recipientNo: '01066667777' }] }), 200);
    await drain(w);
    const messages = (await outboxOf(w, 'direct_text')).map((o) => o.message).sort((a, b) => (a.to < b.to ? -1 : 1));
    expect(messages).toEqual([
      { kind: 'lms', from: '021234567', to: '+821022223333', title: '공지', body: '긴 본문' },
      { kind: 'mms', from: '021234567', to: '+821044445555', title: '사진', body: '본문' },
      { kind: 'sms', from: '15446859', to: '+821066667777', body: '짧은 문자' },
    ]);
  });

  it('counts bytes as Korean carriers do (EUC-KR/CP949): 45 Hangul is an SMS, 46 is a 400 naming the 90-byte limit; LMS 2,000 bytes, title 40 bytes', async () => {
    await ready();
    expect((await sms(hangul(45))).status).toBe(200);
    expect((await sms('a'.repeat(90))).status).toBe(200);
    expect((await sms(hangul(44) + 'ab')).status).toBe(200);

    const over = await sms(hangul(46));
    expect(over.status).toBe(400);
    expect(over.body).toEqual({ error: 'body is 92 bytes; SMS allows at most 90 bytes (EUC-KR/CP949 bytes as Korean carriers count them: Hangul 2, ASCII 1)' });
    expect((await sms('a'.repeat(91))).body.error).toMatch(/^body is 91 bytes; SMS allows at most 90 bytes/);
    expect((await sms(hangul(45) + 'a')).body.error).toMatch(/^body is 91 bytes/);

    const lms = (body: string, title = '제목') => send({ type: 'lms', title, body, recipientList: [{ recipientNo: '01012345678' }] });
    expect((await lms(hangul(1000))).status).toBe(200);
    expect((await lms(hangul(1000) + 'a')).body).toEqual({
      error: 'body is 2001 bytes; LMS allows at most 2000 bytes (EUC-KR/CP949 bytes as Korean carriers count them: Hangul 2, ASCII 1)',
    });
    expect((await lms('본문', hangul(20))).status).toBe(200);
    expect((await lms('본문', hangul(20) + 'a')).body).toEqual({
      error: 'title is 41 bytes; LMS allows at most 40 bytes (EUC-KR/CP949 bytes as Korean carriers count them: Hangul 2, ASCII 1)',
    });
    expect((await send({ type: 'mms', title: 't', body: hangul(1001), recipientList: [{ recipientNo: '01012345678' }] })).body.error).toMatch(
      /^body is 2002 bytes; MMS allows at most 2000 bytes/,
    );

    const emoji = await sms('안녕 😀');
    expect(emoji.status).toBe(400);
    expect(emoji.body).toEqual({ error: 'body contains characters Korean carriers cannot send (not in EUC-KR/CP949): 😀' });

    await drain(w);
    // Only the five accepted requests were recorded.
    expect((await deliveriesOf(w, 'direct_text')).length).toBe(5);
  });

  it('answers 400 naming the field for every malformed request, and records nothing', async () => {
    await ready();
    const cases: [Record<string, unknown>, string][] = [
      [{ body: 'x', recipientList: [{ recipientNo: '01012345678' }] }, 'type is required (sms, lms or mms)'],
      [{ type: 'kakao', body: 'x', recipientList: [{ recipientNo: '01012345678' }] }, 'type must be sms, lms or mms (got "kakao")'],
      [{ type: 'sms', recipientList: [{ recipientNo: '01012345678' }] }, 'body is required'],
      [{ type: 'sms', body: 7, recipientList: [{ recipientNo: '01012345678' }] }, 'body must be a string or null'],
      [{ type: 'sms', body: 'x' }, 'recipientList is required'],
      [{ type: 'sms', body: 'x', recipientList: [] }, 'recipientList must not be empty'],
      [
        { type: 'sms', body: 'x', recipientList: [{ recipientNo: '01012345678' }, { recipientNo: 'call me' }] },
        'recipientList[1].recipientNo "call me" is not a phone number',
      ],
      [{ type: 'sms', body: 'x', recipientList: [{}] }, 'recipientList[0].recipientNo is required'],
      [{ type: 'sms', body: 'x', recipientList: [{ recipientNo: '0'.repeat(21) }] }, 'recipientList[0].recipientNo is 21 characters; at most 20'],
      [
        { type: 'sms', body: 'x', sendNo: '0311112222', recipientList: [{ recipientNo: '01012345678' }] },
        'sendNo 0311112222 is not a registered sender number of this project (registered: 15446859, 021234567)',
      ],
      [{ type: 'sms', body: 'x', isAd: 'yes', recipientList: [{ recipientNo: '01012345678' }] }, 'isAd must be a boolean or null'],
    ];
    for (const [body, error] of cases) {
      const r = await send(body);
      expect([r.status, r.body]).toEqual([400, { error }]);
    }
    const many = await send({
      type: 'sms',
      body: 'x',
      recipientList: Array.from({ length: 1001 }, (_, i) => ({ recipientNo: `010${String(10_000_000 + i)}` })),
    });
    expect([many.status, many.body]).toEqual([400, { error: 'at most 1000 recipients per request, got 1001' }]);
    const thousand = await send({
      type: 'sms',
      body: 'x',
      recipientList: Array.from({ length: 1000 }, (_, i) => ({ recipientNo: `010${String(10_000_000 + i)}` })),
    });
    expect(thousand.status).toBe(200);

    const noProject = await w.notifly('POST', PATH, { type: 'sms', body: 'x', recipientList: [{ recipientNo: '01012345678' }] });
    expect([noProject.status, noProject.body]).toEqual([400, { error: 'projectId is required' }]);
    const otherProject = await w.notifly('POST', PATH, { projectId: 'someoneelse', type: 'sms', body: 'x', recipientList: [{ recipientNo: '01012345678' }] });
    expect([otherProject.status, otherProject.body]).toEqual([404, { error: 'Not found: project someoneelse not found' }]);
    const malformed = await w.t.app.inject({
      method: 'POST',
      url: PATH,
      headers: { authorization: w.token, 'content-type': 'application/json' },
      payload: '{"projectId":',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error).toMatch(/^malformed JSON body/);
    expect((await deliveriesOf(w, 'direct_text')).length).toBe(1000);
  });

  it('is only possible when the project sends text messages itself: 400 explaining what is missing', async () => {
    w = await messagingWorld();
    const noNumber = await sms('hi');
    expect(noNumber.status).toBe(400);
    expect(noNumber.body.error).toBe(
      "text messages can be sent only when the project's own text-message sending is configured: no sender number is registered; register one with POST /admin/v1/projects/{projectId}/messaging/sender-numbers or `maru messaging sender-add`",
    );
    await setUp(w, { senderNumbers: ['15446859'] });
    const sandbox = await sms('hi');
    expect(sandbox.body.error).toBe(
      "text messages can be sent only when the project's own text-message sending is configured: no text_message provider is configured (the channel uses the sandbox); configure one, or set sandboxTextSending to send text messages to the sandbox outbox",
    );
    expect((await w.admin('GET', '/campaigns/direct_text')).status).toBe(404);
    expect(expectOk(await w.admin('GET', '/messaging'), 200).body.textSending).toEqual({
      configured: false,
      vendor: 'sandbox',
      senderNumbers: 1,
      reason:
        'no text_message provider is configured (the channel uses the sandbox); configure one, or set sandboxTextSending to send text messages to the sandbox outbox',
    });
    await setUp(w, { sandboxTextSending: true });
    expect((await sms('hi')).status).toBe(200);
  });

  it('answers the seed envelope for 401, 405, 413 and 500', async () => {
    await ready();
    const noToken = await w.notifly(
      'POST',
      PATH,
      { projectId: w.project.id, type: 'sms', body: 'x', recipientList: [{ recipientNo: '01012345678' }] },
      { authorization: '' },
    );
    expect(noToken.status).toBe(401);
    expect(Object.keys(noToken.body)).toEqual(['error']);

    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const r = await w.notifly(method, PATH);
      expect([r.status, r.raw, r.headers.allow]).toEqual([405, '{"error":"Method not allowed"}', 'POST']);
    }
    for (const path of ['/messages/kakao-alimtalk', '/messages/kakao-friendtalk']) {
      const r = await w.notifly('PATCH', path, {});
      expect([r.status, r.raw]).toEqual([405, '{"error":"Method not allowed"}']);
    }

    const big = await send({ type: 'lms', title: 't', body: 'x'.repeat(1_100_000), recipientList: [{ recipientNo: '01012345678' }] });
    expect([big.status, big.raw]).toEqual([413, '{"error":"Payload Too Large"}']);

    w.runtime.directMessages.sendText = async () => {
      throw new Error('database on fire');
    };
    const broken = await sms('hi');
    expect([broken.status, broken.raw]).toEqual([500, '{"error":"Internal Server Error"}']);
    expect(broken.headers['x-maru-error-id']).toMatch(/^[0-9a-f]{16}$/);
  });

  it('records a retried request (same Idempotency-Key) once', async () => {
    await ready();
    const body = { type: 'sms', body: 'once', recipientList: [{ recipientNo: '01012345678' }, { recipientNo: '01099998888' }] };
    expectOk(await send(body, { 'idempotency-key': 'order-42' }), 200);
    await drain(w);
    expectOk(await send(body, { 'idempotency-key': 'order-42' }), 200);
    await drain(w);
    expect((await deliveriesOf(w, 'direct_text')).length).toBe(2);
    expect((await outboxOf(w, 'direct_text')).map((o) => o.calls)).toEqual([1, 1]);
    expectOk(await send(body, { 'idempotency-key': 'order-43' }), 200);
    await drain(w);
    expect((await deliveriesOf(w, 'direct_text')).length).toBe(4);
  });
});

describe('the implicit direct_text campaign', () => {
  it('turns direct text messages off while paused: queued deliveries are cancelled, new requests answer 400', async () => {
    await ready();
    expectOk(await sms('queued'), 200);
    expectOk(await w.admin('POST', '/campaigns/direct_text/status', { status: 'paused' }), 200);
    const refused = await sms('refused');
    expect([refused.status, refused.body]).toEqual([
      400,
      { error: 'text (SMS/LMS/MMS) messages are turned off for this project (campaign direct_text is paused)' },
    ]);
    await drain(w);
    expect((await deliveriesOf(w, 'direct_text')).map((d) => [d.state, d.rendered.message.body])).toEqual([['cancelled', 'queued']]);
    expect(await outboxOf(w, 'direct_text')).toEqual([]);
    expectOk(await w.admin('POST', '/campaigns/direct_text/status', { status: 'active' }), 200);
    expectOk(await sms('again'), 200);
    await drain(w);
    expect((await outboxOf(w, 'direct_text')).map((o) => o.message.body)).toEqual(['again']);
  });
});

describe('advertising text messages', () => {
  it('are marked (광고) + sender name ... 무료수신거부 080, go only to opted-in numbers, skip numbers on the 080 block list', async () => {
    await ready();
    await addUser(w.runtime, w.project.id, { userId: 'kim', phone: '010-1111-1111', properties: { df_sms_ads_optin: true } });
    await addUser(w.runtime, w.project.id, { userId: 'lee', phone: '010-2222-2222', properties: { df_sms_ads_optin: true } });
    await addUser(w.runtime, w.project.id, { userId: 'park', phone: '010-3333-3333', properties: { df_sms_ads_optin: false } });
    await addUser(w.runtime, w.project.id, { userId: 'choi', phone: '010-4444-4444', properties: { df_sms_ads_optin: true } });
    // An 080 registration is a refusal: lee's consent is withdrawn (and recorded, source 080).
    const block = await w.notifly('POST', `/projects/${w.project.id}/messages/text-message/blockservice/recipients`, {
      unsubscribeNo: '0808888888',
      recipientNoList: ['01022222222', '01044444444'],
    });
    expect(block.status).toBe(200);
    // choi consents again later (another face), but the number stays on the 080 list: still skipped.
    await w.runtime.profiles.upsert({
      projectId: w.project.id,
      strict: false,
      updates: [{ identifiers: [{ type: 'external_id', value: 'choi' }], properties: { df_sms_ads_optin: true } }],
      source: 'dfinery',
    });

    const recipientList = [{ recipientNo: '01011111111' }, { recipientNo: '01022222222' }, { recipientNo: '01033333333' }, { recipientNo: '01044444444' }];
    expectOk(await send({ type: 'sms', isAd: true, body: '봄 세일 50%', recipientList }), 200);
    await drain(w);

    const deliveries = await deliveriesOf(w, 'direct_text_ad');
    expect(deliveries.map((d) => [d.address, d.state, d.metric, d.reason]).sort()).toEqual([
      ['+821011111111', 'sent', 'send_success', null],
      ['+821022222222', 'skipped', 'skipped__excluded_user_filter', 'no_consent:df_sms_ads_optin'],
      ['+821033333333', 'skipped', 'skipped__excluded_user_filter', 'no_consent:df_sms_ads_optin'],
      ['+821044444444', 'skipped', 'skipped__excluded_user_filter', 'blocked_080: the number is on the 080 block list (unsubscribe number 0808888888)'],
    ]);
    expect((await outboxOf(w, 'direct_text_ad')).map((o) => [o.recipient, o.message.body])).toEqual([
      ['+821011111111', '(광고) 마루샵 봄 세일 50%\n무료수신거부 080-123-4567'],
    ]);
    expect(await totals(w, 'direct_text_ad')).toEqual({ send_success: 1, skipped__excluded_user_filter: 3 });
    const lee = await w.runtime.profiles.findByIdentifier(w.project.id, 'external_id', 'lee');
    const records = expectOk(await w.admin('GET', `/profiles/${lee}/consents`), 200).body.consents;
    expect(records.map((r: any) => [r.property, r.value, r.source])).toEqual([
      ['df_sms_ads_optin', false, '080'],
      ['df_sms_ads_optin', true, 'api'],
    ]);

    // A body that already carries the marking (exactly "(광고)" first) is advertising without isAd, and is not marked
    // twice; a variant ("[광고]") is not the marking.
    await addUser(w.runtime, w.project.id, { userId: 'jung', phone: '010-5555-5555', properties: { df_sms_ads_optin: true } });
    expectOk(
      await send({ type: 'lms', title: '신상품', body: '(광고) 마루샵 신상품\n무료수신거부 080-123-4567', recipientList: [{ recipientNo: '01055555555' }] }),
      200,
    );
    expectOk(await send({ type: 'lms', title: '신상품', isAd: true, body: '[광고] 신상품', recipientList: [{ recipientNo: '01055555555' }] }), 200);
    // An informational message goes to a blocked number, untouched.
    expectOk(await send({ type: 'sms', body: '주문이 접수되었습니다', recipientList: [{ recipientNo: '01022222222' }] }), 200);
    await drain(w);
    expect(
      (await outboxOf(w, 'direct_text_ad'))
        .filter((o) => o.recipient === '+821055555555')
        .map((o) => o.message.body)
        .sort(),
    ).toEqual(['(광고) 마루샵 [광고] 신상품\n무료수신거부 080-123-4567', '(광고) 마루샵 신상품\n무료수신거부 080-123-4567']);
    expect((await outboxOf(w, 'direct_text')).map((o) => [o.recipient, o.message.body])).toEqual([['+821022222222', '주문이 접수되었습니다']]);
  });

  it('carries the sender contact when it differs from the sender number', async () => {
    await ready({ advertising: { ...ADVERTISER, contact: '02-123-4567' } });
    await addUser(w.runtime, w.project.id, { userId: 'kim', phone: '010-1111-1111', properties: { df_sms_ads_optin: true } });
    expectOk(await send({ type: 'sms', isAd: true, body: '세일', sendNo: '1544-6859', recipientList: [{ recipientNo: '01011111111' }] }), 200);
    expectOk(await send({ type: 'sms', isAd: true, body: '특가', sendNo: '02-123-4567', recipientList: [{ recipientNo: '01011111111' }] }), 200);
    await drain(w);
    expect((await outboxOf(w, 'direct_text_ad')).map((o) => [o.message.from, o.message.body]).sort()).toEqual([
      ['021234567', '(광고) 마루샵 특가\n무료수신거부 080-123-4567'],
      ['15446859', '(광고) 마루샵 세일\n문의 02-123-4567\n무료수신거부 080-123-4567'],
    ]);
  });

  it("are refused without the project's 080 number, naming the setting", async () => {
    await ready({});
    const r = await sms('세일', { isAd: true });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(
      /^advertising text messages must end with a free opt-out number \(무료수신거부 080-XXX-XXXX, 정보통신망법 제50조제4항·제6항\), and this project has none/,
    );
    expect((await sms('(광고) 세일')).status).toBe(400);
    expect((await sms('안내')).status).toBe(200);
  });

  it('checks the limits on the text as sent, marking and opt-out line included', async () => {
    await ready();
    // (광고) 마루샵 ... \n무료수신거부 080-123-4567 is 40 bytes: 50 bytes of message fit an SMS.
    const r = await sms(hangul(25) + 'a', { isAd: true });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe(
      'body is 91 bytes; SMS allows at most 90 bytes (EUC-KR/CP949 bytes as Korean carriers count them: Hangul 2, ASCII 1) (the advertising marking and opt-out line included)',
    );
    expect((await sms(hangul(25), { isAd: true })).status).toBe(200);
  });

  it('at night (21:00–08:00 KST) go only to numbers with df_sms_night_ads_optin; the others are skipped', async () => {
    await ready();
    w.clock.set('2025-01-06T13:00:00.000Z'); // 22:00 KST
    await w.reauth();
    await addUser(w.runtime, w.project.id, { userId: 'day', phone: '010-1111-1111', properties: { df_sms_ads_optin: true } });
    await addUser(w.runtime, w.project.id, { userId: 'night', phone: '010-2222-2222', properties: { df_sms_ads_optin: true, df_sms_night_ads_optin: true } });
    expectOk(await send({ type: 'sms', isAd: true, body: '야간 특가', recipientList: [{ recipientNo: '01011111111' }, { recipientNo: '01022222222' }] }), 200);
    expectOk(await send({ type: 'sms', body: '배송 안내', recipientList: [{ recipientNo: '01011111111' }] }), 200);
    await drain(w);
    expect((await deliveriesOf(w, 'direct_text_ad')).map((d) => [d.address, d.state, d.metric, d.reason]).sort()).toEqual([
      ['+821011111111', 'skipped', 'skipped__forbidden_timing_filter', 'night_ads_without_consent'],
      ['+821022222222', 'sent', 'send_success', null],
    ]);
    expect(await totals(w, 'direct_text')).toEqual({ send_success: 1 });
  });
});
