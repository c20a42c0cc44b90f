import { afterEach, describe, expect, it } from 'vitest';
import { addUser, campaignWorld, createCampaign, deliveriesOf, drain, outboxOf, type CampaignWorld } from './campaign-helpers.ts';
import { IDEMPOTENCY_RETENTION_MS } from '../../src/core/idempotency/idempotency.service.ts';
import * as messaging from '../faces/messaging.helpers.ts';

/** The Idempotency-Key rule (docs/campaigns.md "Idempotency-Key"): a retry replays the first answer, another body is 422. */

let w: CampaignWorld | undefined;
let m: messaging.MessagingWorld | undefined;
afterEach(async () => {
  await w?.close();
  await m?.close();
  w = m = undefined;
});

const keyRows = async (world: { runtime: CampaignWorld['runtime'] }) =>
  world.runtime.store.db.selectFrom('idempotency_keys').select(['operation', 'key', 'result']).orderBy('key').execute();

async function mailCampaign(world: CampaignWorld): Promise<string> {
  await addUser(world.runtime, world.project.id, { userId: 'alice', email: 'alice@example.com' });
  await addUser(world.runtime, world.project.id, { userId: 'bob', email: 'bob@example.com' });
  return createCampaign(world, { name: 'mail', channel: 'email', template: { subject: 'Hi {{ user["external_id"] }}', text: 'hello' } });
}

describe('Idempotency-Key on the Notifly campaign send', () => {
  it('replays the first answer for the same body (keys in any order) and refuses another body with 422 naming the key, sending nothing', async () => {
    w = await campaignWorld();
    const id = await mailCampaign(w);
    const send = (body: unknown, key?: string) => w!.notifly('POST', `/campaign/${w!.project.id}/${id}/send`, body, key ? { 'idempotency-key': key } : {});

    const first = await send({ recipients: [{ type: 'user-id', userId: 'alice', eventParams: { a: 1, b: 2 } }] }, 'order-42');
    expect([first.status, first.body]).toEqual([200, { code: 200, success: true, error: null }]);
    const requestId = first.headers['x-maru-request-id'];
    expect(requestId).toBe('api:order-42');

    // The same body with its keys in another order is the same request.
    const retry = await send({ recipients: [{ eventParams: { b: 2, a: 1 }, userId: 'alice', type: 'user-id' }] }, 'order-42');
    expect([retry.status, retry.body, retry.headers['x-maru-request-id']]).toEqual([200, { code: 200, success: true, error: null }, requestId]);

    const other = await send({ recipients: [{ type: 'user-id', userId: 'bob' }] }, 'order-42');
    expect([other.status, other.body]).toEqual([
      422,
      { code: 422, success: false, error: 'Idempotency-Key "order-42" was already used with another request body; use a new key for a new request' },
    ]);

    expect((await deliveriesOf(w, id)).map((d: any) => d.recipient.value)).toEqual(['alice']);
    await drain(w);
    expect((await outboxOf(w, id)).map((o: any) => o.message.subject)).toEqual(['Hi alice']);
    expect((await keyRows(w)).map((r) => [r.operation, r.key])).toEqual([[`campaign-send:${id}`, 'order-42']]);

    // Another key is another send; no key, a new send every time.
    expect((await send({ recipients: [{ type: 'user-id', userId: 'bob' }] }, 'order-43')).status).toBe(200);
    expect((await deliveriesOf(w, id)).map((d: any) => d.recipient.value).sort()).toEqual(['alice', 'bob']);
  });

  it('stores nothing for a refused request, so the corrected request may use the same key', async () => {
    w = await campaignWorld();
    const id = await mailCampaign(w);
    const send = (body: unknown) => w!.notifly('POST', `/campaign/${w!.project.id}/${id}/send`, body, { 'idempotency-key': 'k-1' });
    const refused = await send({ recipients: [{ type: 'email', email: 'not-an-email' }] });
    expect(refused.status).toBe(400);
    expect(await keyRows(w)).toEqual([]);
    expect((await send({ recipients: [{ type: 'user-id', userId: 'bob' }] })).status).toBe(200);
    expect((await deliveriesOf(w, id)).map((d: any) => d.recipient.value)).toEqual(['bob']);
  });

  it('forgets a key after 24 hours', async () => {
    w = await campaignWorld();
    const id = await mailCampaign(w);
    const send = (userId: string) =>
      w!.notifly('POST', `/campaign/${w!.project.id}/${id}/send`, { recipients: [{ type: 'user-id', userId }] }, { 'idempotency-key': 'daily' });
    expect((await send('alice')).status).toBe(200);
    w.clock.advance(IDEMPOTENCY_RETENTION_MS + 1);
    await w.reauth();
    expect((await send('bob')).status).toBe(200);
    expect((await deliveriesOf(w, id)).map((d: any) => d.recipient.value).sort()).toEqual(['alice', 'bob']);
  });
});

