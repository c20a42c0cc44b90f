import http from 'node:http';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetGuardError } from './net-guard.ts';
import { createOutboundGuard, netGuardErrorIn } from './outbound-guard.ts';

// Every transport of the guard refuses an IP literal in a forbidden range (net.connect skips `lookup` for literals, so
// each transport checks them itself) and a name resolving to one; with allowPrivateNetworks it connects.
let server: Server;
let port: number;
let connections = 0;
beforeAll(async () => {
  server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const refused = createOutboundGuard({ resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
const allowed = createOutboundGuard({ allowPrivateNetworks: true });

const attempts = {
  fetch: async (guard: typeof refused, host: string) => {
    const f = guard.fetcher();
    try {
      await f.fetch(`http://${host}:${port}/`);
    } finally {
      await f.close();
    }
  },
  agent: (guard: typeof refused, host: string) =>
    new Promise<void>((resolve, reject) => {
      const agent = guard.agent('http:');
      const request = http.request({ host, port, agent }, () => resolve());
      request.on('error', (error) => {
        agent.destroy();
        reject(error);
      });
      request.end();
    }),
  http2: (guard: typeof refused, host: string) =>
    new Promise<void>((resolve, reject) => {
      const session = guard.connectHttp2(`https://${host}:${port}`);
      session.on('error', reject);
      session.on('connect', () => resolve());
    }),
  smtp: (guard: typeof refused, host: string) =>
    new Promise<void>((resolve, reject) =>
      guard.smtpGetSocket({ host, port }, (error, socket) => (error ? reject(error) : (socket?.connection.destroy(), resolve()))),
    ),
};

describe.each(Object.entries(attempts))('outbound guard: %s', (_name, attempt) => {
  it.each(['127.0.0.1', '[::1]', 'rebound.example'])('refuses %s before any connection', async (host) => {
    const before = connections;
    const error = await attempt(refused, host).then(
      () => undefined,
      (e: unknown) => e,
    );
    const refusal = netGuardErrorIn(error);
    expect(refusal).toBeInstanceOf(NetGuardError);
    expect(refusal?.code).toBe('FORBIDDEN_ADDRESS');
    expect(refusal?.message).toMatch(/loopback address/);
    expect(connections).toBe(before);
  });

  it('connects when private networks are allowed', async () => {
    const before = connections;
    await attempt(allowed, '127.0.0.1').catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(connections).toBeGreaterThan(before);
  });
});
