/**
 * The one guarded way out of maru: every outbound connection a channel provider opens (HTTP through `fetch`, Node's
 * http(s) agents, the HTTP/2 session of APNs, nodemailer's SMTP socket) is checked when it connects, not only when a
 * URL is saved. The host is resolved and every address checked (platform/net-guard.ts: loopback, link-local, private,
 * CGNAT, unspecified, multicast, reserved) in the same step that hands the address to the socket, so a DNS answer that
 * changes to 127.0.0.1 after the config was saved (DNS rebinding) is refused at connect time.
 *
 * The operator's MARU_ALLOW_PRIVATE_NETWORKS (D14) turns the check off (`allowPrivateNetworks: true`): a test reaching
 * loopback fakes, or a relay on the private network. The resolver is injectable (tests answer one address at save time
 * and another at connect time); there is no global state: runtime.ts builds one guard and passes it to every provider.
 *
 * A refused connection fails with a NetGuardError (`code` `FORBIDDEN_ADDRESS`, or `DNS_FAILURE` when the name does not
 * resolve); providers report the first as a permanent failure and the second as retryable (`describeRefusal`).
 */
import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import net from 'node:net';
import { rootCertificates } from 'node:tls';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { LookupFunction } from 'node:net';
import { Agent as UndiciAgent, buildConnector, fetch as undiciFetch } from 'undici';
import { NetGuardError, createGuardedLookup, forbiddenRangeOf, systemResolver } from './net-guard.ts';
import type { ResolvedAddress, Resolver } from './net-guard.ts';

export interface OutboundGuardOptions {
  /** The operator's MARU_ALLOW_PRIVATE_NETWORKS. Default false. */
  allowPrivateNetworks?: boolean;
  /** Default: the system resolver (`dns.lookup`, all addresses). */
  resolve?: Resolver;
}

/** TLS trust for one provider: extra CA certificates (PEM) added to the public roots. */
export interface TlsTrust {
  ca?: string;
}

export type GuardedFetch = (url: string, init?: RequestInit) => Promise<Response>;

/** What nodemailer calls to open an SMTP connection (`getSocket` transport option). */
export type SmtpGetSocket = (
  options: { host?: string; port?: number; connectionTimeout?: number },
  callback: (error: Error | null, socketOptions?: { connection: net.Socket }) => void,
) => void;

export interface OutboundGuard {
  readonly allowPrivateNetworks: boolean;
  /** Resolves `host` (a name or an IP literal) and checks every address; rejects with a NetGuardError. */
  check(host: string): Promise<ResolvedAddress[]>;
  /** A socket `lookup` that resolves and checks (IP literals are checked by the transports below). */
  readonly lookup: LookupFunction;
  /** `fetch` over an undici Agent whose every connection goes through the guard. Close it with the guard. */
  fetcher(trust?: TlsTrust): { fetch: GuardedFetch; close(): Promise<void> };
  /** A keep-alive http(s).Agent whose every connection goes through the guard. */
  agent(protocol: 'http:' | 'https:', trust?: TlsTrust): http.Agent;
  /** `http2.connect` over a guarded TLS socket. */
  connectHttp2(url: string, trust?: TlsTrust): http2.ClientHttp2Session;
  /** nodemailer's `getSocket`: a TCP connection to a checked address of the SMTP host. */
  readonly smtpGetSocket: SmtpGetSocket;
}

const unbracket = (host: string) => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);

/** The refusal for an IP literal in a forbidden range, or undefined (names are checked by the lookup). */
function literalRefusal(host: string, allowPrivateNetworks: boolean): NetGuardError | undefined {
  if (allowPrivateNetworks) return undefined;
  const bare = unbracket(host);
  if (net.isIP(bare) === 0) return undefined;
  const label = forbiddenRangeOf(bare);
  return label === undefined ? undefined : new NetGuardError('FORBIDDEN_ADDRESS', `${bare} is a ${label} address; private networks are not allowed`);
}

const caOf = (trust?: TlsTrust) => (trust?.ca ? { ca: [...rootCertificates, trust.ca] } : {});

