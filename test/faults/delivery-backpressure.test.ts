import { afterEach, expect, test } from 'vitest';
import { DELIVERY_QUEUE } from '../../src/core/deliveries/delivery-worker.ts';
import { expectOk, messagingWorld, setUp, type MessagingWorld } from '../faces/messaging.helpers.ts';

/**
 * Backpressure for deliveries (issue 14; docs/operations.md "Backpressure"): past MARU_BACKLOG_MAX_DELIVERIES waiting
 * delivery jobs, new sends asked for over the API (a campaign send on the Notifly face and the admin API, a direct
 * message) are answered 503 with Retry-After and record nothing; once the workers catch up they are accepted again.
 */
let w: MessagingWorld;
afterEach(async () => {
  await w?.close();
});

test('past MARU_BACKLOG_MAX_DELIVERIES waiting jobs, campaign sends and direct messages answer 503 with Retry-After, then recover', async () => {
  w = await messagingWorld({ env: { MARU_BACKLOG_MAX_DELIVERIES: '2' } });
  await setUp(w, { senderNumbers: ['1544-6859'], sandboxTextSending: true });
  const created = expectOk(
    await w.admin('POST', '/campaigns', {
      name: 'c',
      channel: 'text_message',
      status: 'active',
      consent_class: 'informational',
      send_time: { type: 'api' },
      template: { kind: 'sms', body: 'hi' },
    }),
    201,
  );
  const campaignId = created.body.campaign.id as string;
  const phones = (...n: string[]) => ({ recipients: n.map((phoneNumber) => ({ type: 'phone-number', phoneNumber })) });
  const notiflySend = (body: unknown) => w.notifly('POST', `/campaign/${w.project.id}/${campaignId}/send`, body);
  const adminSend = (body: unknown) => w.admin('POST', `/campaigns/${campaignId}/send`, body);
  const direct = () =>
    w.notifly('POST', '/messages/text-message', { projectId: w.project.id, type: 'sms', body: 'direct', recipientList: [{ recipientNo: '01033334444' }] });
  const waiting = async () => {
    const c = await w.runtime.queue.counts(DELIVERY_QUEUE);
    return c.pending + c.running;
  };

  expectOk(await notiflySend(phones('01011112222', '01022223333')), 200);
  expect(await waiting()).toBe(2);
  w.clock.advance(1100); // the backlog is counted at most once a second (on the runtime's clock)

  const refused = [await notiflySend(phones('01055556666')), await adminSend(phones('01055556666')), await direct()];
  expect(refused.map((r) => [r.status, r.headers['retry-after']])).toEqual([
    [503, '5'],
    [503, '5'],
    [503, '5'],
  ]);
  expect(JSON.stringify(refused[0].body)).toMatch(/too much accepted work is waiting \(deliveries: 2, bound 2\)/);
  expect(refused[1].body.error.code).toBe('unavailable');
  expect(await waiting()).toBe(2); // nothing of the refused requests was recorded
  const listed = expectOk(await w.admin('GET', `/campaigns/${campaignId}/deliveries?limit=100`), 200).body.deliveries;
  expect(listed).toHaveLength(2);

  expect(await w.runtime.queue.drain(DELIVERY_QUEUE)).toBe(2);
  w.clock.advance(1100);
  expectOk(await notiflySend(phones('01055556666')), 200);
  expect((await adminSend(phones('01077778888'))).status).toBe(202);
  expectOk(await direct(), 200);
  expect(await waiting()).toBe(3);
  const metrics = await w.t.app.inject({ method: 'GET', url: '/metrics' });
  expect(metrics.body).toContain('maru_backlog_refused_total{kind="deliveries"} 3');
}, 30_000);
