import { failed, type SendResult } from '../provider.types.ts';
import { clip, isTransientStatus, transientFailure, type VendorResponse } from '../http/vendor-call.ts';

/**
 * NHN Cloud's response envelope, shared by the SMS and KakaoTalk Bizmessage APIs:
 * `{ header: { isSuccessful, resultCode, resultMessage }, ... }`.
 */

export interface NhnHeader {
  isSuccessful: boolean;
  resultCode: number;
  resultMessage: string;
}

export interface NhnRecipientResult {
  recipientNo?: string;
  recipientSeq?: number;
  resultCode: number;
  resultMessage: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function readNhnHeader(json: unknown): NhnHeader | undefined {
  if (!isRecord(json) || !isRecord(json.header)) return undefined;
  const { isSuccessful, resultCode, resultMessage } = json.header;
  if (typeof isSuccessful !== 'boolean') return undefined;
  return {
    isSuccessful,
    resultCode: typeof resultCode === 'number' ? resultCode : Number(resultCode ?? Number.NaN),
    resultMessage: typeof resultMessage === 'string' ? resultMessage : '',
  };
}

/** `json[path[0]][path[1]]...`, or undefined. */
export function dig(json: unknown, ...path: string[]): unknown {
  let node: unknown = json;
  for (const key of path) {
    if (!isRecord(node)) return undefined;
    node = node[key];
  }
  return node;
}

export function readRecipientResults(list: unknown): NhnRecipientResult[] {
  if (!Array.isArray(list)) return [];
  const results: NhnRecipientResult[] = [];
  for (const item of list) {
    if (!isRecord(item)) continue;
    const resultCode = typeof item.resultCode === 'number' ? item.resultCode : Number(item.resultCode);
    if (Number.isNaN(resultCode)) continue;
    results.push({
      recipientNo: typeof item.recipientNo === 'string' ? item.recipientNo : undefined,
      recipientSeq: typeof item.recipientSeq === 'number' ? item.recipientSeq : Number(item.recipientSeq ?? 1),
      resultCode,
      resultMessage: typeof item.resultMessage === 'string' ? item.resultMessage : '',
    });
  }
  return results;
}

/** "result code -2019 (RecipientNo is invalid.)", or '' without a header. */
export function describeNhnHeader(header: NhnHeader | undefined): string {
  if (header === undefined) return '';
  return `result code ${header.resultCode}${header.resultMessage ? ` (${clip(header.resultMessage)})` : ''}`;
}

export function nhnAuthHint(status: number): string {
  return status === 401 || status === 403 ? ' (check appKey and secretKey)' : '';
}

/**
 * The checks every NHN send response goes through before its body is read: network trouble, 429/5xx and an
 * unreadable envelope, then a header that says the request failed (classified by the API's own result codes).
 * Answers `{ result }` to return as is, or `{ json }` of a successful envelope to read the send results from.
 */
export function checkNhnSendResponse(
  vendor: string,
  response: VendorResponse,
  classifyCode: (resultCode: number, resultMessage: string) => SendResult,
): { result: SendResult } | { json: unknown } {
  if (response.kind === 'network-error') return { result: transientFailure(vendor, response) };
  const header = readNhnHeader(response.json);
  if (isTransientStatus(response.status)) return { result: transientFailure(vendor, response, describeNhnHeader(header)) };
  if (header === undefined) {
    if (response.status >= 200 && response.status < 300) {
      return { result: failed(false, `${vendor}: unreadable response to a send (HTTP ${response.status}); the message may have been sent`) };
    }
    return { result: failed(false, `${vendor}: HTTP ${response.status}${nhnAuthHint(response.status)}`) };
  }
  if (!header.isSuccessful) {
    if (response.status === 401 || response.status === 403) {
      return { result: failed(false, `${vendor}: HTTP ${response.status}${nhnAuthHint(response.status)} ${describeNhnHeader(header)}`) };
    }
    return { result: classifyCode(header.resultCode, header.resultMessage) };
  }
  return { json: response.json };
}