export function createOutboundGuard(options: OutboundGuardOptions = {}): OutboundGuard {
  const allowPrivateNetworks = options.allowPrivateNetworks === true;
  const resolve = options.resolve ?? systemResolver;
  const lookup = createGuardedLookup({ allowPrivateNetworks, resolve });

  async function check(host: string): Promise<ResolvedAddress[]> {
    const bare = unbracket(host);
    const literal = net.isIP(bare);
    let addresses: ResolvedAddress[];
    if (literal !== 0) addresses = [{ address: bare, family: literal === 6 ? 6 : 4 }];
    else {
      try {
        addresses = await resolve(bare);
      } catch (error) {
        throw new NetGuardError('DNS_FAILURE', `could not resolve ${bare}: ${(error as NodeJS.ErrnoException).code ?? 'lookup failed'}`);
      }
      if (addresses.length === 0) throw new NetGuardError('DNS_FAILURE', `${bare} resolved to no address`);
    }
    if (!allowPrivateNetworks) {
      for (const { address } of addresses) {
        const label = forbiddenRangeOf(address);
        if (label !== undefined) {
          throw new NetGuardError(
            'FORBIDDEN_ADDRESS',
            literal !== 0
              ? `${bare} is a ${label} address; private networks are not allowed`
              : `${bare} resolves to ${address}, a ${label} address; private networks are not allowed`,
          );
        }
      }
    }
    return addresses;
  }

  function fetcher(trust?: TlsTrust) {
    const base = buildConnector({ ...caOf(trust), lookup } as buildConnector.BuildOptions);
    const connect: buildConnector.connector = (connectOptions, callback) => {
      const refusal = literalRefusal(connectOptions.hostname, allowPrivateNetworks);
      if (refusal) {
        callback(refusal, null);
        return;
      }
      base(connectOptions, callback);
    };
    const dispatcher = new UndiciAgent({ connect });
    const guardedFetch: GuardedFetch = (url, init) =>
      undiciFetch(url, { ...(init as object), dispatcher } as Parameters<typeof undiciFetch>[1]) as unknown as Promise<Response>;
    return { fetch: guardedFetch, close: () => dispatcher.close() };
  }

  function agent(protocol: 'http:' | 'https:', trust?: TlsTrust): http.Agent {
    const Base = protocol === 'https:' ? https.Agent : http.Agent;
    class GuardedAgent extends (Base as typeof http.Agent) {
      override createConnection(
        connectOptions: net.NetConnectOpts & { host?: string },
        callback?: (error: Error | null, socket: Duplex) => void,
      ): Duplex | null | undefined {
        const refusal = literalRefusal(connectOptions.host ?? '', allowPrivateNetworks);
        if (refusal) {
          const socket = new net.Socket();
          process.nextTick(() => socket.destroy(refusal));
          return socket;
        }
        return super.createConnection({ ...connectOptions, lookup }, callback);
      }
    }
    return new GuardedAgent({ keepAlive: true, ...(protocol === 'https:' ? caOf(trust) : {}) } as http.AgentOptions);
  }

  function connectHttp2(url: string, trust?: TlsTrust): http2.ClientHttp2Session {
    const target = new URL(url);
    const host = unbracket(target.hostname);
    const port = Number(target.port || 443);
    const refusal = literalRefusal(host, allowPrivateNetworks);
    return http2.connect(url, {
      createConnection: () =>
        tls.connect({
          port,
          ALPNProtocols: ['h2'],
          ...caOf(trust),
          // A literal address skips `lookup`; a refused one is handed to a lookup that fails with the refusal, so the
          // socket never connects and the session fails with it.
          ...(refusal
            ? { host: 'refused.invalid', lookup: ((_h, _o, callback) => callback(refusal, '', undefined)) as LookupFunction }
            : { host, lookup, ...(net.isIP(host) === 0 ? { servername: host } : {}) }),
        }),
    });
  }

  const smtpGetSocket: SmtpGetSocket = (socketOptions, callback) => {
    const host = socketOptions.host ?? 'localhost';
    const port = socketOptions.port ?? 587;
    check(host).then(
      (addresses) => {
        const socket = net.connect({ host: addresses[0].address, port });
        let settled = false;
        const timer = setTimeout(() => {
          if (settled) return;
          settled = true;
          const error: NodeJS.ErrnoException = new Error(`connection to ${host}:${port} timed out`);
          error.code = 'ETIMEDOUT';
          socket.destroy();
          callback(error);
        }, socketOptions.connectionTimeout ?? 10_000);
        socket.once('connect', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          callback(null, { connection: socket });
        });
        socket.once('error', (error) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          callback(error);
        });
      },
      (error: Error) => callback(error),
    );
  };

  return { allowPrivateNetworks, check, lookup, fetcher, agent, connectHttp2, smtpGetSocket };
}

/** The refusal found anywhere in an error's cause chain (undici wraps connect errors in `TypeError: fetch failed`). */
export function netGuardErrorIn(error: unknown): NetGuardError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof NetGuardError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
