/**
 * Generic webhook provider: POSTs the message payload as JSON to one configured URL, signed.
 *
 * Headers sent with every request:
 * - `x-maru-timestamp`: unix seconds when the request was signed;
 * - `x-maru-signature`: `v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`;
 * - `x-maru-idempotency-key`: the delivery's idempotency key (the same across retries of one delivery).
 *
 * SSRF guard: every connection goes through the outbound guard (platform/outbound-guard.ts): the URL's host is
 * resolved and every address checked when the socket connects, and the socket connects to the checked addresses only; loopback, link-local,
 * private, CGNAT, unspecified, multicast and reserved addresses are refused unless `allowPrivateNetworks`.
 * Redirects are not followed (a redirect could point anywhere); a 3xx answer is a permanent failure.
 *
 * Uses node:http(s) rather than fetch: the global fetch cannot be told which address to connect to.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { failed, sent } from '../provider.types.ts';
import type { SendResult, WebhookMessage, WebhookProvider } from '../provider.types.ts';
import type { Resolver } from '../../platform/net-guard.ts';
import { createOutboundGuard, netGuardErrorIn, type OutboundGuard } from '../../platform/outbound-guard.ts';
import { retryAfterMs } from '../http/retry-after.ts';

export interface WebhookProviderConfig {
  /** http(s) URL the payload is POSTed to. */
  url: string;
  /** Shared secret for the signature; at least 16 characters. */
  secret: string;
  /** Whole-request timeout. Default 10 000 ms. */
  timeoutMs?: number;
  /** Allow loopback/private/link-local targets (development, on-premise receivers). Default false. */
  allowPrivateNetworks?: boolean;
  /** Extra static headers (e.g. an Authorization the receiver wants). Cannot override the x-maru-* headers. */
  headers?: Record<string, string>;
  /** Extra trusted CA certificates (PEM), added to the public roots, for an https receiver with a private CA. */
  ca?: string;
}

export interface WebhookProviderDeps {
  /** The guard every connection goes through. Default: one built from `allowPrivateNetworks` and `resolve`. */
  network?: OutboundGuard;
  resolve?: Resolver;
  now?: () => number;
}

export const WEBHOOK_SIGNATURE_VERSION = 'v1';
const MAX_RESPONSE_BYTES = 64 * 1024;
const RESERVED_HEADERS = new Set(['x-maru-timestamp', 'x-maru-signature', 'x-maru-idempotency-key', 'content-type', 'content-length', 'host']);

/** `v1=<hex>` for `body` signed at `timestamp` (unix seconds). Receivers recompute this and compare in constant time. */
export function signWebhookBody(input: { secret: string; timestamp: number; body: string }): string {
  const mac = createHmac('sha256', input.secret).update(`${input.timestamp}.${input.body}`).digest('hex');
  return `${WEBHOOK_SIGNATURE_VERSION}=${mac}`;
}

function validate(config: WebhookProviderConfig): { url: URL; timeoutMs: number; headers: Record<string, string> } {
  if (typeof config !== 'object' || config === null) throw new Error('webhook provider config must be an object');
  let url: URL;
  try {
    url = new URL(config.url);
  } catch {
    throw new Error('webhook provider config: "url" must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`webhook provider config: "url" must use http or https, not ${url.protocol}`);
  }
  if (typeof config.secret !== 'string' || config.secret.length < 16) {
    throw new Error('webhook provider config: "secret" must be a string of at least 16 characters');
  }
  const timeoutMs = config.timeoutMs ?? 10_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new Error('webhook provider config: "timeoutMs" must be a positive integer');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers ?? {})) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || typeof value !== 'string' || /[\r\n]/.test(value)) {
      throw new Error(`webhook provider config: "headers.${name}" is not a valid header`);
    }
    if (RESERVED_HEADERS.has(name.toLowerCase())) throw new Error(`webhook provider config: "headers.${name}" is set by maru itself`);
    headers[name] = value;
  }
  return { url, timeoutMs, headers };
}

interface HttpAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
    const code = (error as NodeJS.ErrnoException).code;
    return code ? `${code}` : error.message;
  }
  return String(error);
}

export function createWebhookProvider(config: WebhookProviderConfig, deps: WebhookProviderDeps = {}): WebhookProvider {
  const { url, timeoutMs, headers: extraHeaders } = validate(config);
  const now = deps.now ?? Date.now;
  const transport = url.protocol === 'https:' ? https : http;
  const network = deps.network ?? createOutboundGuard({ allowPrivateNetworks: config.allowPrivateNetworks === true, resolve: deps.resolve });
  const agent = network.agent(url.protocol === 'https:' ? 'https:' : 'http:', { ca: config.ca });

  function post(body: string, headers: Record<string, string>): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const request = transport.request(url, { method: 'POST', headers, agent, signal: AbortSignal.timeout(timeoutMs) }, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk);
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      });
      request.on('error', reject);
      request.end(body);
    });
  }

  return {
    async send(message: WebhookMessage): Promise<SendResult> {
      if (typeof message?.idempotencyKey !== 'string' || message.idempotencyKey === '') {
        throw new Error('webhook message: "idempotencyKey" is required');
      }
      if (typeof message.payload !== 'object' || message.payload === null) throw new Error('webhook message: "payload" must be an object');

      const body = JSON.stringify(message.payload);
      const timestamp = Math.floor(now() / 1000);
      const headers: Record<string, string> = {
        'user-agent': 'maru-webhook/1',
        ...extraHeaders,
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(Buffer.byteLength(body)),
        'x-maru-timestamp': String(timestamp),
        'x-maru-signature': signWebhookBody({ secret: config.secret, timestamp, body }),
        'x-maru-idempotency-key': message.idempotencyKey,
      };

      let answer: HttpAnswer;
      try {
        answer = await post(body, headers);
      } catch (error) {
        const refusal = netGuardErrorIn(error);
        if (refusal) return failed(refusal.code === 'DNS_FAILURE', `webhook URL refused: ${refusal.message}`);
        return failed(true, `webhook request failed: ${describe(error)}`);
      }

      const { status } = answer;
      if (status >= 200 && status < 300) {
        const requestId = answer.headers['x-request-id'];
        return sent(typeof requestId === 'string' ? requestId : undefined);
      }
      const reason = `webhook answered HTTP ${status}${answer.body ? `: ${answer.body.slice(0, 200)}` : ''}`;
      if (status === 408 || status === 429 || status >= 500) {
        const retryAfter = retryAfterMs(answer.headers['retry-after'], now());
        return failed(true, reason, retryAfter === undefined ? {} : { retryAfterMs: retryAfter });
      }
      if (status >= 300 && status < 400) return failed(false, `webhook answered a redirect (HTTP ${status}); redirects are not followed`);
      return failed(false, reason);
    },

    async close(): Promise<void> {
      agent.destroy();
    },
  };
}
