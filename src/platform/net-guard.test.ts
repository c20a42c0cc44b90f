import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { NetGuardError, assertPublicUrl, createGuardedLookup, forbiddenRangeOf, isForbiddenAddress, parseIp, pinnedLookup } from './net-guard.ts';
import type { Resolver } from './net-guard.ts';

describe('isForbiddenAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared address space (CGNAT)'],
    ['100.127.255.255', 'shared address space (CGNAT)'],
    ['169.254.169.254', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['198.18.0.1', 'benchmarking'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'private (unique local)'],
    ['fdff:ffff::1', 'private (unique local)'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback (IPv4-mapped)'],
    ['::ffff:7f00:1', 'loopback (IPv4-mapped)'],
    ['::ffff:10.0.0.1', 'private (IPv4-mapped)'],
    ['::127.0.0.1', 'loopback (IPv4-compatible)'],
    ['64:ff9b::a9fe:a9fe', 'link-local (NAT64)'],
    ['2002:c0a8:0101::1', 'private (6to4)'],
    ['[::1]', 'loopback'],
  ])('%s is forbidden (%s)', (ip, label) => {
    expect(isForbiddenAddress(ip)).toBe(true);
    expect(forbiddenRangeOf(ip)).toBe(label);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '172.15.255.255',
    '172.32.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '169.253.255.255',
    '11.0.0.1',
    '223.255.255.255',
    '2001:4860:4860::8888',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:0808:0808::1',
    'fbff:ffff::1',
    'fec0::1'.replace('fec0', 'fe00'),
  ])('%s is public', (ip) => {
    expect(forbiddenRangeOf(ip)).toBeUndefined();
    expect(isForbiddenAddress(ip)).toBe(false);
  });

  it.each(['', 'localhost', '127.1', '0x7f.0.0.1', '1.2.3.4.5', '::g', 'example.com'])('fails closed for non-IP %j', (text) => {
    expect(isForbiddenAddress(text)).toBe(true);
  });

  it('parses IPv6 forms to 16 bytes', () => {
    expect(Array.from(parseIp('::ffff:1.2.3.4') ?? [])).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]);
    expect(Array.from(parseIp('1:2:3:4:5:6:7:8') ?? [])).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
    expect(parseIp('1::2::3')).toBeNull();
  });
});

describe('assertPublicUrl', () => {
  const resolveTo =
    (...addresses: string[]): Resolver =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it('returns the checked addresses of a public host', async () => {
    const addresses = await assertPublicUrl('https://hooks.example.com/x', { resolve: resolveTo('93.184.216.34', '2606:2800:220:1::1') });
    expect(addresses).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1::1', family: 6 },
    ]);
  });

  it('refuses IP literals in forbidden ranges, including normalised spellings', async () => {
    for (const url of ['http://127.0.0.1/', 'http://[::1]:8080/', 'http://2130706433/', 'http://0x7f.1/', 'http://[::ffff:169.254.169.254]/']) {
      await expect(assertPublicUrl(url), url).rejects.toMatchObject({ code: 'FORBIDDEN_ADDRESS' });
    }
  });

  it('refuses localhost through real DNS', async () => {
    await expect(assertPublicUrl('http://localhost:1/')).rejects.toThrow(/localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
  });

  it('refuses when any resolved address is forbidden', async () => {
    const error = await assertPublicUrl('https://rebind.example.com/', { resolve: resolveTo('8.8.8.8', '192.168.0.10') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetGuardError);
    expect((error as NetGuardError).message).toBe('rebind.example.com resolves to 192.168.0.10, a private address; private networks are not allowed');
  });

  it('allows private addresses when the operator allows private networks', async () => {
    await expect(assertPublicUrl('http://127.0.0.1:9/', { allowPrivateNetworks: true })).resolves.toEqual([{ address: '127.0.0.1', family: 4 }]);
  });

  it('rejects bad URLs and schemes, and reports DNS failures distinctly', async () => {
    await expect(assertPublicUrl('nope')).rejects.toMatchObject({ code: 'INVALID_URL' });
    await expect(assertPublicUrl('file:///etc/passwd')).rejects.toMatchObject({ code: 'INVALID_URL' });
    await expect(assertPublicUrl('gopher://example.com/')).rejects.toMatchObject({ code: 'INVALID_URL' });
    const failing: Resolver = async () => {
      throw Object.assign(new Error('x'), { code: 'ENOTFOUND' });
    };
    await expect(assertPublicUrl('https://nx.example.com/', { resolve: failing })).rejects.toMatchObject({ code: 'DNS_FAILURE' });
    await expect(assertPublicUrl('https://empty.example.com/', { resolve: resolveTo() })).rejects.toMatchObject({ code: 'DNS_FAILURE' });
  });
});

describe('lookups', () => {
  async function withServer(run: (port: number) => Promise<void>): Promise<void> {
    const server = createServer((_, response) => response.end('hi'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await run((server.address() as AddressInfo).port);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  it('pinnedLookup connects to the pinned address for any host name', async () => {
    await withServer(async (port) => {
      const response = await new Promise<number>((resolve, reject) => {
        import('node:http').then(({ get }) =>
          get(`http://pinned.maru.test:${port}/`, { lookup: pinnedLookup([{ address: '127.0.0.1', family: 4 }]) }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          }).on('error', reject),
        );
      });
      expect(response).toBe(200);
    });
  });

  it('createGuardedLookup refuses a forbidden address at connect time and allows it when told to', async () => {
    await withServer(async (port) => {
      const { get } = await import('node:http');
      const resolve: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];
      const attempt = (allowPrivateNetworks: boolean) =>
        new Promise<number>((done, fail) => {
          get(`http://guarded.maru.test:${port}/`, { lookup: createGuardedLookup({ allowPrivateNetworks, resolve }) }, (res) => {
            res.resume();
            done(res.statusCode ?? 0);
          }).on('error', fail);
        });
      await expect(attempt(false)).rejects.toMatchObject({ code: 'FORBIDDEN_ADDRESS' });
      await expect(attempt(true)).resolves.toBe(200);
    });
  });
});