describe('Idempotency-Key on the admin campaign send', () => {
  it('replays the first 202 body exactly and answers 422 with the admin error naming the header', async () => {
    w = await campaignWorld();
    const id = await mailCampaign(w);
    const send = (body: unknown) => w!.admin('POST', `/campaigns/${id}/send`, body, { 'idempotency-key': 'admin-1' });
    const body = {
      recipients: [
        { type: 'user-id', userId: 'alice' },
        { type: 'user-id', userId: 'bob' },
      ],
    };
    const first = await send(body);
    expect([first.status, first.body]).toEqual([202, { request_id: 'api:admin-1', created: 2, queued: 2, existing: 0, duplicates: 0, unreachable: 0 }]);
    // The retry answers what the first answered (not "2 existing").
    const retry = await send(body);
    expect([retry.status, retry.body]).toEqual([202, first.body]);
    const other = await send({ recipients: [{ type: 'user-id', userId: 'alice' }] });
    expect([other.status, other.body]).toEqual([
      422,
      {
        error: {
          code: 'idempotency_key_reused',
          message: 'Idempotency-Key "admin-1" was already used with another request body; use a new key for a new request',
          field: 'Idempotency-Key',
        },
      },
    ]);
    expect(await deliveriesOf(w, id)).toHaveLength(2);
  });
});

describe('Idempotency-Key on the Notifly direct messages', () => {
  it('text-message: a retry is replayed, another body is 422 and sends nothing', async () => {
    m = await messaging.messagingWorld({ settings: { advertising: { senderName: '마루샵', optOutNumber: '080-123-4567' } } });
    await messaging.setUp(m, { senderNumbers: ['1544-6859'], sandboxTextSending: true });
    const send = (text: string) =>
      m!.notifly(
        'POST',
        '/messages/text-message',
        { projectId: m!.project.id, type: 'sms', body: text, recipientList: [{ recipientNo: '01012345678' }] },
        { 'idempotency-key': 'sms-1' },
      );
    const first = await send('once');
    expect([first.status, first.raw]).toEqual([200, '{"success":true}']);
    const retry = await send('once');
    expect([retry.status, retry.raw, retry.headers['x-maru-request-id']]).toEqual([200, '{"success":true}', first.headers['x-maru-request-id']]);
    const other = await send('twice');
    expect([other.status, other.body]).toEqual([
      422,
      { error: 'Idempotency-Key "sms-1" was already used with another request body; use a new key for a new request' },
    ]);
    await messaging.drain(m);
    expect((await messaging.outboxOf(m, 'direct_text')).map((o: any) => [o.message.body, o.calls])).toEqual([['once', 1]]);
    expect((await keyRows(m)).map((r) => [r.operation, r.key, r.result !== null])).toEqual([['direct:text', 'sms-1', true]]);
  });

  it('a key that is not 1-200 visible ASCII characters is 400 naming the header, and nothing is stored (a NUL made PostgreSQL answer 500)', async () => {
    m = await messaging.messagingWorld();
    await messaging.setUp(m, { senderNumbers: ['1544-6859'], sandboxTextSending: true });
    for (const key of ['\u0000', 'é', 'k'.repeat(201)]) {
      const r = await m.notifly(
        'POST',
        '/messages/text-message',
        { projectId: m.project.id, type: 'sms', body: 'hi', recipientList: [{ recipientNo: '01012345678' }] },
        { 'idempotency-key': key },
      );
      expect([r.status, r.body], JSON.stringify(key)).toEqual([400, { error: 'the Idempotency-Key header must be 1-200 visible ASCII characters' }]);
    }
    expect(await keyRows(m)).toEqual([]);
    await messaging.drain(m);
    expect(await messaging.outboxOf(m, 'direct_text')).toEqual([]);
  });
});
