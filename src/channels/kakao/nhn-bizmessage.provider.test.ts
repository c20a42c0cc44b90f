import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startNhnCloudFake } from '../../../test/fakes/nhn-cloud.fake.ts';
import type { NhnCloudFake } from '../../../test/fakes/nhn-cloud.fake.ts';
import type { AlimtalkMessage, FriendtalkMessage } from '../provider.types.ts';
import { createNhnBizmessageProvider } from './nhn-bizmessage.provider.ts';
import type { NhnBizmessageConfig } from './nhn-bizmessage.provider.ts';

const APP_KEY = 'KakaoAppKey42';
const SECRET_KEY = 'kakao-secret-Qw7';
const SENDER_KEY = 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2';

let fake: NhnCloudFake;

beforeEach(async () => {
  fake = await startNhnCloudFake({ appKey: APP_KEY, secretKey: SECRET_KEY });
});
afterEach(async () => {
  await fake.close();
  expect(fake.violations).toEqual([]);
});

function provider(overrides: Partial<NhnBizmessageConfig> = {}) {
  return createNhnBizmessageProvider({
    appKey: APP_KEY,
    secretKey: SECRET_KEY,
    baseUrl: fake.baseUrl,
    allowPrivateNetwork: true,
    ...overrides,
  });
}

const alimtalk = (overrides: Partial<AlimtalkMessage> = {}): AlimtalkMessage => ({
  idempotencyKey: `delivery-${Math.random().toString(36).slice(2)}`,
  senderKey: SENDER_KEY,
  templateCode: 'ORDER_SHIPPED',
  to: '010-1234-5678',
  content: '홍길동님, 주문하신 상품이 발송되었습니다.',
  templateParameter: { 고객명: '홍길동', 'order.id': 'A-1001' },
  ...overrides,
});

const friendtalk = (overrides: Partial<FriendtalkMessage> = {}): FriendtalkMessage => ({
  idempotencyKey: `delivery-${Math.random().toString(36).slice(2)}`,
  senderKey: SENDER_KEY,
  to: '01012345678',
  text: '(광고) 주말 특가 안내',
  isAd: true,
  ...overrides,
});

