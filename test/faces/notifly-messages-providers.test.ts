import { afterEach, describe, expect, it } from 'vitest';
import { computeTwilioSignature } from '../../src/channels/text/twilio.provider.ts';
import { startNhnCloudFake, type NhnCloudFake } from '../fakes/nhn-cloud.fake.ts';
import { startTwilioFake, type TwilioFake } from '../fakes/twilio.fake.ts';
import { configureChannel, deliveriesOf, drain, expectOk, messagingWorld, setUp, totals, type MessagingWorld } from './messaging.helpers.ts';

let w: MessagingWorld;
let nhn: NhnCloudFake | undefined;
let twilio: TwilioFake | undefined;
afterEach(async () => {
  await w?.close();
  await nhn?.close();
  await twilio?.close();
  nhn = twilio = undefined;
});

const text = (body: Record<string, unknown>) => w.notifly('POST', '/messages/text-message', { projectId: w.project.id, ...body });
const resultOf = async (deliveryId: string) => (await w.admin('GET', `/messaging/delivery-results/${deliveryId}`)).body.deliveryResult;
const byAddress = async (campaignId: string) => Object.fromEntries((await deliveriesOf(w, campaignId)).map((d) => [d.address, d]));

describe('text messages through NHN Cloud SMS', () => {
  it('sends SMS and LMS to the fake exactly as NHN documents, then polls the result: delivered, carrier failure, still pending', async () => {
    nhn = await startNhnCloudFake({ appKey: 'SmsAppKey', secretKey: 'SmsSecret' });
    w = await messagingWorld();
    await setUp(w, { senderNumbers: ['1544-6859'] });
    await configureChannel(w, 'text_message', 'nhn-cloud', { appKey: 'SmsAppKey', secretKey: 'SmsSecret', baseUrl: nhn.baseUrl });
    expect(expectOk(await w.admin('GET', '/messaging'), 200).body.textSending).toEqual({ configured: true, vendor: 'nhn-cloud', senderNumbers: 1 });

    nhn.setDelivery('01022223333', { msgStatus: '3', resultCode: '3001', resultCodeName: '결번' });
    nhn.setDelivery('01033334444', { msgStatus: '2' });
    nhn.onRecipient('01044445555', { kind: 'recipient-error', resultCode: -2019, resultMessage: 'Invalid recipient number' });
    expectOk(
      await text({
        type: 'sms',
        body: '인증번호 123456',
        recipientList: [{ recipientNo: '010-1111-2222' }, { recipientNo: '01022223333' }, { recipientNo: '01033334444' }, { recipientNo: '01044445555' }],
      }),
      200,
    );
    expectOk(await text({ type: 'lms', title: '공지', body: '긴 안내문', recipientList: [{ recipientNo: '01055556666' }] }), 200);
    await drain(w);

    expect(nhn.violations).toEqual([]);
    expect(nhn.accepted.map((m) => [m.channel, m.body]).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))).toEqual([
      ['mms', { body: '긴 안내문', sendNo: '15446859', title: '공지', recipientList: [{ recipientNo: '01055556666' }] }],
      ['sms', { body: '인증번호 123456', sendNo: '15446859', recipientList: [{ recipientNo: '01011112222' }] }],
      ['sms', { body: '인증번호 123456', sendNo: '15446859', recipientList: [{ recipientNo: '01022223333' }] }],
      ['sms', { body: '인증번호 123456', sendNo: '15446859', recipientList: [{ recipientNo: '01033334444' }] }],
    ]);
    let d = await byAddress('direct_text');
    expect(d['+821011112222']).toMatchObject({ state: 'sent', metric: 'send_success', provider: 'nhn-cloud' });
    const requestIdOf = (no: string) => nhn!.accepted.find((m) => m.recipientNo === no)!.requestId;
    expect(d['+821011112222'].provider_message_id).toBe(`sms:${requestIdOf('01011112222')}:1`);
    expect(d['+821055556666'].provider_message_id).toBe(`mms:${requestIdOf('01055556666')}:1`);
    expect(d['+821044445555']).toMatchObject({
      state: 'failed',
      metric: 'send_failure',
      reason: 'nhn-cloud-sms: result code -2019 (Invalid recipient number)',
    });
    expect(await resultOf(d['+821011112222'].id)).toMatchObject({ status: 'pending', checks: 0, vendor: 'nhn-cloud' });
    expect(await totals(w, 'direct_text')).toEqual({ send_success: 4, send_failure: 1 });

    // Nothing is asked before the first poll is due (15 s after the send).
    expect(nhn.requests.filter((r) => r.method === 'GET')).toEqual([]);
    w.clock.advance(15_000);
    await drain(w);
    const lookups = nhn.requests.filter((r) => r.method === 'GET');
    expect(lookups.map((r) => `${r.path}?${r.query}`).sort()).toEqual(
      [
        `/sms/v3.0/appKeys/SmsAppKey/sender/mms/${requestIdOf('01055556666')}?recipientSeq=1`,
        ...['01011112222', '01022223333', '01033334444'].map((no) => `/sms/v3.0/appKeys/SmsAppKey/sender/sms/${requestIdOf(no)}?recipientSeq=1`),
      ].sort(),
    );
    d = await byAddress('direct_text');
    expect(await resultOf(d['+821011112222'].id)).toMatchObject({ status: 'delivered', deliveredAt: '2024-05-01T01:00:05.000Z', checks: 1 });
    expect(d['+821011112222'].state).toBe('sent');
    expect(d['+821022223333']).toMatchObject({ state: 'failed', metric: 'send_failure' });
    expect(d['+821022223333'].reason).toMatch(/^carrier_failed: nhn-cloud-sms: .*\(code 3001\)$/);
    expect(await resultOf(d['+821022223333'].id)).toMatchObject({ status: 'failed', code: '3001' });
    expect(await resultOf(d['+821033334444'].id)).toMatchObject({ status: 'pending', checks: 1 });
    // Each message is counted once, under its final outcome, on the day it was sent.
    expect(await totals(w, 'direct_text')).toEqual({ send_success: 3, send_failure: 2 });

    // The pending one is asked again after a minute, and is delivered by then.
    nhn.setDelivery('01033334444', { msgStatus: '3', resultCode: '1000', resultDate: '2025-01-06 10:01:10' });
    w.clock.advance(30_000);
    await drain(w);
    expect(await resultOf(d['+821033334444'].id)).toMatchObject({ status: 'pending', checks: 1 });
    w.clock.advance(30_000);
    await drain(w);
    expect(await resultOf(d['+821033334444'].id)).toMatchObject({ status: 'delivered', deliveredAt: '2025-01-06T01:01:10.000Z', checks: 2 });
    // Final results are not asked for again.
    const asked = nhn.requests.filter((r) => r.method === 'GET').length;
    w.clock.advance(3_600_000);
    await drain(w);
    expect(nhn.requests.filter((r) => r.method === 'GET').length).toBe(asked);
    expect(await totals(w, 'direct_text')).toEqual({ send_success: 3, send_failure: 2 });
  });
});

