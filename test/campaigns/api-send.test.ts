import { afterEach, describe, expect, it } from 'vitest';
import { addUser, campaignWorld, createCampaign, deliveriesOf, drain, outboxOf, PUSH_TEMPLATE, totals, type CampaignWorld } from './campaign-helpers.ts';

let w: CampaignWorld;
afterEach(async () => {
  await w?.close();
});

const send = (campaignId: string, body: unknown, headers: Record<string, string> = {}) =>
  w.notifly('POST', `/campaign/${w.project.id}/${campaignId}/send`, body, headers);

describe('POST /campaign/{projectId}/{campaignId}/send', () => {
  it('sends the seed sample to two users over push, rendered per recipient, and records every state', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, {
      userId: 'alice',
      properties: { name: '앨리스' },
      devices: [{ deviceId: 'a-phone', platform: 'ios', pushToken: 'tok-alice' }],
    });
    await addUser(w.runtime, w.project.id, {
      userId: 'bob',
      properties: { name: 'Bob' },
      devices: [{ deviceId: 'b-phone', platform: 'android', pushToken: 'tok-bob' }],
    });
    const id = await createCampaign(w, { name: 'welcome', channel: 'push', template: PUSH_TEMPLATE, send_time: { type: 'api' } });

    const r = await send(id, {
      recipients: [
        { userId: 'alice', eventParams: { messageTitle: 'Hello Alice!', messageBody: 'How are you?' } },
        { userId: 'bob', eventParams: { messageTitle: 'Hello Bob!', messageBody: 'How are you?' } },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ code: 200, success: true, error: null });
    expect(r.headers['x-maru-request-id']).toMatch(/^api:/);

    // Recorded before anything is sent: two pending deliveries, nothing in the outbox.
    let deliveries = await deliveriesOf(w, id);
    expect(deliveries.map((d) => [d.recipient.value, d.state, d.address]).sort()).toEqual([
      ['alice', 'pending', 'tok-alice'],
      ['bob', 'pending', 'tok-bob'],
    ]);
    expect(await outboxOf(w, id)).toEqual([]);

    expect(await drain(w)).toBeGreaterThanOrEqual(2);
    deliveries = await deliveriesOf(w, id);
    expect(deliveries.map((d) => [d.recipient.value, d.state, d.attempts, d.provider, d.metric]).sort()).toEqual([
      ['alice', 'sent', 1, 'sandbox', 'send_success'],
      ['bob', 'sent', 1, 'sandbox', 'send_success'],
    ]);
    const outbox = await outboxOf(w, id);
    const byRecipient = Object.fromEntries(outbox.map((o) => [o.recipient, o]));
    expect(byRecipient['tok-alice'].message).toEqual({
      token: 'tok-alice',
      platform: 'ios',
      title: 'Hello Alice!',
      body: '앨리스님 안녕하세요',
      data: { maru_delivery_id: deliveries.find((d) => d.recipient.value === 'alice').id, maru_campaign_id: id },
    });
    expect(byRecipient['tok-bob'].message.body).toBe('Bob님 안녕하세요');
    expect(outbox.every((o) => o.calls === 1 && o.state === 'delivered')).toBe(true);
    expect(deliveries.find((d) => d.recipient.value === 'bob').provider_message_id).toBe(byRecipient['tok-bob'].id);
    expect(await totals(w, id)).toEqual({ send_success: 2 });
  });

  it('renders user variables empty for a phone-number recipient (seed: "님 안녕하세요") and sends to the given number', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, { userId: 'kim', properties: { name: '김' }, phone: '010-1234-5678' });
    const id = await createCampaign(w, {
      name: 'text',
      channel: 'text_message',
      template: { kind: 'sms', body: '{{ user["name"] }}님 안녕하세요 {{ eventParams["code"] }}' },
    });
    const r = await send(id, {
      recipients: [
        { type: 'phone-number', phoneNumber: '010-1234-5678', eventParams: { code: '1234' } },
        { userId: 'kim', eventParams: { code: '9' } },
      ],
    });
    expect(r.status).toBe(200);
    await drain(w);
    const outbox = await outboxOf(w, id);
    // Both resolve to +821012345678: sent once (the user-id recipient is the duplicate, skipped__noisy_filter).
    expect(outbox).toHaveLength(1);
    expect(outbox[0].recipient).toBe('+821012345678');
    expect(outbox[0].message.body).toBe('님 안녕하세요 1234');
    const deliveries = await deliveriesOf(w, id);
    expect(deliveries.map((d) => [d.recipient.type, d.state, d.metric]).sort()).toEqual([
      ['phone-number', 'sent', 'send_success'],
      ['user-id', 'skipped', 'skipped__noisy_filter'],
    ]);
    expect(await totals(w, id)).toEqual({ send_success: 1, skipped__noisy_filter: 1 });
  });

  it('answers 400 for recipient types the channel does not take, naming the recipient, and records nothing', async () => {
    w = await campaignWorld();
    const push = await createCampaign(w, { name: 'p', channel: 'push', template: PUSH_TEMPLATE });
    const email = await createCampaign(w, { name: 'e', channel: 'email', template: { subject: 'hi', text: 'hello' } });
    const text = await createCampaign(w, { name: 't', channel: 'text_message', template: { body: 'hi' } });
    const web = await createCampaign(w, { name: 'w', channel: 'web_push', template: { title: 't', body: 'b' } });
    const kakao = await createCampaign(w, {
      name: 'k',
      channel: 'kakao_alimtalk',
      template: { template_code: 'T1', content: 'hi #{name}', parameters: { name: '{{ user["name"] }}' } },
    });

    const cases: [string, unknown, number, string?][] = [
      [
        push,
        { recipients: [{ userId: 'a' }, { type: 'phone-number', phoneNumber: '01012345678' }] },
        400,
        'recipients[1].type phone-number is not supported by the push channel (supported: user-id)',
      ],
      [
        web,
        { recipients: [{ type: 'email', email: 'a@b.co' }] },
        400,
        'recipients[0].type email is not supported by the web_push channel (supported: user-id)',
      ],
      [
        email,
        { recipients: [{ type: 'phone-number', phoneNumber: '01012345678' }] },
        400,
        'recipients[0].type phone-number is not supported by the email channel (supported: user-id, email)',
      ],
      [
        text,
        { recipients: [{ type: 'email', email: 'a@b.co' }] },
        400,
        'recipients[0].type email is not supported by the text_message channel (supported: user-id, phone-number)',
      ],
      [
        kakao,
        { recipients: [{ type: 'email', email: 'a@b.co' }] },
        400,
        'recipients[0].type email is not supported by the kakao_alimtalk channel (supported: user-id, phone-number)',
      ],
      [push, { recipients: [{ type: 'device-token', userId: 'a' }] }, 400, 'recipients[0].type must be one of user-id, phone-number, email'],
      [push, { recipients: [{ type: 'user-id' }] }, 400, 'recipients[0].userId is required for a user-id recipient (a non-empty string)'],
      [email, { recipients: [{ type: 'email', email: 'not-an-address' }] }, 400, 'recipients[0].email must be an email address, e.g. kim@example.com'],
      [
        text,
        { recipients: [{ type: 'phone-number', phoneNumber: 'abc' }] },
        400,
        "recipients[0].phoneNumber must be a phone number (national in the project's region KR, or international with +)",
      ],
      [
        push,
        { recipients: [{ userId: 'guest' }] },
        400,
        'recipients[0].userId "guest" does not identify anyone (empty, null-like, placeholder and all-zero values are not accepted)',
      ],
      [push, { recipients: [{ userId: 'x'.repeat(513) }] }, 400, 'recipients[0].userId must be at most 512 characters'],
      [push, { recipients: [{ userId: 'a', eventParams: [1] }] }, 400, 'recipients[0].eventParams must be a JSON object or null'],
      [push, { recipients: [] }, 400, 'recipients must not be empty'],
      [push, {}, 400, 'recipients is required'],
      // allowed combinations
      [email, { recipients: [{ type: 'email', email: 'a@b.co' }, { userId: 'u' }] }, 200],
      [text, { recipients: [{ type: 'phone-number', phoneNumber: '01012345678' }] }, 200],
      [kakao, { recipients: [{ type: 'phone-number', phoneNumber: '01012345678' }] }, 200],
      [web, { recipients: [{ userId: 'u' }] }, 200],
    ];
    for (const [cid, body, status, message] of cases) {
      const r = await send(cid, body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      if (status === 400) {
        expect(r.body).toEqual({ code: 400, success: false, error: `Bad request: ${message}` });
      }
    }
    expect(await deliveriesOf(w, push)).toEqual([]);
    expect(await deliveriesOf(w, email)).toHaveLength(2);
  });

  it('takes 1,000 recipients in one call and sends each exactly once; 1,001 is a 400', async () => {
    w = await campaignWorld();
    const id = await createCampaign(w, { name: 'bulk', channel: 'text_message', template: { body: '{{ eventParams["n"] }}' } });
    const recipients = Array.from({ length: 1000 }, (_, i) => ({ type: 'phone-number', phoneNumber: `010${String(10_000_000 + i)}`, eventParams: { n: i } }));
    const tooMany = await send(id, { recipients: [...recipients, { type: 'phone-number', phoneNumber: '01099999999' }] });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toEqual({ code: 400, success: false, error: 'Bad request: at most 1000 recipients per request, got 1001' });
    expect(await deliveriesOf(w, id)).toEqual([]);

    const r = await send(id, { recipients });
    expect(r.status).toBe(200);
    expect((await deliveriesOf(w, id)).every((d) => d.state === 'pending')).toBe(true);
    await drain(w);
    const outbox = await outboxOf(w, id);
    expect(outbox).toHaveLength(1000);
    expect(outbox.every((o) => o.calls === 1)).toBe(true);
    expect(new Set(outbox.map((o) => o.message.body)).size).toBe(1000);
    expect(outbox.find((o) => o.recipient === '+821010000999').message.body).toBe('999');
    expect(await totals(w, id)).toEqual({ send_success: 1000 });
  });

  it('records a retried call with the same Idempotency-Key once', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, { userId: 'alice', email: 'alice@example.com' });
    const id = await createCampaign(w, { name: 'mail', channel: 'email', template: { subject: 'Hi {{ user["external_id"] }}', text: 'hello' } });
    const body = { recipients: [{ userId: 'alice' }] };
    expect((await send(id, body, { 'idempotency-key': 'order-42' })).status).toBe(200);
    expect((await send(id, body, { 'idempotency-key': 'order-42' })).status).toBe(200);
    expect(await deliveriesOf(w, id)).toHaveLength(1);
    await drain(w);
    const outbox = await outboxOf(w, id);
    expect(outbox).toHaveLength(1);
    expect(outbox[0].message.subject).toBe('Hi alice');
    // Without the header every call is a new send.
    expect((await send(id, body)).status).toBe(200);
    expect(await deliveriesOf(w, id)).toHaveLength(2);
  });

  it('refuses an Idempotency-Key that is not 1-200 visible ASCII characters with 400, sending nothing (found by test/fuzz: a non-ASCII key was stored, then echoing it in X-Maru-Request-Id answered 500)', async () => {
    w = await campaignWorld();
    await addUser(w.runtime, w.project.id, { userId: 'alice', email: 'alice@example.com' });
    const id = await createCampaign(w, { name: 'mail', channel: 'email', template: { subject: 'Hi', text: 'hello' } });
    const body = { recipients: [{ userId: 'alice' }] };
    for (const key of ['주문-42', 'order 42', 'x'.repeat(201)]) {
      expect(await send(id, body, { 'idempotency-key': key })).toMatchObject({
        status: 400,
        body: { code: 400, success: false, error: 'Bad request: the Idempotency-Key header must be 1-200 visible ASCII characters' },
      });
    }
    expect(await deliveriesOf(w, id)).toHaveLength(0);
    const ok = await send(id, body, { 'idempotency-key': 'order-42_ABC.~' });
    expect(ok.status).toBe(200);
  });

  it("accepts only active API-triggered campaigns; other projects' and unknown ids are 404; no token is 401; other methods 405", async () => {
    w = await campaignWorld();
    const draft = await createCampaign(w, { name: 'd', channel: 'push', template: PUSH_TEMPLATE, status: 'draft' });
    const event = await createCampaign(w, { name: 'e', channel: 'push', template: PUSH_TEMPLATE, send_time: { type: 'event', event: 'signup' } });
    const ok = await createCampaign(w, { name: 'ok', channel: 'push', template: PUSH_TEMPLATE });
    const body = { recipients: [{ userId: 'a' }] };

    expect(await send(draft, body)).toMatchObject({
      status: 400,
      body: { code: 400, success: false, error: `Bad request: campaign ${draft} is draft; only an active campaign can be sent` },
    });
    expect(await send(event, body)).toMatchObject({
      status: 400,
      body: { code: 400, success: false, error: `Bad request: campaign ${event} is not an API-triggered campaign (its send-time type is event)` },
    });
    expect(await send('nope', body)).toMatchObject({
      status: 404,
      body: { code: 404, success: false, error: 'Not found: campaign nope does not exist in this project' },
    });
    const other = await w.notifly('POST', `/campaign/otherproject/${ok}/send`, body);
    expect(other).toMatchObject({ status: 404, body: { code: 404, success: false, error: 'Not found: project otherproject not found' } });

    const unauth = await w.t.app.inject({ method: 'POST', url: `/campaign/${w.project.id}/${ok}/send`, payload: body });
    expect(unauth.statusCode).toBe(401);
    expect(unauth.json()).toEqual({ code: 401, success: false, error: 'Unauthorized: Invalid token' });
    const expired = await w.t.app.inject({ method: 'POST', url: `/campaign/${w.project.id}/${ok}/send`, payload: body, headers: { authorization: 'garbage' } });
    expect(expired.json()).toEqual({ code: 401, success: false, error: 'Unauthorized: Invalid token' });

    const get = await w.notifly('GET', `/campaign/${w.project.id}/${ok}/send`);
    expect(get.status).toBe(405);
    expect(get.body).toEqual({ code: 405, success: false, error: `Method not allowed: GET /campaign/:projectId/:campaignId/send; use POST` });

    const malformed = await w.t.app.inject({
      method: 'POST',
      url: `/campaign/${w.project.id}/${ok}/send`,
      payload: '{"recipients": [',
      headers: { authorization: w.token, 'content-type': 'application/json' },
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().success).toBe(false);

    const big = await w.t.app.inject({
      method: 'POST',
      url: `/campaign/${w.project.id}/${ok}/send`,
      payload: JSON.stringify({ recipients: [{ userId: 'a', eventParams: { pad: 'x'.repeat(1_100_000) } }] }),
      headers: { authorization: w.token, 'content-type': 'application/json' },
    });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toEqual({ code: 413, success: false, error: `Payload too large: request body exceeds ${w.runtime.config.bodyLimit} bytes` });
    expect(await deliveriesOf(w, ok)).toEqual([]);
  });
});