describe('alimtalk', () => {
  it('posts the documented v2.3 request and returns alimtalk:{requestId}:{recipientSeq}', async () => {
    const message = alimtalk({ senderGroupingKey: 'campaign-7' });
    const result = await provider().sendAlimtalk(message);

    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0];
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/alimtalk/v2.3/appkeys/${APP_KEY}/messages`);
    expect(request.headers['x-secret-key']).toBe(SECRET_KEY);
    expect(request.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(request.headers['x-nc-api-idempotency-key']).toBe(message.idempotencyKey);
    expect(request.json).toEqual({
      senderKey: SENDER_KEY,
      templateCode: 'ORDER_SHIPPED',
      recipientList: [{ recipientNo: '01012345678', templateParameter: { 고객명: '홍길동', 'order.id': 'A-1001' } }],
      senderGroupingKey: 'campaign-7',
    });
    expect(result).toEqual({ ok: true, retryable: false, providerMessageId: `alimtalk:${fake.accepted[0].requestId}:1` });
  });

  it('asks NHN for SMS fallback when resendSendNo is configured', async () => {
    await provider({ resendSendNo: '1544-6859' }).sendAlimtalk(alimtalk());
    expect(fake.requests[0].json).toMatchObject({
      recipientList: [{ resendParameter: { isResend: true, resendSendNo: '15446859' } }],
    });
  });

  it('reports a repeated idempotency key (NHN -1005) as already sent, not as a failure to retry', async () => {
    const message = alimtalk();
    const first = await provider().sendAlimtalk(message);
    const second = await provider().sendAlimtalk(message);
    expect(first.ok).toBe(true);
    expect(second).toMatchObject({ ok: true, retryable: false, reason: expect.stringContaining('-1005') });
    expect(fake.requests).toHaveLength(2);
    expect(fake.accepted).toHaveLength(1);
  });

  it.each([
    [-3010, 'The contents do not match the template.'],
    [-3005, 'Please check template status.'],
    [-3004, 'Please check template parameter.'],
  ])('a template problem (%i) for the recipient is permanent', async (resultCode, resultMessage) => {
    fake.onRecipient('01012345678', { kind: 'recipient-error', resultCode, resultMessage });
    const result = await provider().sendAlimtalk(alimtalk());
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.reason).toContain(String(resultCode));
    expect(result.invalidRecipient).toBeUndefined();
  });

  it('an invalid recipient number (-5000) marks the recipient invalid', async () => {
    fake.onRecipient('01012345678', { kind: 'header-error', resultCode: -5000, resultMessage: 'RecipientNo is invalid.' });
    expect(await provider().sendAlimtalk(alimtalk())).toMatchObject({ ok: false, retryable: false, invalidRecipient: true });
  });

  it('a wrong secret key (-1001) is permanent and the reason does not contain it', async () => {
    const result = await provider({ secretKey: 'leaked-if-you-see-this' }).sendAlimtalk(alimtalk());
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.reason).toContain('-1001');
    expect(result.reason).not.toContain('leaked-if-you-see-this');
  });

  it.each([
    ['HTTP 503 with Retry-After', { kind: 'http-error' as const, status: 503, retryAfter: '12' }, 12_000],
    ['HTTP 429 with Retry-After', { kind: 'http-error' as const, status: 429, retryAfter: '2' }, 2_000],
    ['NHN -9999 system error', { kind: 'header-error' as const, resultCode: -9999 }, undefined],
    ['NHN -7000 Kakao API failure', { kind: 'recipient-error' as const, resultCode: -7000 }, undefined],
  ])('%s is retryable', async (_name, outcome, retryAfterMs) => {
    fake.onRecipient('01012345678', outcome);
    const result = await provider().sendAlimtalk(alimtalk());
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.retryAfterMs).toBe(retryAfterMs);
  });

  it('a timeout is retryable', async () => {
    fake.onRecipient('01012345678', { kind: 'hang', ms: 600 });
    const result = await provider({ timeoutMs: 100 }).sendAlimtalk(alimtalk());
    expect(result).toMatchObject({ ok: false, retryable: true, reason: 'nhn-bizmessage: no response within 100 ms' });
  });

  it('an invalid number is refused without calling NHN', async () => {
    const result = await provider().sendAlimtalk(alimtalk({ to: 'not a number' }));
    expect(result).toMatchObject({ ok: false, retryable: false, invalidRecipient: true });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('friendtalk', () => {
  it('posts the documented v2.4 request with isAd per recipient', async () => {
    const message = friendtalk({ isAd: false, text: '회원님의 포인트가 적립되었습니다.' });
    const result = await provider().sendFriendtalk(message);
    const request = fake.requests[0];
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/friendtalk/v2.4/appkeys/${APP_KEY}/messages`);
    expect(request.headers['x-secret-key']).toBe(SECRET_KEY);
    expect(request.headers['x-nc-api-idempotency-key']).toBe(message.idempotencyKey);
    expect(request.json).toEqual({
      senderKey: SENDER_KEY,
      recipientList: [{ recipientNo: '01012345678', content: '회원님의 포인트가 적립되었습니다.', isAd: false }],
    });
    expect(result).toEqual({ ok: true, retryable: false, providerMessageId: `friendtalk:${fake.accepted[0].requestId}:1` });
  });

  it('sends isAd true for advertising', async () => {
    await provider().sendFriendtalk(friendtalk({ isAd: true }));
    expect(fake.requests[0].json).toMatchObject({ recipientList: [{ isAd: true }] });
  });

  it('maps the retired friendtalk API (-9992) to permanent and 500 to retryable', async () => {
    fake.onRecipient('01012345678', { kind: 'header-error', resultCode: -9992, resultMessage: 'The API is no longer supported.' });
    expect(await provider().sendFriendtalk(friendtalk())).toMatchObject({ ok: false, retryable: false });
    fake.onRecipient('01012345678', { kind: 'http-error', status: 500 });
    expect(await provider().sendFriendtalk(friendtalk())).toMatchObject({ ok: false, retryable: true });
  });
});

