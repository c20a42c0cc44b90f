import type { Clock } from '../../platform/clock.ts';
import type { Db, Store } from '../../platform/db/store.ts';
import type { Logger } from '../../platform/log.ts';
import type { Queue } from '../../platform/queue/queue.port.ts';
import type { CampaignsService } from '../campaigns/campaigns.service.ts';
import type { DeliveriesService } from '../deliveries/deliveries.service.ts';
import { localDateTime } from '../deliveries/local-time.ts';
import { MaruError, invalid } from '../errors.ts';
import { csvRecord } from '../export/csv.ts';
import * as identityRepo from '../identity/identity.repository.ts';
import { advertiserOf } from '../messaging/ad-marking.ts';
import type { ProfilesService } from '../profiles/profiles.service.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import type { Project } from '../projects/projects.types.ts';
import { ADVERTISING_CONSENTS } from './consent-rules.ts';
import * as repo from './consent.repository.ts';
import type { ConsentRecord } from './consent.types.ts';

/** The daily job that sends the consent notices that fall due. */
export const CONSENT_NOTICE_QUEUE = 'consent-notices';
export interface ConsentNoticeJob {
  /** The day (UTC, yyyy-MM-dd) the run is for; one job per day. */
  day: string;
}

/** 정보통신망법 제50조제7항·시행령: the result of a consent, refusal or withdrawal is notified within 14 days. */
export const RESULT_NOTICE_DAYS = 14;
/** 정보통신망법 제50조제8항·시행령: the consent is confirmed at least every two years after it was given. */
export const CONFIRMATION_YEARS = 2;
/** The daily run's time of day, UTC (10:00 in Seoul). */
export const DAILY_RUN_UTC_HOUR = 1;

const DAY_MS = 86_400_000;
const PAGE = 500;

/** `settings.consentNotices`: which campaign (channel and template) sends each notice; absent = off. */
export interface ConsentNoticeSettings {
  result?: { campaignId: string };
  confirmation?: { campaignId: string };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function noticeSettings(project: Project): ConsentNoticeSettings {
  const raw = project.settings.consentNotices;
  if (!isObject(raw)) return {};
  const out: ConsentNoticeSettings = {};
  for (const kind of ['result', 'confirmation'] as const) {
    const v = raw[kind];
    if (isObject(v) && typeof v.campaignId === 'string') out[kind] = { campaignId: v.campaignId };
  }
  return out;
}

/** `at` plus whole calendar years (UTC; 29 February becomes 1 March). */
const addYears = (at: number, years: number) => {
  const d = new Date(at);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d.getTime();
};

/**
 * Consent records and consent notices (docs/korean-messaging.md "Consent records", "Consent notices").
 *
 * Records: every change of an advertising consent is recorded by ProfilesService.setProperties in the unit that
 * changes it (consent-records.ts), whatever the source; this service reads them per profile (paged) and exports them.
 *
 * Notices (off until a project sets `settings.consentNotices`): informational messages sent through a campaign the
 * project chose (its channel and template), so they are recorded, filtered and counted like any delivery:
 * - `result`: for every record of the last 14 days, the result of the consent, refusal or withdrawal;
 * - `confirmation`: for every consent still in force (the latest record of the property is a consent), when 2, 4, ...
 *   years have passed since it was given, a confirmation.
 * A daily job (CONSENT_NOTICE_QUEUE) sends what has fallen due. Each notice is sent once per (record, kind, period):
 * its deliveries' request id is derived from those, so a re-run records nothing new, and a consent_notices row marks
 * it done.
 */
export class ConsentService {
  #store: Store;
  #clock: Clock;
  #log: Logger;
  #queue: Queue;
  #projects: ProjectsService;
  #profiles: ProfilesService;
  #campaigns: CampaignsService;
  #deliveries: DeliveriesService;