describe('Kakao messages through NHN Cloud KakaoTalk Bizmessage', () => {
  const SENDER_KEY = 'a'.repeat(40);
  const alimtalk = (body: Record<string, unknown>) => w.notifly('POST', '/messages/kakao-alimtalk', { projectId: w.project.id, ...body });

  it('polls the alimtalk result like SMS, 15 s after the send: delivered, Kakao failure (metric moved), still pending', async () => {
    nhn = await startNhnCloudFake({ appKey: 'KakaoKey', secretKey: 'KakaoSecret' });
    w = await messagingWorld();
    await setUp(w, {
      kakaoChannels: [{ channelId: '@maru', senderKey: SENDER_KEY }],
      templates: [{ templateId: 'welcome', templateCode: 'WELCOME', content: '#{name}님 환영합니다' }],
    });
    await configureChannel(w, 'kakao_alimtalk', 'nhn-bizmessage', { appKey: 'KakaoKey', secretKey: 'KakaoSecret', baseUrl: nhn.baseUrl });
    nhn.setKakaoDelivery('01022223333', { messageStatus: 'FAILED', resultCode: '3018', resultCodeName: '메시지를 전송할 수 없음' });
    nhn.setKakaoDelivery('01033334444', { messageStatus: 'IN_PROGRESS' });
    expectOk(
      await alimtalk({
        templateId: 'welcome',
        recipientList: ['01011112222', '01022223333', '01033334444'].map((recipientNo) => ({ recipientNo, templateParameter: { name: '김' } })),
      }),
      200,
    );
    await drain(w);

    expect(nhn.violations).toEqual([]);
    const requestIdOf = (no: string) => nhn!.accepted.find((m) => m.recipientNo === no)!.requestId;
    let d = await byAddress('direct_alimtalk');
    expect(d['+821011112222']).toMatchObject({
      state: 'sent',
      metric: 'send_success',
      provider: 'nhn-bizmessage',
      provider_message_id: `alimtalk:${requestIdOf('01011112222')}:1`,
    });
    expect(await resultOf(d['+821011112222'].id)).toMatchObject({ status: 'pending', checks: 0, vendor: 'nhn-bizmessage' });
    expect(await totals(w, 'direct_alimtalk')).toEqual({ send_success: 3 });

    // Nothing is asked before the first poll is due.
    w.clock.advance(14_000);
    await drain(w);
    expect(nhn.requests.filter((r) => r.method === 'GET')).toEqual([]);
    w.clock.advance(1_000);
    await drain(w);
    expect(nhn.violations).toEqual([]);
    const lookups = nhn.requests.filter((r) => r.method === 'GET');
    expect(lookups.map((r) => r.path).sort()).toEqual(
      ['01011112222', '01022223333', '01033334444'].map((no) => `/alimtalk/v2.3/appkeys/KakaoKey/messages/${requestIdOf(no)}/1`).sort(),
    );
    expect(lookups.every((r) => r.headers['x-secret-key'] === 'KakaoSecret')).toBe(true);

    d = await byAddress('direct_alimtalk');
    expect(d['+821011112222'].state).toBe('sent');
    expect(await resultOf(d['+821011112222'].id)).toMatchObject({ status: 'delivered', deliveredAt: '2024-05-01T01:00:07.000Z', checks: 1 });
    expect(d['+821022223333']).toMatchObject({
      state: 'failed',
      metric: 'send_failure',
      reason: 'carrier_failed: nhn-bizmessage: delivery failed, result code 3018 (메시지를 전송할 수 없음) (code 3018)',
    });
    expect(await resultOf(d['+821022223333'].id)).toMatchObject({ status: 'failed', code: '3018', checks: 1 });
    expect(await resultOf(d['+821033334444'].id)).toMatchObject({ status: 'pending', checks: 1 });
    // The failure moves the message from send_success to send_failure on its send day, as for SMS.
    expect(await totals(w, 'direct_alimtalk')).toEqual({ send_success: 2, send_failure: 1 });

    // The pending one is asked again a minute later.
    nhn.setKakaoDelivery('01033334444', { messageStatus: 'COMPLETED', resultCode: '1000', receiveDate: '2025-01-06 10:01:10' });
    w.clock.advance(60_000);
    await drain(w);
    expect(await resultOf(d['+821033334444'].id)).toMatchObject({ status: 'delivered', deliveredAt: '2025-01-06T01:01:10.000Z', checks: 2 });
    const asked = nhn.requests.filter((r) => r.method === 'GET').length;
    expect(asked).toBe(4);
    w.clock.advance(3_600_000);
    await drain(w);
    expect(nhn.requests.filter((r) => r.method === 'GET').length).toBe(asked);
    expect(await totals(w, 'direct_alimtalk')).toEqual({ send_success: 2, send_failure: 1 });
  });
});

