/**
 * The one NHN delivery-result lookup (issue 20), shared by the NHN Cloud SMS and NHN KakaoTalk Bizmessage providers:
 * both answer `GET …/{requestId}…` with the NHN envelope (`header`) and one record whose status field says pending,
 * completed (delivered when the carrier/Kakao `resultCode` is "1000" or absent, failed otherwise) or given up (failed).
 * Network errors and HTTP 429/5xx are retryable unknown answers; a header error is unknown, retryable for the
 * vendor's retryable codes only. What differs per vendor (where the record sits, the status field and its values,
 * which fields carry the detail and the delivery time, how a failure is described) is passed in.
 */
import type { GuardedFetch } from '../../platform/outbound-guard.ts';
import type { DeliveryStatus } from '../delivery-status.types.ts';
import { callVendor, clip, isTransientStatus } from '../http/vendor-call.ts';
import { describeNhnHeader, dig, nhnAuthHint, readNhnHeader } from './nhn-envelope.ts';

export interface NhnResultLookup {
  vendor: string;
  fetch: GuardedFetch;
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  providerMessageId: string;
  /** Header result codes worth asking again for. */
  retryableCodes: ReadonlySet<number>;
  /** The result record in a successful answer. */
  record: (json: unknown) => unknown;
  /** When set, a missing (non-object) record is an unknown answer with this reason. */
  missingRecord?: string;
  statusField: string;
  pending: readonly string[];
  completed: string;
  gaveUp: readonly string[];
  /** Fields naming the outcome, first non-empty wins. */
  detailFields: readonly string[];
  /** Fields carrying the delivery time, first non-empty string wins. */
  deliveredAtFields: readonly string[];
  failure: (providerMessageId: string, code: string, detail: string) => DeliveryStatus;
}

export async function lookupNhnResult(q: NhnResultLookup): Promise<DeliveryStatus> {
  const { providerMessageId } = q;
  const response = await callVendor(q.fetch, { method: 'GET', url: q.url, headers: q.headers, timeoutMs: q.timeoutMs });
  const unknown = (retryable: boolean, reason: string): DeliveryStatus => ({
    status: 'unknown',
    providerMessageId,
    retryable,
    reason: `${q.vendor}: ${reason}`,
  });
  if (response.kind === 'network-error') return unknown(true, response.reason);
  const header = readNhnHeader(response.json);
  if (isTransientStatus(response.status)) return unknown(true, `HTTP ${response.status} ${describeNhnHeader(header)}`.trim());
  if (header === undefined) return unknown(false, `HTTP ${response.status}${nhnAuthHint(response.status)}; unreadable response`);
  if (!header.isSuccessful) return unknown(q.retryableCodes.has(header.resultCode), describeNhnHeader(header));

  const record = q.record(response.json);
  if (q.missingRecord !== undefined && (record === null || typeof record !== 'object')) return unknown(false, q.missingRecord);
  const status = String(dig(record, q.statusField) ?? '');
  const resultCode = dig(record, 'resultCode');
  const code = resultCode === undefined || resultCode === null || resultCode === '' ? undefined : String(resultCode);
  let detailValue: unknown;
  for (const f of q.detailFields) detailValue ||= dig(record, f);
  const detail = clip(detailValue);
  if (q.pending.includes(status)) return { status: 'pending', providerMessageId };
  if (status === q.completed) {
    if (code === undefined || code === '1000') {
      let at: unknown;
      for (const f of q.deliveredAtFields) at ||= dig(record, f);
      return typeof at === 'string' && at !== '' ? { status: 'delivered', providerMessageId, deliveredAt: at } : { status: 'delivered', providerMessageId };
    }
    return q.failure(providerMessageId, code, detail);
  }
  if (q.gaveUp.includes(status)) return q.failure(providerMessageId, code ?? `${q.statusField} ${status}`, detail);
  return unknown(false, `unexpected ${q.statusField} "${clip(status, 20)}"`);
}
