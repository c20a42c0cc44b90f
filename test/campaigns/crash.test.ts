import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, createProject, ManualClock, type TestApp } from '../helpers/app.ts';
import { createSandboxProvider } from '../../src/channels/sandbox/sandbox.provider.ts';
import { failed, type SendResult, type TextMessage } from '../../src/channels/provider.types.ts';
import { DELIVERY_LEASE_MS } from '../../src/core/deliveries/delivery-worker.ts';
import type { Runtime } from '../../src/runtime.ts';

/**
 * A crash between "recorded" and "sent": runtime A records deliveries (and, in some cases, starts sending) and is
 * then abandoned without any shutdown, as after kill -9; runtime B opens the same data directory.
 */
let dataDir: string;
const apps: TestApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function open(clock: ManualClock): Promise<TestApp> {
  const a = await buildTestApp({ clock, config: { dataDir } });
  apps.push(a);
  return a;
}

async function setup(vendor?: string) {
  dataDir = mkdtempSync(join(tmpdir(), 'maru-crash-'));
  const clock = new ManualClock('2025-01-06T01:00:00.000Z');
  const a = await open(clock);
  const { project } = await createProject(a.runtime, { settings: vendor ? { channels: { text_message: { vendor } } } : {} });
  const campaign = await a.runtime.campaigns.create(project.id, {
    name: 'otp',
    channel: 'text_message',
    consent_class: 'informational',
    status: 'active',
    template: { body: 'code {{ eventParams.code }}' },
  });
  return { clock, a, project, campaign };
}

const recipients = (n: number) => ({
  recipients: Array.from({ length: n }, (_, i) => ({ type: 'phone-number', phoneNumber: `0101234000${i}`, eventParams: { code: String(i) } })),
});

async function until(check: () => Promise<boolean>) {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('condition not reached');
}

async function states(rt: Runtime, projectId: string, campaignId: string) {
  return (await rt.deliveries.list(projectId, { campaignId })).map((d) => d.state).sort();
}

/** A vendor whose send hangs forever (the process "dies" inside it), optionally after the sandbox accepted the message. */
function hangingVendor(rt: Runtime, name: string, acceptFirst: boolean) {
  let release!: (r: SendResult) => void;
  const hang = new Promise<SendResult>((r) => (release = r));
  rt.providers.register('text_message', name, (_config, ctx) => {
    const sandbox = createSandboxProvider('text_message', {}, ctx);
    return {
      send: async (m: TextMessage) => {
        if (acceptFirst) await sandbox.send(m);
        return hang;
      },
    };
  });
  return release;
}

