import { BLOCKLIST_LIMITS, type BlocklistChange, type BlocklistQuery } from '../../core/blocklist/blocklist.types.ts';
import { invalid } from '../../core/errors.ts';
import { ZoneOffsets } from '../../core/export/timezone.ts';
import { parseServiceNumber } from '../../core/messaging/numbers.ts';

/**
 * Notifly's 080 block-list wire format (seed 004 §9) ⇄ the core's block-list commands: the query and body names
 * (`unsubscribeNo`, `recipientNo`, `recipientNoList`, `startRequestDate`, `endRequestDate`, `pageNum`, `pageSize`) and
 * the Java-style `requestDate` the seed shows live here only.
 */
type Query = Record<string, unknown>;

const single = (q: Query, key: string): unknown => {
  const v = q[key];
  if (Array.isArray(v)) throw invalid(key, `${key} must be given once`);
  return v;
};

function positiveInt(raw: unknown, field: string, dflt: number, max: number): number {
  if (raw === undefined || raw === '') return dflt;
  const n = typeof raw === 'number' ? raw : /^\d+$/.test(String(raw)) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) throw invalid(field, `${field} must be a whole number from 1 to ${max}`);
  return n;
}

const numbers = (list: unknown[], field: string): string[] =>
  list.map((raw, i) => parseServiceNumber(raw, `${field}[${i}]`, { maxLength: BLOCKLIST_LIMITS.recipientNoLength, minDigits: 7 }));

/** `GET .../blockservice/recipients?unsubscribeNo=&recipientNo=&startRequestDate=&endRequestDate=&pageNum=&pageSize=`. */
export function mapFindQuery(query: Query): BlocklistQuery {
  const unsubscribeNo = parseServiceNumber(single(query, 'unsubscribeNo'), 'unsubscribeNo', { maxLength: BLOCKLIST_LIMITS.unsubscribeNoLength });
  const rawRecipient = single(query, 'recipientNo');
  const recipientNo =
    rawRecipient === undefined || rawRecipient === ''
      ? undefined
      : parseServiceNumber(rawRecipient, 'recipientNo', { maxLength: BLOCKLIST_LIMITS.recipientNoLength });
  const date = (field: 'startRequestDate' | 'endRequestDate') => {
    const raw = single(query, field);
    if (raw === undefined || raw === '') return undefined;
    if (typeof raw !== 'string') throw invalid(field, `${field} must be yyyy-MM-dd HH:mm:ss (project time)`);
    return { text: raw, field };
  };
  const from = date('startRequestDate');
  const to = date('endRequestDate');
  return {
    unsubscribeNo,
    ...(recipientNo !== undefined ? { recipientNo } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    pageNum: positiveInt(single(query, 'pageNum'), 'pageNum', 1, 1_000_000),
    pageSize: positiveInt(single(query, 'pageSize'), 'pageSize', BLOCKLIST_LIMITS.defaultPageSize, BLOCKLIST_LIMITS.maxPageSize),
  };
}

/**
 * `POST .../blockservice/recipients` `{unsubscribeNo (≤ 25), recipientNoList: [1–10 numbers of ≤ 25 characters]}`; the
 * shape and counts are checked by the route's schema, the numbers here.
 */
export function mapRegisterBody(body: { unsubscribeNo: string; recipientNoList: string[] }): BlocklistChange {
  const unsubscribeNo = parseServiceNumber(body.unsubscribeNo, 'unsubscribeNo', { maxLength: BLOCKLIST_LIMITS.unsubscribeNoLength });
  return { unsubscribeNo, recipientNos: numbers(body.recipientNoList, 'recipientNoList') };
}

/** `DELETE .../blockservice/recipients/removes?unsubscribeNo=(≤ 20)&recipientNoList=a,b`. */
export function mapRemoveQuery(query: Query): BlocklistChange {
  const unsubscribeNo = parseServiceNumber(single(query, 'unsubscribeNo'), 'unsubscribeNo', { maxLength: BLOCKLIST_LIMITS.removeUnsubscribeNoLength });
  const raw = single(query, 'recipientNoList');
  if (typeof raw !== 'string' || raw.trim() === '') throw invalid('recipientNoList', 'recipientNoList is required: numbers separated by commas');
  const list = raw.split(',').map((s) => s.trim());
  if (list.length > BLOCKLIST_LIMITS.removeListSize)
    throw invalid('recipientNoList', `recipientNoList has ${list.length} numbers; at most ${BLOCKLIST_LIMITS.removeListSize} per request`);
  return { unsubscribeNo, recipientNos: numbers(list, 'recipientNoList') };
}

/**
 * A block-list request date as the seed shows it (`2018-05-14 17:07:29.0`): local time in the project's zone, and
 * the fraction of a second the way a Java `Timestamp` prints it — milliseconds without trailing zeros, at least one
 * digit (`.0`, `.5`, `.25`, `.125`).
 */
export function formatRequestDate(ms: number, timezone: string): string {
  const zone = new ZoneOffsets(timezone);
  const local = new Date(ms + zone.offsetAt(ms));
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const fraction = pad(local.getUTCMilliseconds(), 3).replace(/0+$/, '') || '0';
  return `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.${fraction}`;
}
