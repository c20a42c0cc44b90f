import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startTwilioFake } from '../../../test/fakes/twilio.fake.ts';
import type { TwilioFake } from '../../../test/fakes/twilio.fake.ts';
import type { TextMessage } from '../provider.types.ts';
import { computeTwilioSignature, createTwilioSmsProvider, parseTwilioStatusCallback, verifyTwilioSignature } from './twilio.provider.ts';
import type { TwilioSmsConfig } from './twilio.provider.ts';

const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'twilio-auth-token-9f8e';
const API_KEY_SID = `SK${'fedcba9876543210'.repeat(2)}`;
const API_KEY_SECRET = 'api-key-secret-77';
const SERVICE_SID = `MG${'00112233445566778899aabbccddeeff'}`;

let fake: TwilioFake | undefined;

afterEach(async () => {
  if (fake === undefined) return;
  await fake.close();
  expect(fake.violations).toEqual([]);
  fake = undefined;
});

async function setup(config: Partial<TwilioSmsConfig> = {}, auth = { username: ACCOUNT_SID, password: AUTH_TOKEN }) {
  fake = await startTwilioFake({ accountSid: ACCOUNT_SID, ...auth });
  const provider = createTwilioSmsProvider({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    baseUrl: fake.baseUrl,
    allowPrivateNetwork: true,
    ...config,
  });
  return { fake, provider };
}

const sms = (overrides: Partial<TextMessage> = {}): TextMessage => ({
  idempotencyKey: 'delivery-1',
  kind: 'sms',
  from: '02-1234-5678',
  to: '010-1234-5678',
  body: '[maru] 주문이 접수되었습니다 ✅',
  ...overrides,
});