describe('crash between recorded and sent', () => {
  it('a new runtime on the same data dir drains recorded deliveries exactly once', async () => {
    const { clock, a, project, campaign } = await setup();
    const r = await a.runtime.deliveries.sendApi({ projectId: project.id, campaignId: campaign.id, body: recipients(3) });
    expect(r).toMatchObject({ created: 3, queued: 3 });
    // A dies here: nothing was sent.
    expect(await a.runtime.sandboxOutbox.list(project.id)).toEqual([]);

    const b = await open(clock);
    expect(await states(b.runtime, project.id, campaign.id)).toEqual(['pending', 'pending', 'pending']);
    await b.runtime.queue.drain();
    expect(await states(b.runtime, project.id, campaign.id)).toEqual(['sent', 'sent', 'sent']);
    const outbox = await b.runtime.sandboxOutbox.list(project.id, { campaignId: campaign.id });
    expect(outbox.map((o) => [o.recipient, o.calls, o.message.body]).sort()).toEqual([
      ['+821012340000', 1, 'code 0'],
      ['+821012340001', 1, 'code 1'],
      ['+821012340002', 1, 'code 2'],
    ]);
    clock.advance(DELIVERY_LEASE_MS * 10);
    expect(await b.runtime.queue.drain()).toBe(0);
    expect((await b.runtime.sandboxOutbox.list(project.id)).every((o) => o.calls === 1)).toBe(true);
  });

  it('a delivery found in `sending` that the provider already accepted is recorded as sent, not sent again', async () => {
    const { clock, a, project, campaign } = await setup('flaky-net');
    const releaseA = hangingVendor(a.runtime, 'flaky-net', true);
    await a.runtime.deliveries.sendApi({ projectId: project.id, campaignId: campaign.id, body: recipients(1) });
    const stuck = a.runtime.queue.drain();
    await until(async () => (await a.runtime.sandboxOutbox.list(project.id)).length === 1);
    expect(await states(a.runtime, project.id, campaign.id)).toEqual(['sending']);
    // A dies inside the provider call, after the vendor accepted the message.

    const b = await open(clock);
    b.runtime.providers.register('text_message', 'flaky-net', (config, ctx) => createSandboxProvider('text_message', config, ctx));
    expect(await b.runtime.queue.drain()).toBe(0); // A's lease still holds the job
    clock.advance(DELIVERY_LEASE_MS);
    expect(await b.runtime.queue.drain()).toBe(1);
    const [d] = await b.runtime.deliveries.list(project.id, { campaignId: campaign.id });
    expect(d).toMatchObject({ state: 'sent', metric: 'send_success', attempts: 2, provider: 'flaky-net' });
    expect(d.providerResponse).toMatchObject({ ok: true, note: 'confirmed by the provider after a restart' });
    const [o] = await b.runtime.sandboxOutbox.list(project.id);
    expect(o.calls).toBe(1);
    expect(d.providerMessageId).toBe(o.id);

    // The dead worker's late answer changes nothing.
    releaseA(failed(false, 'late answer'));
    await stuck;
    expect((await b.runtime.deliveries.get(project.id, d.id)).state).toBe('sent');
  });

  it('a delivery found in `sending` that never reached the provider is sent once', async () => {
    const { clock, a, project, campaign } = await setup('flaky-net');
    const releaseA = hangingVendor(a.runtime, 'flaky-net', false);
    await a.runtime.deliveries.sendApi({ projectId: project.id, campaignId: campaign.id, body: recipients(1) });
    const stuck = a.runtime.queue.drain();
    await until(async () => (await states(a.runtime, project.id, campaign.id))[0] === 'sending');

    const b = await open(clock);
    b.runtime.providers.register('text_message', 'flaky-net', (config, ctx) => createSandboxProvider('text_message', config, ctx));
    clock.advance(DELIVERY_LEASE_MS);
    await b.runtime.queue.drain();
    expect(await states(b.runtime, project.id, campaign.id)).toEqual(['sent']);
    const outbox = await b.runtime.sandboxOutbox.list(project.id);
    expect(outbox.map((o) => [o.calls, o.state, o.message.body])).toEqual([[1, 'delivered', 'code 0']]);
    releaseA(failed(false, 'late answer'));
    await stuck;
  });

  it('a delivery found in `sending` on a provider that cannot be asked fails as outcome_unknown rather than risk a duplicate', async () => {
    const { clock, a, project, campaign } = await setup('blind');
    const releaseA = hangingVendor(a.runtime, 'blind', true);
    await a.runtime.deliveries.sendApi({ projectId: project.id, campaignId: campaign.id, body: recipients(1) });
    const stuck = a.runtime.queue.drain();
    await until(async () => (await a.runtime.sandboxOutbox.list(project.id)).length === 1);

    const b = await open(clock);
    b.runtime.providers.register('text_message', 'blind', (config, ctx) => {
      const sandbox = createSandboxProvider('text_message', config, ctx);
      return { send: (m: TextMessage) => sandbox.send(m) }; // no lookup
    });
    clock.advance(DELIVERY_LEASE_MS);
    await b.runtime.queue.drain();
    const [d] = await b.runtime.deliveries.list(project.id, { campaignId: campaign.id });
    expect(d.state).toBe('failed');
    expect(d.metric).toBe('send_failure');
    expect(d.reason).toMatch(/^outcome_unknown: /);
    expect((await b.runtime.sandboxOutbox.list(project.id))[0].calls).toBe(1);
    releaseA(failed(false, 'late answer'));
    await stuck;
  });
});
