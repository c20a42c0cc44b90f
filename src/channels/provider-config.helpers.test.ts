import { describe, expect, it } from 'vitest';
import { configReader } from './provider-config.helpers.ts';
import { isForbiddenHostLiteral as isPrivateHost } from '../platform/net-guard.ts';

describe('isForbiddenHostLiteral (used to refuse private provider base URLs)', () => {
  it.each([
    'localhost',
    'api.localhost',
    '127.0.0.1',
    '127.9.9.9',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '[::1]',
    '::1',
    '[fe80::1]',
    '[fd12:3456::1]',
    '[::ffff:127.0.0.1]',
    '[::ffff:7f00:1]',
  ])('%s is private', (host) => {
    expect(isPrivateHost(host)).toBe(true);
  });

  it.each(['api-sms.cloud.toast.com', 'api.twilio.com', '8.8.8.8', '172.32.0.1', '[2001:4860:4860::8888]', '[::ffff:8.8.8.8]'])('%s is public', (host) => {
    expect(isPrivateHost(host)).toBe(false);
  });

  it('agrees with URL hostname parsing of an IPv4-mapped IPv6 literal', () => {
    expect(isPrivateHost(new URL('http://[::ffff:10.0.0.1]:8080/').hostname)).toBe(true);
  });
});

describe('configReader', () => {
  it('strips the trailing slash of a base URL and refuses one with a query', () => {
    const read = configReader('p', { baseUrl: 'https://api.example.com/v1/' });
    expect(read.baseUrl('baseUrl', 'https://default.example', false)).toBe('https://api.example.com/v1');
    expect(configReader('p', {}).baseUrl('baseUrl', 'https://default.example', false)).toBe('https://default.example');
    expect(() => configReader('p', { baseUrl: 'https://a.example/?x=1' }).baseUrl('baseUrl', 'https://d', false)).toThrow(
      'p config: "baseUrl" must not have a query or fragment',
    );
    expect(() => configReader('p', { baseUrl: 'https://u:pw@a.example' }).baseUrl('baseUrl', 'https://d', false)).toThrow(
      '"baseUrl" must not contain credentials',
    );
  });

  it('names a field of the wrong type', () => {
    expect(() => configReader('p', { flag: 'yes' }).optionalBoolean('flag')).toThrow('p config: "flag" must be true or false');
    expect(() => configReader('p', { key: 42 }).requireString('key')).toThrow('p config: "key" must be a non-empty string');
  });
});