describe('send: success', () => {
  it('posts the documented form with Basic auth (AccountSid:AuthToken) and E.164 numbers', async () => {
    const { fake, provider } = await setup({ statusCallbackUrl: 'https://maru.example.com/hooks/twilio/status' });
    const result = await provider.send(sms());

    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0];
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const basic = String(request.headers.authorization).replace(/^Basic /, '');
    expect(Buffer.from(basic, 'base64').toString()).toBe(`${ACCOUNT_SID}:${AUTH_TOKEN}`);
    expect(Object.fromEntries(new URLSearchParams(request.rawBody))).toEqual({
      To: '+821012345678',
      From: '+82212345678',
      Body: '[maru] 주문이 접수되었습니다 ✅',
      StatusCallback: 'https://maru.example.com/hooks/twilio/status',
    });
    expect(result).toEqual({ ok: true, retryable: false, providerMessageId: fake.accepted[0].sid });
    expect(result.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
  });

  it('authenticates with an API key (SK…:secret) while the path keeps the account SID', async () => {
    const { fake, provider } = await setup(
      { authToken: undefined, apiKeySid: API_KEY_SID, apiKeySecret: API_KEY_SECRET },
      { username: API_KEY_SID, password: API_KEY_SECRET },
    );
    const result = await provider.send(sms());
    expect(result.ok).toBe(true);
    const basic = String(fake.requests[0].headers.authorization).replace(/^Basic /, '');
    expect(Buffer.from(basic, 'base64').toString()).toBe(`${API_KEY_SID}:${API_KEY_SECRET}`);
    expect(fake.requests[0].path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
  });

  it('sends through a Messaging Service instead of From when configured', async () => {
    const { fake, provider } = await setup({ messagingServiceSid: SERVICE_SID });
    await provider.send(sms());
    const params = new URLSearchParams(fake.requests[0].rawBody);
    expect(params.get('MessagingServiceSid')).toBe(SERVICE_SID);
    expect(params.has('From')).toBe(false);
  });

  it('puts an LMS title on the first line, keeps a foreign number, and passes an alphanumeric sender', async () => {
    const { fake, provider } = await setup();
    await provider.send(sms({ kind: 'lms', title: '배송 안내', body: '본문', to: '+1 (415) 555-2671', from: 'MARU' }));
    expect(Object.fromEntries(new URLSearchParams(fake.requests[0].rawBody))).toEqual({
      To: '+14155552671',
      From: 'MARU',
      Body: '배송 안내\n본문',
    });
  });
});

describe('send: failures', () => {
  it('400 / 21211 invalid To is permanent and marks the recipient invalid', async () => {
    const { fake, provider } = await setup();
    fake.onRecipient('+821012345678', { kind: 'error', status: 400, code: 21211, message: "The 'To' number is not valid." });
    const result = await provider.send(sms());
    expect(result).toMatchObject({ ok: false, retryable: false, invalidRecipient: true });
    expect(result.reason).toContain('21211');
  });

  it('400 / 21610 unsubscribed recipient is permanent', async () => {
    const { fake, provider } = await setup();
    fake.onRecipient('+821012345678', { kind: 'error', status: 400, code: 21610, message: 'Attempt to send to unsubscribed recipient' });
    const result = await provider.send(sms());
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.invalidRecipient).toBeUndefined();
    expect(result.reason).toContain('unsubscribed');
  });

  it('401 / 20003 wrong credentials is permanent and does not echo the token', async () => {
    const { provider } = await setup({ authToken: 'not-the-token-123' });
    const result = await provider.send(sms());
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.reason).toContain('20003');
    expect(result.reason).not.toContain('not-the-token-123');
  });

  it('429 with Retry-After is retryable', async () => {
    const { fake, provider } = await setup();
    fake.onRecipient('+821012345678', { kind: 'error', status: 429, code: 20429, message: 'Too Many Requests', retryAfter: '3' });
    expect(await provider.send(sms())).toMatchObject({ ok: false, retryable: true, retryAfterMs: 3000 });
  });

  it('500 and 503 are retryable', async () => {
    const { fake, provider } = await setup();
    fake.onRecipient('+821012345678', { kind: 'error', status: 500, code: 20500, message: 'Internal Server Error' });
    expect(await provider.send(sms())).toMatchObject({ ok: false, retryable: true });
    fake.onRecipient('+821012345678', { kind: 'error', status: 503 });
    expect(await provider.send(sms())).toMatchObject({ ok: false, retryable: true });
  });

  it('a 400 with the queue-full code 21611 is retryable', async () => {
    const { fake, provider } = await setup();
    fake.onRecipient('+821012345678', { kind: 'error', status: 400, code: 21611, message: 'queue full' });
    expect(await provider.send(sms())).toMatchObject({ ok: false, retryable: true });
  });

  it('a timeout is retryable', async () => {
    const { fake, provider } = await setup({ timeoutMs: 100 });
    fake.onRecipient('+821012345678', { kind: 'hang', ms: 600 });
    expect(await provider.send(sms())).toMatchObject({ ok: false, retryable: true, reason: 'twilio: no response within 100 ms' });
  });

  it('an unparseable number is refused without calling Twilio', async () => {
    const { fake, provider } = await setup();
    expect(await provider.send(sms({ to: '12' }))).toMatchObject({ ok: false, retryable: false, invalidRecipient: true });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('config validation', () => {
  it('names the bad field', () => {
    expect(() => createTwilioSmsProvider({ accountSid: 'AC123', authToken: 't' })).toThrow(
      'twilio config: "accountSid" is malformed (expected AC followed by 32 hex digits)',
    );
    expect(() => createTwilioSmsProvider({ accountSid: ACCOUNT_SID })).toThrow('"authToken" is required (or apiKeySid and apiKeySecret)');
    expect(() => createTwilioSmsProvider({ accountSid: ACCOUNT_SID, apiKeySid: API_KEY_SID })).toThrow('"apiKeySecret" is required with apiKeySid');
    expect(() => createTwilioSmsProvider({ accountSid: ACCOUNT_SID, authToken: 't', messagingServiceSid: 'MG1' })).toThrow(
      '"messagingServiceSid" is malformed',
    );
    expect(() => createTwilioSmsProvider({ accountSid: ACCOUNT_SID, authToken: 't', statusCallbackUrl: 'http://10.0.0.5/hook' })).toThrow(
      '"statusCallbackUrl" points at a loopback',
    );
    expect(() => createTwilioSmsProvider({ accountSid: ACCOUNT_SID, authToken: 't', defaultRegion: 'korea' })).toThrow('"defaultRegion" is malformed');
  });
});

describe('X-Twilio-Signature', () => {
  // Twilio's published example (twilio.com/docs/usage/security, TwilioDevEd/api-snippets).
  const published = {
    authToken: '12345',
    url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
    params: { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' },
    signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=',
  };

  it("verifies Twilio's published vector", () => {
    expect(computeTwilioSignature(published)).toBe(published.signature);
    expect(verifyTwilioSignature(published)).toBe(true);
  });

  it('rejects a changed parameter, URL, token, or a missing signature', () => {
    expect(verifyTwilioSignature({ ...published, params: { ...published.params, Digits: '1235' } })).toBe(false);
    expect(verifyTwilioSignature({ ...published, url: 'https://mycompany.com/myapp.php?foo=1&bar=3' })).toBe(false);
    expect(verifyTwilioSignature({ ...published, authToken: '12346' })).toBe(false);
    expect(verifyTwilioSignature({ ...published, signature: undefined })).toBe(false);
    expect(verifyTwilioSignature({ ...published, signature: 'short' })).toBe(false);
  });

  it('matches an independently computed signature for a status callback, as a form body', () => {
    const url = 'https://maru.example.com/hooks/twilio/status?project=p1';
    const body = `MessageSid=SM${'a'.repeat(32)}&MessageStatus=undelivered&To=%2B821012345678&ErrorCode=30003&AccountSid=${ACCOUNT_SID}`;
    // Sorted by name, by hand: AccountSid, ErrorCode, MessageSid, MessageStatus, To.
    const data = `${url}AccountSid${ACCOUNT_SID}ErrorCode30003MessageSidSM${'a'.repeat(32)}MessageStatusundeliveredTo+821012345678`;
    const signature = createHmac('sha1', AUTH_TOKEN).update(data).digest('base64');
    expect(verifyTwilioSignature({ authToken: AUTH_TOKEN, url, params: new URLSearchParams(body), signature })).toBe(true);
  });

  it('tries the URL with the default port added or removed, as Twilio libraries do', () => {
    const withPort = { ...published, url: 'https://mycompany.com:443/myapp.php?foo=1&bar=2' };
    expect(verifyTwilioSignature(withPort)).toBe(true);
    const signedWithPort = computeTwilioSignature(withPort);
    expect(verifyTwilioSignature({ ...published, signature: signedWithPort })).toBe(true);
    expect(verifyTwilioSignature({ ...published, url: 'https://mycompany.com:8443/myapp.php?foo=1&bar=2' })).toBe(false);
  });

  it('sorts repeated parameter values', () => {
    const data = 'https://x.example/hMediaUrlaMediaUrlb';
    const signature = createHmac('sha1', 'tok').update(data).digest('base64');
    expect(verifyTwilioSignature({ authToken: 'tok', url: 'https://x.example/h', params: { MediaUrl: ['b', 'a'] }, signature })).toBe(true);
  });
});

describe('verifyCallbackSignature (the provider capability the callback face uses)', () => {
  const url = 'https://maru.example.com/callbacks/twilio/p1';
  const params = new URLSearchParams({ MessageSid: `SM${'ab'.repeat(16)}`, MessageStatus: 'delivered' });
  const signature = computeTwilioSignature({ authToken: AUTH_TOKEN, url, params });

  it('is valid for any of the URLs Twilio may have called, invalid otherwise, no-secret without an authToken', async () => {
    const p = createTwilioSmsProvider({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: '+15005550006' });
    expect(p.verifyCallbackSignature({ urls: ['http://10.0.0.1:8080/callbacks/twilio/p1', url], params, signature })).toBe('valid');
    expect(p.verifyCallbackSignature({ urls: ['http://10.0.0.1:8080/callbacks/twilio/p1'], params, signature })).toBe('invalid');
    expect(p.verifyCallbackSignature({ urls: [url], params: new URLSearchParams({ MessageStatus: 'failed' }), signature })).toBe('invalid');
    expect(p.verifyCallbackSignature({ urls: [url], params, signature: undefined })).toBe('invalid');
    await p.close?.();
    const keyOnly = createTwilioSmsProvider({ accountSid: ACCOUNT_SID, apiKeySid: API_KEY_SID, apiKeySecret: API_KEY_SECRET, from: '+15005550006' });
    expect(keyOnly.verifyCallbackSignature({ urls: [url], params, signature })).toBe('no-secret');
    await keyOnly.close?.();
  });
});

describe('parseTwilioStatusCallback', () => {
  const sid = `SM${'b'.repeat(32)}`;

  it('delivered → delivered', () => {
    expect(parseTwilioStatusCallback(`MessageSid=${sid}&MessageStatus=delivered&To=%2B821012345678`)).toEqual({
      ok: true,
      update: { messageSid: sid, rawStatus: 'delivered', delivery: { status: 'delivered', providerMessageId: sid } },
    });
  });

  it('undelivered with ErrorCode → failed with the code; unknown handset marks the recipient invalid', () => {
    const result = parseTwilioStatusCallback({ MessageSid: sid, MessageStatus: 'undelivered', ErrorCode: '30005' });
    expect(result).toMatchObject({
      ok: true,
      update: {
        errorCode: '30005',
        delivery: { status: 'failed', code: '30005', invalidRecipient: true, reason: expect.stringContaining('unknown destination handset') },
      },
    });
    const filtered = parseTwilioStatusCallback({ MessageSid: sid, MessageStatus: 'failed', ErrorCode: '30007' });
    expect(filtered).toMatchObject({ ok: true, update: { delivery: { status: 'failed', code: '30007' } } });
    expect(filtered.ok && filtered.update.delivery).not.toHaveProperty('invalidRecipient');
  });

  it('queued / sent / accepted → pending', () => {
    for (const status of ['queued', 'sent', 'accepted', 'sending']) {
      const result = parseTwilioStatusCallback(new URLSearchParams({ MessageSid: sid, MessageStatus: status }));
      expect(result).toMatchObject({ ok: true, update: { rawStatus: status, delivery: { status: 'pending' } } });
    }
  });

  it('refuses a body without a well-formed MessageSid or without MessageStatus', () => {
    expect(parseTwilioStatusCallback('MessageStatus=delivered')).toEqual({ ok: false, reason: 'MessageSid is missing or malformed' });
    expect(parseTwilioStatusCallback(`MessageSid=${sid}`)).toEqual({ ok: false, reason: 'MessageStatus is missing' });
  });
});

describe('the fake checks requests (so these tests can fail)', () => {
  it('records a national-format To, both From and MessagingServiceSid, and a JSON content type', async () => {
    fake = await startTwilioFake({ accountSid: ACCOUNT_SID, username: ACCOUNT_SID, password: AUTH_TOKEN });
    const response = await fetch(`${fake.baseUrl}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
        'Content-Type': 'application/json',
      },
      body: new URLSearchParams({ To: '01012345678', From: '+15005550006', MessagingServiceSid: SERVICE_SID, Body: 'x' }).toString(),
    });
    expect(response.status).toBe(400);
    expect(fake.violations).toEqual([
      expect.stringContaining('Content-Type must be'),
      expect.stringContaining('exactly one of From and MessagingServiceSid'),
      expect.stringContaining('is not E.164'),
    ]);
    fake.violations.length = 0;
  });
});
