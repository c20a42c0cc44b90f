/**
 * One HTTP call to a vendor, for the text and Kakao providers: the provider's guarded `fetch` (platform/outbound-guard.ts:
 * every connection checked against private networks when it connects) with `AbortSignal.timeout`, no retries (the
 * delivery pipeline owns retries), and a result that never throws for network trouble.
 */
import { netGuardErrorIn, type GuardedFetch } from '../../platform/outbound-guard.ts';
import { failed } from '../provider.types.ts';
import type { SendResult } from '../provider.types.ts';
import { retryAfterMs as parseRetryAfterHeader } from './retry-after.ts';

export interface VendorRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export type VendorResponse =
  | { kind: 'response'; status: number; headers: Headers; text: string; json: unknown }
  | { kind: 'network-error'; reason: string /** The guard refused the address: asking again cannot help. */; refused?: boolean };

export async function callVendor(via: GuardedFetch, request: VendorRequest): Promise<VendorResponse> {
  let response: Response;
  let text: string;
  try {
    response = await via(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    const refusal = netGuardErrorIn(error);
    if (refusal) return { kind: 'network-error', reason: `address refused: ${refusal.message}`, refused: refusal.code === 'FORBIDDEN_ADDRESS' };
    return { kind: 'network-error', reason: describeNetworkError(error, request.timeoutMs) };
  }
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { kind: 'response', status: response.status, headers: response.headers, text, json };
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no response within ${timeoutMs} ms`;
  }
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return `network error (${cause.code})`;
  if (error instanceof Error) return `network error (${error.message})`;
  return 'network error';
}

/**
 * The retryable result for a network failure, timeout, 429 or 5xx, carrying Retry-After when sent; a connection the
 * guard refused (a private address) is permanent.
 */
export function transientFailure(vendor: string, response: VendorResponse, detail?: string): SendResult {
  if (response.kind === 'network-error') return failed(response.refused !== true, `${vendor}: ${response.reason}`);
  const retryAfterMs = parseRetryAfterHeader(response.headers.get('retry-after'));
  const reason = `${vendor}: HTTP ${response.status}${detail ? ` ${detail}` : ''}`;
  return failed(true, reason, retryAfterMs === undefined ? {} : { retryAfterMs });
}

export function isTransientStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Strip a vendor message to something safe and short for `SendResult.reason`. */
export function clip(text: unknown, max = 200): string {
  const value = typeof text === 'string' ? text : text === undefined || text === null ? '' : String(text);
  const oneLine = value.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}