describe('retries', () => {
  it('retries a temporary NHN failure with the same message after Retry-After, then sends it', async () => {
    nhn = await startNhnCloudFake({ appKey: 'SmsAppKey', secretKey: 'SmsSecret' });
    w = await messagingWorld();
    await setUp(w, { senderNumbers: ['1544-6859'] });
    await configureChannel(w, 'text_message', 'nhn-cloud', { appKey: 'SmsAppKey', secretKey: 'SmsSecret', baseUrl: nhn.baseUrl });
    nhn.onRecipient('01011112222', { kind: 'http-error', status: 503, retryAfter: '30' });
    expectOk(await text({ type: 'sms', body: '다시 시도', recipientList: [{ recipientNo: '01011112222' }] }), 200);
    await drain(w);
    let [d] = await deliveriesOf(w, 'direct_text');
    expect([d.state, d.attempts]).toEqual(['pending', 1]);
    expect(d.reason).toMatch(/^attempt 1 failed \(retrying\): nhn-cloud-sms: /);
    expect(nhn.accepted).toEqual([]);

    nhn.onRecipient('01011112222', { kind: 'accept' });
    w.clock.advance(29_000);
    await drain(w);
    expect((await deliveriesOf(w, 'direct_text'))[0].state).toBe('pending'); // Retry-After is honoured
    w.clock.advance(1_000);
    await drain(w);
    [d] = await deliveriesOf(w, 'direct_text');
    expect([d.state, d.attempts, d.metric]).toEqual(['sent', 2, 'send_success']);
    expect(nhn.requests.filter((r) => r.method === 'POST').map((r) => r.json)).toEqual([
      { body: '다시 시도', sendNo: '15446859', recipientList: [{ recipientNo: '01011112222' }] },
      { body: '다시 시도', sendNo: '15446859', recipientList: [{ recipientNo: '01011112222' }] },
    ]);
    expect(await totals(w, 'direct_text')).toEqual({ send_success: 1 });
  });
});

