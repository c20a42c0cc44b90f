/**
 * Server-side request forgery guard.
 *
 * Outbound requests to addresses the operator configures or a client supplies (webhook URLs, provider base
 * URLs, web push endpoints) must not reach the machine maru runs on or its private network unless the
 * operator allows it. Three pieces:
 *
 * - `isForbiddenAddress(ip)` / `forbiddenRangeOf(ip)`: pure check of one IP address against the loopback,
 *   link-local, private, shared (CGNAT), unspecified, multicast and reserved ranges, IPv4 and IPv6, including
 *   IPv4 addresses embedded in IPv6 (mapped, compatible, NAT64, 6to4). Anything that is not a valid IP is
 *   forbidden (fail closed).
 * - `assertPublicUrl(url)`: parses the URL, resolves its host once and checks every address; returns the
 *   checked addresses so the caller connects to exactly those (`pinnedLookup`) and never re-resolves (DNS
 *   rebinding).
 * - `createGuardedLookup()`: a `lookup` for sockets/agents that are reused across hosts (web push): every
 *   connection resolves and checks in the same step that hands the address to the socket.
 *
 * Note that `net.connect` does not call `lookup` for an IP-literal host, so callers of the lookup helpers
 * must check literal hosts themselves; `assertPublicUrl` does.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { LookupFunction } from 'node:net';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all of its addresses. Injectable for tests. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) => {
  const found = await dnsLookup(hostname, { all: true, order: 'verbatim' });
  return found.map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));
};

export type NetGuardErrorCode = 'INVALID_URL' | 'FORBIDDEN_ADDRESS' | 'DNS_FAILURE';

export class NetGuardError extends Error {
  readonly code: NetGuardErrorCode;
  constructor(code: NetGuardErrorCode, message: string) {
    super(message);
    this.name = 'NetGuardError';
    this.code = code;
  }
}

interface Range {
  bytes: Uint8Array;
  prefix: number;
  label: string;
  /** Where the embedded IPv4 address starts (byte offset), for ranges that carry one. */
  embeddedV4At?: number;
}

const range = (cidr: string, label: string, embeddedV4At?: number): Range => {
  const [ip, prefix] = cidr.split('/');
  const bytes = parseIp(ip);
  if (!bytes) throw new Error(`bad built-in range ${cidr}`);
  return { bytes, prefix: Number(prefix), label, embeddedV4At };
};

const IPV4_RANGES: Range[] = [
  range('0.0.0.0/8', 'unspecified'),
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'shared address space (CGNAT)'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local'),
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'IETF protocol assignments'),
  range('192.0.2.0/24', 'documentation'),
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'benchmarking'),
  range('198.51.100.0/24', 'documentation'),
  range('203.0.113.0/24', 'documentation'),
  range('224.0.0.0/4', 'multicast'),
  range('240.0.0.0/4', 'reserved'),
];

// Order matters: the exact ::/128 and ::1/128 come before the ::/96 IPv4-compatible range.
const IPV6_RANGES: Range[] = [
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('::ffff:0:0/96', 'IPv4-mapped', 12),
  range('::/96', 'IPv4-compatible', 12),
  range('64:ff9b::/96', 'NAT64', 12),
  range('64:ff9b:1::/48', 'private (local-use NAT64)'),
  range('100::/64', 'discard-only'),
  range('2001::/32', 'Teredo'),
  range('2001:db8::/32', 'documentation'),
  range('2002::/16', '6to4', 2),
  range('fc00::/7', 'private (unique local)'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'site-local'),
  range('ff00::/8', 'multicast'),
];

function parseIpv4(text: string): Uint8Array | null {
  if (isIP(text) !== 4) return null;
  return Uint8Array.from(text.split('.').map(Number));
}

function parseIpv6(input: string): Uint8Array | null {
  let text = input;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (isIP(text) !== 6) return null;
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parseIpv4(last);
    if (!v4) return null;
    const hi = ((v4[0] << 8) | v4[1]).toString(16);
    const lo = ((v4[2] << 8) | v4[3]).toString(16);
    text = `${text.slice(0, lastColon + 1)}${hi}:${lo}`;
  }
  let groups: string[];
  const gap = text.indexOf('::');
  if (gap >= 0) {
    const head = text.slice(0, gap) === '' ? [] : text.slice(0, gap).split(':');
    const tail = text.slice(gap + 2) === '' ? [] : text.slice(gap + 2).split(':');
    groups = [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  } else {
    groups = text.split(':');
  }
  if (groups.length !== 8) return null;
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = Number.parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}

/** 4 bytes for IPv4, 16 for IPv6 (a zone id like `%eth0` is ignored), or null if `text` is not an IP address. */
export function parseIp(text: string): Uint8Array | null {
  const unbracketed = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return parseIpv4(unbracketed) ?? parseIpv6(unbracketed);
}

function matches(bytes: Uint8Array, candidate: Range): boolean {
  if (bytes.length !== candidate.bytes.length) return false;
  const whole = Math.floor(candidate.prefix / 8);
  for (let i = 0; i < whole; i++) if (bytes[i] !== candidate.bytes[i]) return false;
  const bits = candidate.prefix % 8;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (bytes[whole] & mask) === (candidate.bytes[whole] & mask);
}

function forbiddenRangeOfBytes(bytes: Uint8Array): string | undefined {
  const ranges = bytes.length === 4 ? IPV4_RANGES : IPV6_RANGES;
  for (const candidate of ranges) {
    if (!matches(bytes, candidate)) continue;
    if (candidate.embeddedV4At === undefined) return candidate.label;
    const inner = forbiddenRangeOfBytes(bytes.subarray(candidate.embeddedV4At, candidate.embeddedV4At + 4));
    return inner === undefined ? undefined : `${inner} (${candidate.label})`;
  }
  return undefined;
}

