import type { Clock } from '../../platform/clock.ts';
import type { Store } from '../../platform/db/store.ts';
import { METRICS } from '../deliveries/deliveries.types.ts';
import type { ExtraFilter } from '../deliveries/filters.ts';
import { invalid } from '../errors.ts';
import { ZoneOffsets } from '../export/timezone.ts';
import { matchKey, parseServiceNumber } from '../messaging/numbers.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import type { ProfilesService } from '../profiles/profiles.service.ts';
import type { ConsentService } from '../consent/consent.service.ts';
import * as repo from './blocklist.repository.ts';
import { BLOCKLIST_LIMITS, type BlocklistPage } from './blocklist.types.ts';

const LOCAL_DATETIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/**
 * `yyyy-MM-dd HH:mm:ss` in a time zone as an instant; undefined when it is not a real date and time in that form.
 * A wall-clock time skipped by a transition (daylight saving) is read with the offset before it: 02:30 → 03:30.
 */
export function parseLocalDatetime(text: string, zone: ZoneOffsets): number | undefined {
  const m = LOCAL_DATETIME.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(wall);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  const t1 = wall - zone.offsetAt(wall);
  const t2 = wall - zone.offsetAt(t1);
  return t2 + zone.offsetAt(t2) === wall ? t2 : t1;
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

/**
 * The 080 block list (seed 004 §9; docs/korean-messaging.md "080 block list"). Numbers are kept as digits; they are
 * matched against messages on their E.164 form in the project's phone region. Registering a number that is already
 * blocked under the 080 number keeps its first request date; removing one that is not there is not an error.
 */
export class BlocklistService {
  #store: Store;
  #clock: Clock;
  #projects: ProjectsService;
  #defaultRegion: string;
  #profiles: ProfilesService;
  #consent: ConsentService;

  constructor(deps: { store: Store; clock: Clock; projects: ProjectsService; profiles: ProfilesService; consent: ConsentService; defaultPhoneRegion: string }) {
    this.#profiles = deps.profiles;
    this.#consent = deps.consent;
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#projects = deps.projects;
    this.#defaultRegion = deps.defaultPhoneRegion;
  }

  /**
   * Find recipients (§9.1): `unsubscribeNo` (required, ≤ 25), `recipientNo` (≤ 25), `startRequestDate` /
   * `endRequestDate` (`yyyy-MM-dd HH:mm:ss`, project time, both inclusive), `pageNum` (default 1), `pageSize`
   * (default 15, at most 1,000). Newest first.
   */
  async find(projectId: string, query: Query): Promise<BlocklistPage & { timezone: string }> {
    const project = await this.#projects.get(projectId);
    const unsubscribeNo = parseServiceNumber(single(query, 'unsubscribeNo'), 'unsubscribeNo', { maxLength: BLOCKLIST_LIMITS.unsubscribeNoLength });
    const rawRecipient = single(query, 'recipientNo');
    const recipientNo = rawRecipient === undefined || rawRecipient === '' ? undefined : parseServiceNumber(rawRecipient, 'recipientNo', { maxLength: BLOCKLIST_LIMITS.recipientNoLength });
    const zone = new ZoneOffsets(project.timezone);
    const date = (key: 'startRequestDate' | 'endRequestDate'): number | undefined => {
      const raw = single(query, key);
      if (raw === undefined || raw === '') return undefined;
      const t = typeof raw === 'string' ? parseLocalDatetime(raw, zone) : undefined;
      if (t === undefined) throw invalid(key, `${key} must be yyyy-MM-dd HH:mm:ss (project time, ${project.timezone})`);
      return t;
    };
    const from = date('startRequestDate');
    const endAt = date('endRequestDate');
    if (from !== undefined && endAt !== undefined && endAt < from) throw invalid('endRequestDate', 'endRequestDate is before startRequestDate');
    const pageNum = positiveInt(single(query, 'pageNum'), 'pageNum', 1, 1_000_000);
    const pageSize = positiveInt(single(query, 'pageSize'), 'pageSize', BLOCKLIST_LIMITS.defaultPageSize, BLOCKLIST_LIMITS.maxPageSize);
    // The end is a whole second: everything blocked during it is included.
    const filter: repo.BlocklistFilter = { unsubscribeNo, recipientNo, from, to: endAt === undefined ? undefined : endAt + 999 };
    const db = this.#store.db;
    const [totalCount, data] = await Promise.all([repo.count(db, project.id, filter), repo.page(db, project.id, filter, (pageNum - 1) * pageSize, pageSize)]);
    return { pageNum, pageSize, totalCount, data, timezone: project.timezone };
  }

  /** Register recipients (§9.2): `{unsubscribeNo (≤ 25), recipientNoList: [1–10 numbers of ≤ 25 characters]}`. Returns how many were added. */
  async register(projectId: string, body: unknown): Promise<{ added: number }> {
    const project = await this.#projects.get(projectId);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('body', 'the body must be an object {unsubscribeNo, recipientNoList}');
    const b = body as Record<string, unknown>;
    const unsubscribeNo = parseServiceNumber(b.unsubscribeNo, 'unsubscribeNo', { maxLength: BLOCKLIST_LIMITS.unsubscribeNoLength });
    const list = b.recipientNoList;
    if (!Array.isArray(list) || list.length === 0) throw invalid('recipientNoList', 'recipientNoList is required: a list of 1 to 10 numbers');
    if (list.length > BLOCKLIST_LIMITS.registerListSize) throw invalid('recipientNoList', `recipientNoList has ${list.length} numbers; at most ${BLOCKLIST_LIMITS.registerListSize} per request`);
    const entries = this.#recipients(list, 'recipientNoList', project.settings.phoneRegion);
    // A number registered on the 080 list is a refusal of advertising text messages: the profile holding it (if any)
    // has its df_sms_ads_optin withdrawn, recorded with source 080 (consent records).
    const owners = new Set<string>();
    for (const e of entries) {
      const owner = await this.#profiles.findByIdentifier(project.id, 'phone', e.key);
      if (owner) owners.add(owner);
    }
    const now = this.#clock.now();
    const added = await this.#store.write(async (tx) => {
      const n = await repo.insertMissing(tx, project.id, unsubscribeNo, entries, now);
      await this.#consent.refuseBy080(tx, project.id, [...owners], now);
      return n;
    });
    return { added };
  }

  /** Remove recipients (§9.3): `unsubscribeNo` (≤ 20), `recipientNoList` comma-separated. Returns how many were removed. */
  async remove(projectId: string, query: Query): Promise<{ removed: number }> {
    const project = await this.#projects.get(projectId);
    const unsubscribeNo = parseServiceNumber(single(query, 'unsubscribeNo'), 'unsubscribeNo', { maxLength: BLOCKLIST_LIMITS.removeUnsubscribeNoLength });
    const raw = single(query, 'recipientNoList');
    if (typeof raw !== 'string' || raw.trim() === '') throw invalid('recipientNoList', 'recipientNoList is required: numbers separated by commas');
    const list = raw.split(',').map((s) => s.trim());
    if (list.length > BLOCKLIST_LIMITS.removeListSize) throw invalid('recipientNoList', `recipientNoList has ${list.length} numbers; at most ${BLOCKLIST_LIMITS.removeListSize} per request`);
    const entries = this.#recipients(list, 'recipientNoList', project.settings.phoneRegion);
    const removed = await this.#store.write((tx) => repo.remove(tx, project.id, unsubscribeNo, [...new Set(entries.map((e) => e.recipientNo))]));
    return { removed };
  }

  #recipients(list: unknown[], field: string, region: string | undefined): { recipientNo: string; key: string }[] {
    const out = new Map<string, { recipientNo: string; key: string }>();
    list.forEach((raw, i) => {
      const recipientNo = parseServiceNumber(raw, `${field}[${i}]`, { maxLength: BLOCKLIST_LIMITS.recipientNoLength, minDigits: 7 });
      out.set(recipientNo, { recipientNo, key: matchKey(recipientNo, region ?? this.#defaultRegion) });
    });
    return [...out.values()];
  }

  /**
   * The delivery filter (D10: "SMS ads skip numbers on the project's 080 block list"): an advertising text message to a
   * number blocked under any of the project's 080 numbers is skipped, counted under skipped__excluded_user_filter with
   * reason `blocked_080`.
   */
  readonly filter: ExtraFilter = async (tx, s) => {
    const d = s.delivery;
    if (s.campaign.channel !== 'text_message' || s.campaign.consentClass !== 'advertising' || d.addressKind !== 'phone' || !d.address) return undefined;
    const unsubscribeNo = await repo.blockedUnder(tx, s.project.id, d.address);
    return unsubscribeNo === undefined ? undefined : { metric: METRICS.excludedUser, reason: `blocked_080: the number is on the 080 block list (unsubscribe number ${unsubscribeNo})` };
  };
}