describe('text messages through Twilio, with status callbacks', () => {
  const ACCOUNT = 'AC' + '0123456789abcdef'.repeat(2);
  const AUTH_TOKEN = 'twilio-auth-token-1';

  async function twilioProject(): Promise<string> {
    twilio = await startTwilioFake({ accountSid: ACCOUNT, username: ACCOUNT, password: AUTH_TOKEN });
    w = await messagingWorld();
    await setUp(w, { senderNumbers: ['02-1234-5678'] });
    const callbackUrl = `https://maru.example.com/callbacks/twilio/${w.project.id}`;
    await configureChannel(w, 'text_message', 'twilio', {
      accountSid: ACCOUNT,
      authToken: AUTH_TOKEN,
      statusCallbackUrl: callbackUrl,
      baseUrl: twilio.baseUrl,
    });
    return callbackUrl;
  }

  const callback = (projectId: string, params: Record<string, string>, signature?: string) =>
    w.t.app.inject({
      method: 'POST',
      url: `/callbacks/twilio/${projectId}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature === undefined ? {} : { 'x-twilio-signature': signature }) },
      payload: new URLSearchParams(params).toString(),
    });

  it('sends through the Twilio fake and takes signed status callbacks: delivered, undelivered; unsigned or forged ones are refused', async () => {
    const url = await twilioProject();
    expectOk(await text({ type: 'sms', body: 'Your code is 1234', recipientList: [{ recipientNo: '010-1111-2222' }, { recipientNo: '01022223333' }] }), 200);
    await drain(w);
    expect(twilio!.violations).toEqual([]);
    expect(twilio!.accepted.map((m) => m.params).sort((a, b) => (a.To < b.To ? -1 : 1))).toEqual([
      { To: '+821011112222', From: '+82212345678', Body: 'Your code is 1234', StatusCallback: url },
      { To: '+821022223333', From: '+82212345678', Body: 'Your code is 1234', StatusCallback: url },
    ]);
    const d = await byAddress('direct_text');
    const sidOf = (to: string) => twilio!.accepted.find((m) => m.params.To === to)!.sid;
    expect(d['+821011112222']).toMatchObject({ state: 'sent', provider: 'twilio', provider_message_id: sidOf('+821011112222') });
    expect(await totals(w, 'direct_text')).toEqual({ send_success: 2 });

    const delivered = { MessageSid: sidOf('+821011112222'), MessageStatus: 'delivered', AccountSid: ACCOUNT, To: '+821011112222' };
    const sign = (params: Record<string, string>, token = AUTH_TOKEN) => computeTwilioSignature({ authToken: token, url, params });

    const unsigned = await callback(w.project.id, delivered);
    expect([unsigned.statusCode, unsigned.json()]).toEqual([403, { error: 'X-Twilio-Signature is missing or does not match' }]);
    const forged = await callback(w.project.id, delivered, sign(delivered, 'another-token'));
    expect(forged.statusCode).toBe(403);
    const tampered = await callback(w.project.id, { ...delivered, MessageStatus: 'failed' }, sign(delivered));
    expect(tampered.statusCode).toBe(403);
    expect(await resultOf(d['+821011112222'].id)).toMatchObject({ status: 'pending' });
    expect((await callback('nosuchproject', delivered, sign(delivered))).statusCode).toBe(404);

    const ok = await callback(w.project.id, delivered, sign(delivered));
    expect([ok.statusCode, ok.body]).toEqual([204, '']);
    expect(await resultOf(d['+821011112222'].id)).toMatchObject({ status: 'delivered', deliveredAt: '2025-01-06T01:00:00.000Z', vendor: 'twilio' });

    const undelivered = { MessageSid: sidOf('+821022223333'), MessageStatus: 'undelivered', ErrorCode: '30005' };
    expect((await callback(w.project.id, undelivered, sign(undelivered))).statusCode).toBe(204);
    const after = await byAddress('direct_text');
    expect(after['+821022223333']).toMatchObject({
      state: 'failed',
      metric: 'send_failure',
      reason: 'carrier_failed: twilio: undelivered, error 30005 (unknown destination handset) (code 30005)',
    });
    expect(after['+821011112222'].state).toBe('sent');
    expect(await totals(w, 'direct_text')).toEqual({ send_success: 1, send_failure: 1 });

    // A late "sent" after the final status changes nothing; a malformed callback is 400.
    const late = { MessageSid: sidOf('+821022223333'), MessageStatus: 'sent' };
    expect((await callback(w.project.id, late, sign(late))).statusCode).toBe(204);
    expect(await resultOf(after['+821022223333'].id)).toMatchObject({ status: 'failed', code: '30005' });
    const malformed = { MessageSid: 'nope', MessageStatus: 'delivered' };
    const bad = await callback(w.project.id, malformed, sign(malformed));
    expect([bad.statusCode, bad.json()]).toEqual([400, { error: 'MessageSid is missing or malformed' }]);
    expect(await totals(w, 'direct_text')).toEqual({ send_success: 1, send_failure: 1 });
  });

  it('keeps a callback that arrives before the send is recorded, and applies it when it is', async () => {
    await twilioProject();
    const early = 'SM' + 'f'.repeat(32);
    expect(
      await w.runtime.deliveryResults.report({
        projectId: w.project.id,
        vendor: 'twilio',
        status: { status: 'failed', providerMessageId: early, code: '30003', reason: 'twilio: undelivered, error 30003' },
      }),
    ).toBe('kept');
    expectOk(await text({ type: 'sms', body: 'hello', recipientList: [{ recipientNo: '01011112222' }] }), 200);
    await drain(w);
    const [d] = await deliveriesOf(w, 'direct_text');
    expect(d.state).toBe('sent');
    // The worker's onSent hook, as it runs when the vendor's answer names that message id.
    const project = await w.runtime.projects.get(w.project.id);
    const delivery = await w.runtime.deliveries.get(w.project.id, d.id);
    await w.runtime.store.write((tx) =>
      w.runtime.deliveryResults.onSent(tx, {
        project,
        delivery: { ...delivery, state: 'sending' },
        vendor: 'twilio',
        providerMessageId: early,
        at: w.clock.now(),
      }),
    );
    const [after] = await deliveriesOf(w, 'direct_text');
    expect([after.state, after.reason]).toEqual(['failed', 'carrier_failed: twilio: undelivered, error 30003 (code 30003)']);
    expect(await totals(w, 'direct_text')).toEqual({ send_failure: 1 });
  });

  it('refuses callbacks for a project that does not send through Twilio', async () => {
    w = await messagingWorld();
    const params = { MessageSid: 'SM' + 'a'.repeat(32), MessageStatus: 'delivered' };
    const r = await callback(
      w.project.id,
      params,
      computeTwilioSignature({ authToken: AUTH_TOKEN, url: `https://maru.example.com/callbacks/twilio/${w.project.id}`, params }),
    );
    expect([r.statusCode, r.json()]).toEqual([404, { error: 'this project does not send text messages through Twilio' }]);
  });
});
