import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ManualClock } from '../../platform/clock.ts';
import { createOutboundGuard } from '../../platform/outbound-guard.ts';
import type { SandboxOutbox } from '../sandbox/outbox.ts';
import { builtInRegistry } from '../registry.ts';
import { BUILT_IN_VENDORS, vendorDescriptor } from './built-in-vendors.ts';
import { redactConfig } from './redaction.ts';
import { VendorConfigError } from './vendor-descriptor.ts';
import type { ProviderContext } from '../provider-context.ts';
import type { EmailProvider } from '../provider.types.ts';

const project = { id: 'p1', name: 'p', timezone: 'Asia/Seoul', settings: {}, createdAt: 0 };
const ctx = (allowPrivateNetworks: boolean): ProviderContext => ({
  project,
  clock: new ManualClock(),
  log: pino({ level: 'silent' }),
  allowPrivateNetworks,
  network: createOutboundGuard({ allowPrivateNetworks }),
  sandboxOutbox: {} as SandboxOutbox,
});

describe('redactConfig', () => {
  it('shows only allow-listed fields; anything else, including fields nobody listed, is "[set]"', () => {
    const smtp = vendorDescriptor('email', 'smtp')!;
    expect(
      redactConfig(smtp, { host: 'h', port: 587, auth: { user: 'u', pass: 'p' }, pool: { maxConnections: 2 }, surprise: 'x', nested: { deep: 1 } }),
    ).toEqual({
      host: 'h',
      port: 587,
      auth: { user: 'u', pass: '[set]' },
      pool: { maxConnections: 2 },
      surprise: '[set]',
      nested: { deep: '[set]' },
    });
  });

  it('shows a webhook URL as its origin only (its path may be the secret)', () => {
    const hook = vendorDescriptor('push', 'webhook')!;
    expect(redactConfig(hook, { url: 'https://hooks.slack.example/services/T0/B0/XXXX', secret: 's', timeoutMs: 5 })).toEqual({
      url: 'https://hooks.slack.example/[set]',
      secret: '[set]',
      timeoutMs: 5,
    });
    expect(redactConfig(hook, { url: 'https://hooks.example.com' })).toEqual({ url: 'https://hooks.example.com/' });
  });
});

describe('vendor factories', () => {
  it('name the bad field of a nested config with its path', () => {
    const d = vendorDescriptor('push', 'fcm+apns')!;
    let error: unknown;
    try {
      d.create({ fcm: { serviceAccount: { client_email: 'a@b.c', private_key: 'x', project_id: 'p' } }, apns: {} }, ctx(true));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VendorConfigError);
    expect((error as VendorConfigError).field).toBe('fcm.serviceAccount.private_key');
  });

  it('refuse a private endpoint literal when building a provider unless private networks are allowed (a config stored earlier, a rule changed since)', () => {
    const smtp = vendorDescriptor('email', 'smtp')!;
    expect(() => smtp.create({ host: '10.0.0.5' }, ctx(false))).toThrow(/loopback, link-local or private address/);
    const provider = smtp.create({ host: '10.0.0.5' }, ctx(true)) as EmailProvider;
    expect(typeof provider.send).toBe('function');
    void provider.close?.();
  });

  it('every built-in vendor is registered in the registry under its channel', () => {
    const registry = builtInRegistry({
      clock: new ManualClock(),
      log: pino({ level: 'silent' }),
      allowPrivateNetworks: false,
      sandboxOutbox: {} as SandboxOutbox,
    });
    for (const d of BUILT_IN_VENDORS) expect(registry.vendors(d.channel)).toContain(d.vendor);
    expect(registry.vendors('push').sort()).toEqual(['apns', 'fcm', 'fcm+apns', 'sandbox', 'webhook']);
    expect(registry.vendors('text_message').sort()).toEqual(['nhn-cloud', 'sandbox', 'twilio', 'webhook']);
    expect(registry.vendors('kakao_alimtalk').sort()).toEqual(['nhn-bizmessage', 'sandbox', 'webhook']);
    expect(registry.vendors('web_push').sort()).toEqual(['sandbox', 'vapid', 'webhook']);
    expect(registry.vendors('email').sort()).toEqual(['sandbox', 'smtp', 'webhook']);
  });
});
