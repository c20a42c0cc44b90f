/**
 * Loopback webhook receiver. Verifies each request the way a receiver is told to in docs/providers.md:
 * POST to the configured path, JSON body, `x-maru-timestamp` within 5 minutes, `x-maru-signature`
 * `v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>` compared in constant time, and an
 * `x-maru-idempotency-key`. A request that fails a check is answered 400 and recorded with the problem.
 * Answers can be scripted per request (`failNext`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { startLoopbackServer } from './loopback.ts';

export type WebhookFakeAnswer = { kind: 'status'; status: number; headers?: Record<string, string>; body?: string } | { kind: 'hang' } | { kind: 'reset' };

export interface WebhookFakeRequest {
  method: string;
  path: string;
  host: string | undefined;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: unknown;
  /** Problems found by the checks; empty for a correctly signed request. */
  problems: string[];
}

export interface WebhookFake {
  url: string;
  port: number;
  requests: WebhookFakeRequest[];
  /** Answer the next request(s) with these, in order; afterwards 204. */
  failNext(...answers: WebhookFakeAnswer[]): void;
  close(): Promise<void>;
}

export async function startWebhookFake(options: { secret: string; path?: string; toleranceSeconds?: number }): Promise<WebhookFake> {
  const path = options.path ?? '/hooks/maru';
  const tolerance = options.toleranceSeconds ?? 300;
  const requests: WebhookFakeRequest[] = [];
  const script: WebhookFakeAnswer[] = [];

  function check(method: string, url: string, headers: IncomingHttpHeaders, rawBody: string): { problems: string[]; body: unknown } {
    const problems: string[] = [];
    if (method !== 'POST') problems.push(`method ${method}`);
    if (url !== path) problems.push(`path ${url}`);
    if (!headers['content-type']?.startsWith('application/json')) problems.push(`content-type ${headers['content-type']}`);
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      problems.push('body is not JSON');
    }
    const timestamp = headers['x-maru-timestamp'];
    if (typeof timestamp !== 'string' || !/^\d+$/.test(timestamp)) {
      problems.push('missing x-maru-timestamp');
    } else if (Math.abs(Date.now() / 1000 - Number(timestamp)) > tolerance) {
      problems.push('x-maru-timestamp outside tolerance');
    }
    const signature = headers['x-maru-signature'];
    if (typeof signature !== 'string' || !signature.startsWith('v1=')) {
      problems.push('missing x-maru-signature v1');
    } else {
      const expected = Buffer.from(createHmac('sha256', options.secret).update(`${timestamp}.${rawBody}`).digest('hex'));
      const given = Buffer.from(signature.slice(3));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) problems.push('signature mismatch');
    }
    if (typeof headers['x-maru-idempotency-key'] !== 'string' || headers['x-maru-idempotency-key'] === '') {
      problems.push('missing x-maru-idempotency-key');
    }
    return { problems, body };
  }

  function reply(response: ServerResponse, answer: WebhookFakeAnswer): void {
    if (answer.kind === 'hang') return;
    if (answer.kind === 'reset') {
      response.socket?.destroy();
      return;
    }
    response.writeHead(answer.status, answer.headers ?? {});
    response.end(answer.body ?? '');
  }

  const server = await startLoopbackServer((request, response) => {
    const rawBody = request.body.toString('utf8');
    const { problems, body } = check(request.method, request.url, request.headers, rawBody);
    requests.push({ method: request.method, path: request.url, host: request.headers.host, headers: request.headers, rawBody, body, problems });
    if (problems.length > 0) {
      reply(response, { kind: 'status', status: 400, body: problems.join('; ') });
      return;
    }
    reply(response, script.shift() ?? { kind: 'status', status: 204 });
  });
  const port = server.port;

  return {
    url: `http://127.0.0.1:${port}${path}`,
    port,
    requests,
    failNext: (...answers) => script.push(...answers),
    close: () => server.close(),
  };
}
