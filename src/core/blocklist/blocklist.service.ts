import type { Clock } from '../../platform/clock.ts';
import type { Store } from '../../platform/db/store.ts';
import { METRICS } from '../deliveries/deliveries.types.ts';
import type { ExtraFilter } from '../deliveries/filters.ts';
import { invalid } from '../errors.ts';
import { ZoneOffsets } from '../export/timezone.ts';
import { matchKey } from '../messaging/numbers.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import type { ProfilesService } from '../profiles/profiles.service.ts';
import type { ConsentService } from '../consent/consent.service.ts';
import * as repo from './blocklist.repository.ts';
import type { BlocklistChange, BlocklistPage, BlocklistQuery, LocalDatetimeInput } from './blocklist.types.ts';

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
   * Find recipients (§9.1): under one 080 number, optionally one recipient, optionally requested between two local
   * times (`yyyy-MM-dd HH:mm:ss`, project time, both inclusive; the end second whole). Newest first.
   */
  async find(projectId: string, q: BlocklistQuery): Promise<BlocklistPage & { timezone: string }> {
    const project = await this.#projects.get(projectId);
    const zone = new ZoneOffsets(project.timezone);
    const date = (d: LocalDatetimeInput | undefined): number | undefined => {
      if (d === undefined) return undefined;
      const t = parseLocalDatetime(d.text, zone);
      if (t === undefined) throw invalid(d.field, `${d.field} must be yyyy-MM-dd HH:mm:ss (project time, ${project.timezone})`);
      return t;
    };
    const from = date(q.from);
    const endAt = date(q.to);
    if (from !== undefined && endAt !== undefined && endAt < from) throw invalid(q.to!.field, `${q.to!.field} is before ${q.from!.field}`);
    const filter: repo.BlocklistFilter = {
      unsubscribeNo: q.unsubscribeNo,
      recipientNo: q.recipientNo,
      from,
      to: endAt === undefined ? undefined : endAt + 999,
    };
    const db = this.#store.db;
    const [totalCount, data] = await Promise.all([
      repo.count(db, project.id, filter),
      repo.page(db, project.id, filter, (q.pageNum - 1) * q.pageSize, q.pageSize),
    ]);
    return { pageNum: q.pageNum, pageSize: q.pageSize, totalCount, data, timezone: project.timezone };
  }

  /** Register recipients (§9.2) under an 080 number. Returns how many were added. */
  async register(projectId: string, cmd: BlocklistChange): Promise<{ added: number }> {
    const project = await this.#projects.get(projectId);
    const entries = this.#recipients(cmd.recipientNos, project.settings.phoneRegion);
    // A number registered on the 080 list is a refusal of advertising text messages: the profile holding it (if any)
    // has its df_sms_ads_optin withdrawn, recorded with source 080 (consent records).
    const owners = new Set<string>();
    for (const e of entries) {
      const owner = await this.#profiles.findByIdentifier(project.id, 'phone', e.key);
      if (owner) owners.add(owner);
    }
    const now = this.#clock.now();
    const added = await this.#store.write(async (tx) => {
      const n = await repo.insertMissing(tx, project.id, cmd.unsubscribeNo, entries, now);
      await this.#consent.refuseBy080(tx, project.id, [...owners], now);
      return n;
    });
    return { added };
  }

  /** Remove recipients (§9.3) from an 080 number's list. Returns how many were removed. */
  async remove(projectId: string, cmd: BlocklistChange): Promise<{ removed: number }> {
    const project = await this.#projects.get(projectId);
    const entries = this.#recipients(cmd.recipientNos, project.settings.phoneRegion);
    const removed = await this.#store.write((tx) => repo.remove(tx, project.id, cmd.unsubscribeNo, [...new Set(entries.map((e) => e.recipientNo))]));
    return { removed };
  }

  #recipients(numbers: string[], region: string | undefined): { recipientNo: string; key: string }[] {
    const out = new Map<string, { recipientNo: string; key: string }>();
    for (const recipientNo of numbers) out.set(recipientNo, { recipientNo, key: matchKey(recipientNo, region ?? this.#defaultRegion) });
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
    return unsubscribeNo === undefined
      ? undefined
      : { metric: METRICS.excludedUser, reason: `blocked_080: the number is on the 080 block list (unsubscribe number ${unsubscribeNo})` };
  };
}