/**
 * The name of the forbidden range `ip` falls in (`'loopback'`, `'private'`, ...), or undefined for a public
 * address. A string that is not an IP address gives `'not an IP address'`.
 */
export function forbiddenRangeOf(ip: string): string | undefined {
  const bytes = parseIp(ip);
  if (!bytes) return 'not an IP address';
  return forbiddenRangeOfBytes(bytes);
}

/** True when `ip` is loopback, link-local, private, CGNAT, unspecified, multicast, reserved, or not an IP at all. */
export function isForbiddenAddress(ip: string): boolean {
  return forbiddenRangeOf(ip) !== undefined;
}

/**
 * A quick check on a hostname as written, without DNS: true for `localhost` names and for literal addresses in a
 * forbidden range. Use it to refuse configuration early; at send time use assertPublicUrl or createGuardedLookup,
 * which also catch public names that resolve to private addresses.
 */
export function isForbiddenHostLiteral(hostname: string): boolean {
  const host = (hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname).toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return parseIp(host) !== null && isForbiddenAddress(host);
}

export interface AssertPublicUrlOptions {
  /** Skip the address check (the URL is still parsed and resolved). Default false. */
  allowPrivateNetworks?: boolean;
  /** Accepted URL schemes. Default `['http:', 'https:']`. */
  protocols?: readonly string[];
  resolve?: Resolver;
}

/** The URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Parses `url`, resolves its host (once) and checks every address it resolves to. Resolves to the checked
 * addresses — connect to these (see `pinnedLookup`), do not resolve the host again.
 * Rejects with a NetGuardError: `INVALID_URL`, `FORBIDDEN_ADDRESS` (naming the host, address and range)
 * or `DNS_FAILURE` (a transient condition).
 */
export async function assertPublicUrl(url: string | URL, options: AssertPublicUrlOptions = {}): Promise<ResolvedAddress[]> {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    throw new NetGuardError('INVALID_URL', 'not a valid URL');
  }
  const protocols = options.protocols ?? ['http:', 'https:'];
  if (!protocols.includes(parsed.protocol)) {
    throw new NetGuardError('INVALID_URL', `URL scheme ${parsed.protocol} is not allowed (use ${protocols.join(' or ')})`);
  }
  const host = hostOf(parsed);
  const family = isIP(host);
  let addresses: ResolvedAddress[];
  if (family !== 0) {
    addresses = [{ address: host, family: family === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await (options.resolve ?? systemResolver)(host);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'lookup failed';
      throw new NetGuardError('DNS_FAILURE', `could not resolve ${host}: ${code}`);
    }
    if (addresses.length === 0) throw new NetGuardError('DNS_FAILURE', `${host} resolved to no address`);
  }
  if (!options.allowPrivateNetworks) {
    for (const { address } of addresses) {
      const label = forbiddenRangeOf(address);
      if (label === undefined) continue;
      throw new NetGuardError(
        'FORBIDDEN_ADDRESS',
        family !== 0
          ? `${host} is a ${label} address; private networks are not allowed`
          : `${host} resolves to ${address}, a ${label} address; private networks are not allowed`,
      );
    }
  }
  return addresses;
}

function wantedFamily(option: number | 'IPv4' | 'IPv6' | undefined): 0 | 4 | 6 {
  if (option === 4 || option === 'IPv4') return 4;
  if (option === 6 || option === 'IPv6') return 6;
  return 0;
}

function answer(
  hostname: string,
  addresses: readonly ResolvedAddress[],
  options: { family?: number | 'IPv4' | 'IPv6'; all?: boolean },
  callback: Parameters<LookupFunction>[2],
): void {
  const family = wantedFamily(options.family);
  const candidates = family === 0 ? addresses : addresses.filter((entry) => entry.family === family);
  if (candidates.length === 0) {
    const error: NodeJS.ErrnoException = new Error(`no IPv${family} address for ${hostname}`);
    error.code = 'ENOTFOUND';
    callback(error, '', undefined);
    return;
  }
  if (options.all)
    callback(
      null,
      candidates.map((entry) => ({ address: entry.address, family: entry.family })),
    );
  else callback(null, candidates[0].address, candidates[0].family);
}

/** A socket `lookup` that answers with the given, already checked, addresses and never asks DNS. */
export function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (hostname, options, callback) => answer(hostname, addresses, options, callback);
}

/**
 * A socket `lookup` that resolves the host and refuses (NetGuardError `FORBIDDEN_ADDRESS`) when any address is
 * forbidden; the socket connects to the addresses that were checked. For agents shared across hosts.
 */
export function createGuardedLookup(options: { allowPrivateNetworks?: boolean; resolve?: Resolver } = {}): LookupFunction {
  const resolve = options.resolve ?? systemResolver;
  return (hostname, lookupOptions, callback) => {
    const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    const literal = isIP(host);
    const resolved: Promise<ResolvedAddress[]> = literal !== 0 ? Promise.resolve([{ address: host, family: literal === 6 ? 6 : 4 }]) : resolve(host);
    resolved.then(
      (addresses) => {
        if (!options.allowPrivateNetworks) {
          for (const { address } of addresses) {
            const label = forbiddenRangeOf(address);
            if (label !== undefined) {
              callback(
                new NetGuardError('FORBIDDEN_ADDRESS', `${host} resolves to ${address}, a ${label} address; private networks are not allowed`),
                '',
                undefined,
              );
              return;
            }
          }
        }
        answer(host, addresses, lookupOptions, callback);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', undefined),
    );
  };
}
