import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startNhnCloudFake } from '../../../test/fakes/nhn-cloud.fake.ts';
import type { NhnCloudFake } from '../../../test/fakes/nhn-cloud.fake.ts';
import type { TextMessage } from '../provider.types.ts';
import { createNhnCloudSmsProvider } from './nhn-cloud.provider.ts';
import type { NhnCloudSmsConfig } from './nhn-cloud.provider.ts';

const APP_KEY = 'AbCdEf123456';
const SECRET_KEY = 'nhn-secret-Zx81';

let fake: NhnCloudFake;

beforeEach(async () => {
  fake = await startNhnCloudFake({ appKey: APP_KEY, secretKey: SECRET_KEY });
});
afterEach(async () => {
  await fake.close();
  expect(fake.violations).toEqual([]);
});

function provider(overrides: Partial<NhnCloudSmsConfig> = {}) {
  return createNhnCloudSmsProvider({
    appKey: APP_KEY,
    secretKey: SECRET_KEY,
    baseUrl: fake.baseUrl,
    allowPrivateNetwork: true,
    userId: 'maru',
    ...overrides,
  });
}

const sms = (overrides: Partial<TextMessage> = {}): TextMessage => ({
  idempotencyKey: 'delivery-1',
  kind: 'sms',
  from: '1544-6859',
  to: '010-1234-5678',
  body: '[maru] 인증번호는 123456 입니다.',
  ...overrides,
});

describe('send: success', () => {
  it('posts the documented SMS request and returns sms:{requestId}:{recipientSeq}', async () => {
    const result = await provider().send(sms());

    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0];
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/sms/v3.0/appKeys/${APP_KEY}/sender/sms`);
    expect(request.headers['x-secret-key']).toBe(SECRET_KEY);
    expect(request.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(request.json).toEqual({
      body: '[maru] 인증번호는 123456 입니다.',
      sendNo: '15446859',
      recipientList: [{ recipientNo: '01012345678' }],
      userId: 'maru',
    });
    expect(fake.accepted).toHaveLength(1);
    expect(result).toEqual({ ok: true, retryable: false, providerMessageId: `sms:${fake.accepted[0].requestId}:1` });
  });

  it('sends LMS to /sender/mms with its title', async () => {
    const result = await provider().send(sms({ kind: 'lms', title: '주문 안내', body: '가'.repeat(100), to: '+82 10-9876-5432' }));
    expect(fake.requests[0].path).toBe(`/sms/v3.0/appKeys/${APP_KEY}/sender/mms`);
    expect(fake.requests[0].json).toMatchObject({
      title: '주문 안내',
      body: '가'.repeat(100),
      recipientList: [{ recipientNo: '01098765432' }],
    });
    expect(result.providerMessageId).toBe(`mms:${fake.accepted[0].requestId}:1`);
  });

  it('gives an LMS without a title the first line of its body, cut to 40 bytes', async () => {
    await provider().send(sms({ kind: 'lms', body: `${'공지'.repeat(15)}\n둘째 줄` }));
    expect((fake.requests[0].json as { title: string }).title).toBe('공지'.repeat(10));
  });

  it('sends a foreign number as internationalRecipientNo, and refuses LMS abroad without calling NHN', async () => {
    await provider().send(sms({ to: '+1 415-555-2671' }));
    expect(fake.requests[0].json).toMatchObject({ recipientList: [{ internationalRecipientNo: '14155552671' }] });

    const lms = await provider().send(sms({ kind: 'lms', title: 't', to: '+1 415-555-2671' }));
    expect(lms).toMatchObject({ ok: false, retryable: false });
    expect(fake.requests).toHaveLength(1);
  });

  it('uses defaultSendNo when the message has no sender, and omits userId when not configured', async () => {
    await provider({ defaultSendNo: '02-1234-5678', userId: undefined }).send(sms({ from: '' }));
    expect(fake.requests[0].json).toEqual({
      body: sms().body,
      sendNo: '0212345678',
      recipientList: [{ recipientNo: '01012345678' }],
    });
  });
});

describe('send: temporary failures are retryable', () => {
  it('HTTP 500 with Retry-After', async () => {
    fake.onRecipient('01012345678', { kind: 'http-error', status: 500, retryAfter: '7' });
    const result = await provider().send(sms());
    expect(result).toMatchObject({ ok: false, retryable: true, retryAfterMs: 7000 });
    expect(result.reason).toContain('HTTP 500');
    expect(fake.requests).toHaveLength(1);
  });

  it('HTTP 429 with an HTTP-date Retry-After', async () => {
    fake.onRecipient('01012345678', {
      kind: 'http-error',
      status: 429,
      retryAfter: new Date(Date.now() + 30_000).toUTCString(),
    });
    const result = await provider().send(sms());
    expect(result.ok).toBe(false);
    expect(result.retryable).toBe(true);
    expect(result.retryAfterMs).toBeGreaterThan(25_000);
    expect(result.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('NHN -9999 system error in an HTTP 200 envelope', async () => {
    fake.onRecipient('01012345678', { kind: 'header-error', resultCode: -9999, resultMessage: 'System error.' });
    const result = await provider().send(sms());
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.retryAfterMs).toBeUndefined();
    expect(result.reason).toContain('-9999');
  });

  it('a network error (nothing listening)', async () => {
    const port = await closedPort();
    const result = await provider({ baseUrl: `http://127.0.0.1:${port}` }).send(sms());
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.reason).toContain('network error');
  });

  it('a timeout', async () => {
    // The answer would come after 10 s; the provider gives up at 100 ms (the bound leaves room for a loaded machine).
    fake.onRecipient('01012345678', { kind: 'hang', ms: 10_000 });
    const started = Date.now();
    const result = await provider({ timeoutMs: 100 }).send(sms());
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result).toMatchObject({ ok: false, retryable: true, reason: 'nhn-cloud-sms: no response within 100 ms' });
  });
});