  constructor(deps: {
    store: Store;
    clock: Clock;
    log: Logger;
    queue: Queue;
    projects: ProjectsService;
    profiles: ProfilesService;
    campaigns: CampaignsService;
    deliveries: DeliveriesService;
  }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#queue = deps.queue;
    this.#projects = deps.projects;
    this.#profiles = deps.profiles;
    this.#campaigns = deps.campaigns;
    this.#deliveries = deps.deliveries;
    // The daily notice job: each run queues the next one, and enabling a notice queues the first, so the chain lives in the durable queue (a restart does not lose it).
    this.#queue.handle<ConsentNoticeJob>(CONSENT_NOTICE_QUEUE, async (job) => {
      try {
        await this.runDue();
      } finally {
        await this.scheduleNext(Date.parse(`${job.payload.day}T00:00:00.000Z`) + DAY_MS);
      }
    });
  }

  // ---- records ----

  /** A profile's consent records, newest first (its absorbed profiles' included); `before`: the previous page's last id. */
  async records(
    projectId: string,
    profileId: string,
    opts: { limit?: number; before?: string } = {},
  ): Promise<{ records: ConsentRecord[]; next: string | null }> {
    await this.#projects.get(projectId);
    const profile = await this.#profiles.get(projectId, profileId);
    if (!profile) throw new MaruError('not_found', `profile ${profileId} does not exist`, { field: 'profileId' });
    const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
    const ids = [profile.id, ...(await identityRepo.aliasesOf(this.#store.db, projectId, profile.id))];
    const records = await repo.listForProfile(this.#store.db, projectId, ids, {
      limit: limit + 1,
      ...(opts.before !== undefined ? { before: opts.before } : {}),
    });
    const page = records.slice(0, limit);
    return { records: page, next: records.length > limit ? page[page.length - 1].id : null };
  }

  /** Every consent record of the project (or of one profile) as CSV, in recording order, times in the project's zone. */
  async *exportCsv(projectId: string, opts: { profileId?: string } = {}): AsyncGenerator<string> {
    const project = await this.#projects.get(projectId);
    let profileId: string | undefined;
    if (opts.profileId !== undefined) {
      const profile = await this.#profiles.get(projectId, opts.profileId);
      if (!profile) throw new MaruError('not_found', `profile ${opts.profileId} does not exist`, { field: 'profile_id' });
      profileId = profile.id;
    }
    yield csvRecord(['id', 'profile_id', 'channel', 'kind', 'property', 'value', 'source', 'at', 'at_local']);
    let after: string | undefined;
    for (;;) {
      const page = await repo.listAfter(this.#store.db, project.id, {
        limit: PAGE,
        ...(after !== undefined ? { after } : {}),
        ...(profileId !== undefined ? { profileId } : {}),
      });
      for (const r of page) {
        yield csvRecord(
          [
            r.id,
            r.profileId,
            r.channel,
            r.kind,
            r.property,
            r.value === null ? '' : String(r.value),
            r.source,
            new Date(r.at).toISOString(),
            localDateTime(r.at, project.timezone),
          ],
          { neutraliseFormulas: true },
        );
      }
      if (page.length < PAGE) return;
      after = page[page.length - 1].id;
    }
  }

  /** Sets advertising consents of a profile from the admin API or console: `{property: true|false|null, ...}`. */
  async setConsents(projectId: string, profileId: string, raw: unknown): Promise<Record<string, boolean | null>> {
    await this.#projects.get(projectId);
    if (!isObject(raw) || Object.keys(raw).length === 0)
      throw invalid('body', `the body must be an object of consent property to true, false or null (${Object.keys(ADVERTISING_CONSENTS).join(', ')})`);
    const values: Record<string, boolean> = {};
    const removals: string[] = [];
    for (const [k, v] of Object.entries(raw)) {
      if (!Object.hasOwn(ADVERTISING_CONSENTS, k))
        throw invalid(k, `${k} is not an advertising consent property (${Object.keys(ADVERTISING_CONSENTS).join(', ')})`);
      if (v === null) removals.push(k);
      else if (typeof v === 'boolean') values[k] = v;
      else throw invalid(k, `${k} must be true, false or null`);
    }
    const profile = await this.#profiles.get(projectId, profileId);
    if (!profile) throw new MaruError('not_found', `profile ${profileId} does not exist`, { field: 'profileId' });
    const now = this.#clock.now();
    await this.#store.write((tx) => this.#profiles.setProperties(tx, projectId, profile.id, values, removals, now, 'admin'));
    const after = await this.#profiles.get(projectId, profile.id);
    return Object.fromEntries(
      Object.keys(ADVERTISING_CONSENTS).map((k) => [k, typeof after?.properties[k] === 'boolean' ? (after.properties[k] as boolean) : null]),
    );
  }

  /** Withdraws the text advertising consent of the profile holding a number registered on the 080 block list. */
  async refuseBy080(tx: Db, projectId: string, profileIds: string[], now: number): Promise<void> {
    for (const id of profileIds) await this.#profiles.setProperties(tx, projectId, id, { df_sms_ads_optin: false }, [], now, '080');
  }

  // ---- notices ----

  /** Checks and stores `settings.consentNotices` ({result?: {campaignId}, confirmation?: {campaignId}}; null turns one off). */
  async setNoticeSettings(projectId: string, raw: unknown): Promise<ConsentNoticeSettings> {
    const project = await this.#projects.get(projectId);
    if (!isObject(raw)) throw invalid('body', 'consent notice settings must be an object {result?: {campaignId}, confirmation?: {campaignId}}');
    const out: ConsentNoticeSettings = { ...noticeSettings(project) };
    for (const [kind, v] of Object.entries(raw)) {
      if (kind !== 'result' && kind !== 'confirmation') throw invalid(kind, `${kind} is not a consent notice (result, confirmation)`);
      if (v === null) {
        delete out[kind];
        continue;
      }
      if (!isObject(v) || typeof v.campaignId !== 'string' || Object.keys(v).some((k) => k !== 'campaignId'))
        throw invalid(kind, `${kind} must be {"campaignId": "..."} or null`);
      const campaign = await this.#campaigns.find(projectId, v.campaignId);
      if (!campaign) throw invalid(`${kind}.campaignId`, `${kind}.campaignId: campaign ${v.campaignId} does not exist in this project`);
      if (campaign.consentClass !== 'informational')
        throw invalid(`${kind}.campaignId`, `${kind}.campaignId: campaign ${campaign.id} is advertising; consent notices are informational messages`);
      if (campaign.sendTime.type !== 'api')
        throw invalid(`${kind}.campaignId`, `${kind}.campaignId: campaign ${campaign.id} must be API-triggered (send_time {"type": "api"})`);
      out[kind] = { campaignId: campaign.id };
    }
    await this.#projects.update(projectId, { settings: { consentNotices: out } });
    if (out.result || out.confirmation) await this.scheduleNext();
    return out;
  }

  async noticeSettings(projectId: string): Promise<ConsentNoticeSettings> {
    return noticeSettings(await this.#projects.get(projectId));
  }

  /** Queues the daily run at DAILY_RUN_UTC_HOUR of the first day at or after `from` whose run time is still ahead (once per day). */
  async scheduleNext(from = this.#clock.now()): Promise<void> {
    let runAt = Math.floor(from / DAY_MS) * DAY_MS + DAILY_RUN_UTC_HOUR * 3_600_000;
    if (runAt < from) runAt += DAY_MS;
    const day = new Date(runAt).toISOString().slice(0, 10);
    await this.#queue.enqueue<ConsentNoticeJob>({ queue: CONSENT_NOTICE_QUEUE, key: `consent-notices:${day}`, payload: { day }, runAt, maxAttempts: 5 });
  }

  /** Sends every consent notice that is due now, for every project that enabled one. Returns how many were sent. */
  async runDue(): Promise<{ result: number; confirmation: number }> {
    const sent = { result: 0, confirmation: 0 };
    for (const project of await this.#projects.list()) {
      const settings = noticeSettings(project);
      try {
        if (settings.result) sent.result += await this.#resultNotices(project, settings.result.campaignId);
        if (settings.confirmation) sent.confirmation += await this.#confirmations(project, settings.confirmation.campaignId);
      } catch (e) {
        this.#log.error({ err: e, projectId: project.id }, 'consent notices failed for a project');
      }
    }
    return sent;
  }

  async #resultNotices(project: Project, campaignId: string): Promise<number> {
    const now = this.#clock.now();
    let sent = 0;
    let after: string | undefined;
    for (;;) {
      const page = await repo.listAfter(this.#store.db, project.id, {
        since: now - RESULT_NOTICE_DAYS * DAY_MS,
        limit: PAGE,
        ...(after !== undefined ? { after } : {}),
      });
      for (const r of page) if (r.at <= now && (await this.#notify(project, campaignId, r, 'result', 0))) sent++;
      if (page.length < PAGE) return sent;
      after = page[page.length - 1].id;
    }
  }

  async #confirmations(project: Project, campaignId: string): Promise<number> {
    const now = this.#clock.now();
    let sent = 0;
    let after: string | undefined;
    for (;;) {
      const page = await repo.currentConsents(this.#store.db, project.id, {
        until: addYears(now, -CONFIRMATION_YEARS),
        limit: PAGE,
        ...(after !== undefined ? { after } : {}),
      });
      for (const r of page) {
        let period = 0;
        while (addYears(r.at, CONFIRMATION_YEARS * (period + 1)) <= now) period++;
        if (period > 0 && (await this.#notify(project, campaignId, r, 'confirmation', period))) sent++;
      }
      if (page.length < PAGE) return sent;
      after = page[page.length - 1].id;
    }
  }

  /** Sends one notice unless it was sent already; true when it was sent now. */
  async #notify(project: Project, campaignId: string, r: ConsentRecord, kind: 'result' | 'confirmation', period: number): Promise<boolean> {
    if (await repo.findNotice(this.#store.db, project.id, r.id, kind, period)) return false;
    const campaign = await this.#campaigns.find(project.id, campaignId);
    if (!campaign || campaign.status !== 'active') {
      this.#log.warn({ projectId: project.id, campaignId, kind }, 'consent notice campaign is missing or not active; notices wait');
      return false;
    }
    const requestId = `consent-notice:${kind}:${r.id}:${period}`;
    const profile = await this.#profiles.get(project.id, r.profileId); // an absorbed profile: the one it merged into
    if (!profile) {
      await this.#store.write((tx) =>
        repo.insertNotice(tx, { project_id: project.id, record_id: r.id, kind, period, request_id: `${requestId}:no-profile`, created_at: this.#clock.now() }),
      );
      return false;
    }
    const eventParams = {
      notice: kind,
      consent_channel: r.channel,
      consent_kind: r.kind,
      consent_property: r.property,
      consent_value: r.value === null ? 'none' : String(r.value),
      consent_source: r.source,
      consent_at: localDateTime(r.at, project.timezone),
      sender_name: advertiserOf(project).senderName,
    };
    await this.#deliveries.plan({ project, campaign, trigger: 'api', requestId, targets: [{ type: 'profile', profileId: profile.id, eventParams }] });
    await this.#store.write((tx) =>
      repo.insertNotice(tx, { project_id: project.id, record_id: r.id, kind, period, request_id: requestId, created_at: this.#clock.now() }),
    );
    return true;
  }

  /** The deletion eraser (one of the `erasers` of DeletionService): consent records and notices of the erased profiles. */
  readonly eraser = async (tx: Db, projectId: string, profileIds: string[]): Promise<Record<string, number>> => ({
    consent_records: await repo.eraseForProfiles(tx, projectId, profileIds),
  });
}