describe('delivery results (fetchResult)', () => {
  async function sentAlimtalk(to = '01012345678') {
    const result = await provider().sendAlimtalk(alimtalk({ to }));
    if (!result.ok || !result.providerMessageId) throw new Error(`send failed: ${result.reason}`);
    return result.providerMessageId;
  }

  it('delivered: asks the documented v2.3 single-message lookup and reports the receive time', async () => {
    const id = await sentAlimtalk();
    const { requestId } = fake.accepted[0];
    expect(await provider().fetchResult(id)).toEqual({ status: 'delivered', providerMessageId: id, deliveredAt: '2024-05-01 10:00:07.0' });
    const lookup = fake.requests[1];
    expect(lookup.method).toBe('GET');
    expect(lookup.path).toBe(`/alimtalk/v2.3/appkeys/${APP_KEY}/messages/${requestId}/1`);
    expect(lookup.headers['x-secret-key']).toBe(SECRET_KEY);
    expect(lookup.rawBody).toBe('');
  });

  it('friendtalk ids are looked up through the v2.4 API', async () => {
    const sent = await provider().sendFriendtalk(friendtalk());
    const id = sent.providerMessageId!;
    expect(id).toMatch(/^friendtalk:/);
    fake.setKakaoDelivery('01012345678', { messageStatus: 'COMPLETED', resultCode: '1000', receiveDate: '2025-01-06 10:01:10' });
    expect(await provider().fetchResult(id)).toEqual({ status: 'delivered', providerMessageId: id, deliveredAt: '2025-01-06 10:01:10' });
    expect(fake.requests[1].path).toBe(`/friendtalk/v2.4/appkeys/${APP_KEY}/messages/${fake.accepted[0].requestId}/1`);
  });

  it.each([
    [
      'COMPLETED with a Kakao failure code',
      { messageStatus: 'COMPLETED', resultCode: '3018', resultCodeName: '메시지를 전송할 수 없음' },
      '3018',
      'nhn-bizmessage: delivery failed, result code 3018 (메시지를 전송할 수 없음)',
    ],
    [
      'FAILED',
      { messageStatus: 'FAILED', resultCode: '3019', resultCodeName: '톡 유저가 아님' },
      '3019',
      'nhn-bizmessage: delivery failed, result code 3019 (톡 유저가 아님)',
    ],
    ['FAILED without a code', { messageStatus: 'FAILED' }, 'messageStatus FAILED', 'nhn-bizmessage: delivery failed, result code messageStatus FAILED'],
  ])('failed: %s', async (_name, delivery, code, reason) => {
    const id = await sentAlimtalk();
    fake.setKakaoDelivery('01012345678', delivery);
    expect(await provider().fetchResult(id)).toEqual({ status: 'failed', providerMessageId: id, code, reason });
  });

  it.each(['READY', 'IN_PROGRESS'])('pending while NHN reports %s', async (messageStatus) => {
    const id = await sentAlimtalk();
    fake.setKakaoDelivery('01012345678', { messageStatus });
    expect(await provider().fetchResult(id)).toEqual({ status: 'pending', providerMessageId: id });
  });

  it('a message NHN does not know is unknown and not retryable; a bare id is looked up as alimtalk seq 1', async () => {
    const id = 'alimtalk:20240501000000NoSuchReq:1';
    expect(await provider().fetchResult(id)).toEqual({
      status: 'unknown',
      providerMessageId: id,
      retryable: false,
      reason: 'nhn-bizmessage: result code -2005 (Not found message.)',
    });
    await sentAlimtalk();
    const bare = fake.accepted[0].requestId;
    expect(await provider().fetchResult(bare)).toEqual({ status: 'delivered', providerMessageId: bare, deliveredAt: '2024-05-01 10:00:07.0' });
    expect(fake.requests.at(-1)!.path).toBe(`/alimtalk/v2.3/appkeys/${APP_KEY}/messages/${bare}/1`);
    await expect(provider().fetchResult('sms:abc:1')).rejects.toThrow('not a provider message id of this provider');
  });

  it('HTTP 5xx is unknown and retryable; a wrong secret key is unknown and not retryable', async () => {
    const id = await sentAlimtalk();
    fake.setKakaoDelivery('01012345678', { httpStatus: 503 });
    expect(await provider().fetchResult(id)).toMatchObject({
      status: 'unknown',
      providerMessageId: id,
      retryable: true,
      reason: expect.stringContaining('HTTP 503'),
    });
    const wrongKey = await provider({ secretKey: 'not-the-secret' }).fetchResult(id);
    expect(wrongKey).toMatchObject({ status: 'unknown', retryable: false, reason: expect.stringContaining('-1001') });
    expect(wrongKey.status === 'unknown' && wrongKey.reason).not.toContain('not-the-secret');
  });
});

describe('config validation', () => {
  it('names the bad field', () => {
    expect(() => createNhnBizmessageProvider({ appKey: 'k' } as NhnBizmessageConfig)).toThrow('nhn-bizmessage config: "secretKey" is required');
    expect(() => createNhnBizmessageProvider({ appKey: 'k', secretKey: 's', resendSendNo: 'call me' })).toThrow('"resendSendNo" is malformed');
    expect(() => createNhnBizmessageProvider({ appKey: 'k', secretKey: 's', baseUrl: 'http://192.168.0.10' })).toThrow(
      '"baseUrl" points at a loopback, link-local or private address',
    );
    expect(() => createNhnBizmessageProvider(null as unknown as NhnBizmessageConfig)).toThrow('must be an object');
  });
});

describe('the fake checks requests (so these tests can fail)', () => {
  it('records top-level isAd, a missing per-recipient isAd and a missing idempotency key', async () => {
    await fetch(`${fake.baseUrl}/friendtalk/v2.4/appkeys/${APP_KEY}/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json;charset=UTF-8', 'X-Secret-Key': SECRET_KEY },
      body: JSON.stringify({ senderKey: SENDER_KEY, isAd: false, recipientList: [{ recipientNo: '01012345678', content: 'x' }] }),
    });
    expect(fake.violations).toEqual([
      expect.stringContaining('X-NC-API-IDEMPOTENCY-KEY header is missing'),
      expect.stringContaining('undocumented field "isAd"'),
      expect.stringContaining('takes isAd per recipient'),
      expect.stringContaining('isAd must be sent as a boolean'),
    ]);
    fake.violations.length = 0;
  });
});