describe('send: permanent failures are not retryable', () => {
  it('an invalid recipient number reported for the recipient (-2019) marks the recipient invalid', async () => {
    fake.onRecipient('01012345678', { kind: 'recipient-error', resultCode: -2019, resultMessage: 'RecipientNo is invalid.' });
    const result = await provider().send(sms());
    expect(result).toMatchObject({ ok: false, retryable: false, invalidRecipient: true });
    expect(result.reason).toContain('-2019');
  });

  it.each([
    [-2312, 'Not regist sendno.'],
    [-2023, 'Unacceptable characters in title and body.'],
    [-6001, 'Recipient Number is refused.'],
    [4, 'parameter validation failed'],
    [-31337, 'a code this provider has never heard of'],
  ])('NHN result code %i', async (resultCode, resultMessage) => {
    fake.onRecipient('01012345678', { kind: 'header-error', resultCode, resultMessage });
    const result = await provider().send(sms());
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.invalidRecipient).toBeUndefined();
    expect(result.reason).toContain(String(resultCode));
  });

  it('a wrong secret key (HTTP 401) names the credentials but never contains them', async () => {
    const result = await provider({ secretKey: 'wrong-secret-value' }).send(sms());
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.reason).toContain('check appKey and secretKey');
    expect(result.reason).not.toContain('wrong-secret-value');
    expect(fake.requests[0].headers['x-secret-key']).toBe('wrong-secret-value');
  });

  it('a wrong app key (NHN -1000)', async () => {
    const result = await provider({ appKey: 'OtherAppKey' }).send(sms());
    expect(fake.requests[0].path).toBe('/sms/v3.0/appKeys/OtherAppKey/sender/sms');
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.reason).toContain('-1000');
  });

  it('a number that is not a phone number is refused without calling NHN', async () => {
    const result = await provider().send(sms({ to: '010-1234' }));
    expect(result).toMatchObject({ ok: false, retryable: false, invalidRecipient: true });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('fetchResult', () => {
  async function sendOne(overrides: Partial<TextMessage> = {}): Promise<string> {
    const result = await provider().send(sms(overrides));
    expect(result.ok).toBe(true);
    return result.providerMessageId as string;
  }

  it('reports delivered for msgStatus 3 / resultCode 1000, from the documented lookup request', async () => {
    const id = await sendOne();
    const status = await provider().fetchResult(id);
    const lookup = fake.requests[1];
    expect(lookup.method).toBe('GET');
    expect(lookup.path).toBe(`/sms/v3.0/appKeys/${APP_KEY}/sender/sms/${fake.accepted[0].requestId}`);
    expect(lookup.query.get('recipientSeq')).toBe('1');
    expect(lookup.headers['x-secret-key']).toBe(SECRET_KEY);
    expect(status).toEqual({ status: 'delivered', providerMessageId: id, deliveredAt: '2024-05-01 10:00:05.0' });
  });

  it('looks an LMS up under /sender/mms', async () => {
    const id = await sendOne({ kind: 'lms', title: 't' });
    await provider().fetchResult(id);
    expect(fake.requests[1].path).toBe(`/sms/v3.0/appKeys/${APP_KEY}/sender/mms/${fake.accepted[0].requestId}`);
  });

  it('reports pending while NHN is still requesting or processing', async () => {
    fake.setDelivery('01012345678', { msgStatus: '2' });
    const id = await sendOne();
    expect(await provider().fetchResult(id)).toEqual({ status: 'pending', providerMessageId: id });
  });

  it('reports failed with the carrier code, and an invalid recipient for a nonexistent number', async () => {
    fake.setDelivery('01012345678', { msgStatus: '3', resultCode: '3003', resultCodeName: '수신 번호 형식 오류 또는 결번' });
    const id = await sendOne();
    expect(await provider().fetchResult(id)).toMatchObject({
      status: 'failed',
      code: '3003',
      invalidRecipient: true,
      reason: expect.stringContaining('결번'),
    });
  });

  it('reports failed for a terminal that was off (2003) without marking the number invalid', async () => {
    fake.setDelivery('01012345678', { msgStatus: '0', resultCode: '2003' });
    const id = await sendOne();
    const status = await provider().fetchResult(id);
    expect(status).toMatchObject({ status: 'failed', code: '2003' });
    expect(status).not.toHaveProperty('invalidRecipient');
  });

  it('reports unknown (not retryable) for a request id NHN does not know', async () => {
    const status = await provider().fetchResult('sms:20240501000000NoSuchId:1');
    expect(status).toMatchObject({ status: 'unknown', retryable: false, reason: expect.stringContaining('-2008') });
  });

  it('reports unknown (retryable) when the lookup answers 503', async () => {
    fake.setDelivery('01012345678', { httpStatus: 503 });
    const id = await sendOne();
    expect(await provider().fetchResult(id)).toMatchObject({ status: 'unknown', retryable: true });
  });

  it('accepts a bare requestId (SMS, recipientSeq 1) and rejects ids of other providers', async () => {
    await sendOne();
    const status = await provider().fetchResult(fake.accepted[0].requestId);
    expect(status.status).toBe('delivered');
    await expect(provider().fetchResult('SM0123:weird id')).rejects.toThrow(/not a provider message id/);
  });
});

describe('config validation', () => {
  it('names the missing or malformed field', () => {
    expect(() => createNhnCloudSmsProvider({ secretKey: 's' } as NhnCloudSmsConfig)).toThrow('nhn-cloud-sms config: "appKey" is required');
    expect(() => createNhnCloudSmsProvider({ appKey: 'k', secretKey: '' })).toThrow('"secretKey" is required');
    expect(() => createNhnCloudSmsProvider({ appKey: 'k', secretKey: 's', timeoutMs: 0 })).toThrow('"timeoutMs" must be a positive integer');
    expect(() => createNhnCloudSmsProvider({ appKey: 'k', secretKey: 's', baseUrl: 'ftp://x' })).toThrow('"baseUrl" must be an http(s) URL');
    expect(() => createNhnCloudSmsProvider({ appKey: 'k/../x', secretKey: 's' })).toThrow('"appKey" is malformed');
  });

  it('refuses a loopback or private base URL unless allowPrivateNetwork is set', () => {
    for (const baseUrl of ['http://127.0.0.1:8080', 'http://localhost', 'http://10.1.2.3', 'http://[::1]:80', 'http://169.254.169.254']) {
      expect(() => createNhnCloudSmsProvider({ appKey: 'k', secretKey: 's', baseUrl })).toThrow('"baseUrl" points at a loopback');
    }
    expect(() => createNhnCloudSmsProvider({ appKey: 'k', secretKey: 's', baseUrl: 'http://127.0.0.1:8080', allowPrivateNetwork: true })).not.toThrow();
    expect(() => createNhnCloudSmsProvider({ appKey: 'k', secretKey: 's' })).not.toThrow();
  });
});

describe('the fake checks requests (so these tests can fail)', () => {
  it('records a wrong content type, an undocumented field and a missing title', async () => {
    await fetch(`${fake.baseUrl}/sms/v3.0/appKeys/${APP_KEY}/sender/mms`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Secret-Key': SECRET_KEY },
      body: JSON.stringify({ body: 'x', sendNo: '15446859', recipientList: [{ recipientNo: '01012345678' }], isAd: true }),
    });
    expect(fake.violations).toEqual([
      expect.stringContaining('Content-Type must be'),
      expect.stringContaining('undocumented field "isAd"'),
      expect.stringContaining('title is required'),
    ]);
    fake.violations.length = 0;
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
