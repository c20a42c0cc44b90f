import { createHash } from 'node:crypto';
import { decodeCursor, encodeCursor } from '../paging/keyset-cursor.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db, Store } from '../../platform/db/store.ts';
import { newId, uuidv7 } from '../../platform/ids.ts';
import type { Queue } from '../../platform/queue/queue.port.ts';
import type { CampaignsService } from '../campaigns/campaigns.service.ts';
import { RECIPIENT_TYPES, RECIPIENT_TYPES_BY_CHANNEL, type Campaign, type RecipientType } from '../campaigns/campaigns.types.ts';
import { MaruError, invalid } from '../errors.ts';
import { isBlockedValue, isEmailAddress, isIdentifier, normalizePhone, parseIdentifier } from '../identity/identifiers.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import type { Project } from '../projects/projects.types.ts';
import { countMetric, dimensionsOf } from './campaign-metrics.ts';
import { campaignSettings } from './filters.ts';
import { advertisingConsent } from '../consent/consent-rules.ts';
import * as repo from './deliveries.repository.ts';
import { aliasesOf, resolveAlias } from '../identity/identity.repository.ts';
import type { Backlog } from '../limits/backlog.ts';
import { checkIdempotencyKey, type IdempotencyService } from '../idempotency/idempotency.service.ts';
import type { DeliveryRow } from './deliveries.tables.ts';
import {
  DELIVERY_STATES,
  DIRECT_CAMPAIGN_PREFIX,
  METRICS,
  type AddressKind,
  type ApiRecipient,
  type Delivery,
  type DeliveryTrigger,
  type Target,
} from './deliveries.types.ts';
import { DELIVERY_QUEUE, type DeliveryJob } from './delivery-worker.ts';

/** Recipients of one API send (seed 004 §5, D9). */
export const MAX_API_RECIPIENTS = 1000;

/** Counts of a campaign's reach (DeliveriesService.reachOf). */
export interface Reach {
  profiles: number;
  reachable: number;
  withoutAddress: number;
  excluded: number;
  withoutConsent: number;
}

export interface PlanResult {
  requestId: string;
  /** Deliveries created by this call (0 when the same send was already recorded). */
  created: number;
  queued: number;
  /** Recipients that were already recorded for this send (a retried request). */
  existing: number;
  duplicates: number;
  unreachable: number;
}

interface Address {
  kind: AddressKind;
  value: string;
  /** What de-duplication compares: the token, the subscription endpoint, the E.164 number, the address. */
  dedupe: string;
  deviceId?: string;
  platform?: string;
}

/** Erases what a provider keeps of erased deliveries (by idempotency key); answers how many records it removed. */
type EraseHook = (tx: Db, projectId: string, idempotencyKeys: string[]) => Promise<number>;

/**
 * Creating deliveries: every recipient of a send becomes a delivery row — and each row that will be sent, a queue
 * job — in one write unit, before anything is sent. A delivery's idempotency key is derived from the campaign, the
 * send's request id and the recipient's address, and is unique per project: the same send recorded twice (a retried
 * API call with the same Idempotency-Key, an event ingested twice, a scheduled run restarted) creates nothing new.
 *
 * Addresses are resolved when the send is recorded: push → every push token of the profile's android/ios devices;
 * web push → every web push subscription; text and alimtalk → the profile's phone (or the given number, E.164);
 * email → the profile's email (or the given address). Recipients that resolve to the same address within one send
 * are sent once (seed 004 §5); the repeats are recorded as skipped under skipped__noisy_filter. A recipient with no
 * address is recorded as failed (send_failure, reason `no_address` / `unknown_user`), except in audience sends, which
 * only target reachable profiles.
 */
export class DeliveriesService {
  #store: Store;
  #clock: Clock;
  #queue: Queue;
  #projects: ProjectsService;
  #campaigns: CampaignsService;
  #defaultRegion: string;
  #backlog: Backlog | undefined;
  #idempotency: IdempotencyService;
  #eraseHooks: readonly EraseHook[];

  /**
   * `backlog`: bound on delivery jobs waiting (MARU_BACKLOG_MAX_DELIVERIES). Past it, sends asked for over the API
   * (campaign API sends, direct messages) answer unavailable; sends maru started itself (event triggers, schedules,
   * failover) were already accepted and are recorded.
   */
  /** `eraseHooks`: also erase provider-side records of erased deliveries (e.g. the sandbox outbox), by idempotency key. */
  constructor(deps: {
    store: Store;
    clock: Clock;
    queue: Queue;
    projects: ProjectsService;
    campaigns: CampaignsService;
    defaultPhoneRegion: string;
    idempotency: IdempotencyService;
    backlog?: Backlog;
    eraseHooks?: readonly EraseHook[];
  }) {
    this.#eraseHooks = deps.eraseHooks ?? [];
    this.#backlog = deps.backlog;
    this.#idempotency = deps.idempotency;
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#queue = deps.queue;
    this.#projects = deps.projects;
    this.#campaigns = deps.campaigns;
    this.#defaultRegion = deps.defaultPhoneRegion;
  }

  /**
   * An API-triggered send (seed 004 §5). Checks the whole request first: the campaign exists, is active and
   * API-triggered; 1–1,000 recipients of types the channel accepts. `requestId` (the Idempotency-Key header) makes a
   * retried call record nothing twice and answer what the first answered; the same key with another body is refused
   * (IdempotencyService, 422). Without one every call is a new send.
   */
  async sendApi(input: { projectId: string; campaignId: string; body: unknown; requestId?: string }): Promise<PlanResult> {
    const project = await this.#projects.get(input.projectId);
    const campaign = await this.#campaigns.find(project.id, input.campaignId);
    if (!campaign) throw new MaruError('not_found', `campaign ${input.campaignId} does not exist in this project`, { field: 'campaignId' });
    if (campaign.id.startsWith(DIRECT_CAMPAIGN_PREFIX))
      throw invalid(
        'campaignId',
        `campaign ${campaign.id} holds direct messages (/messages/...); their content comes with each request, so it cannot be sent here`,
      );
    if (campaign.sendTime.type !== 'api')
      throw invalid('campaignId', `campaign ${campaign.id} is not an API-triggered campaign (its send-time type is ${campaign.sendTime.type})`);
    if (campaign.status !== 'active') throw invalid('campaignId', `campaign ${campaign.id} is ${campaign.status}; only an active campaign can be sent`);
    checkIdempotencyKey(input.requestId);
    const recipients = parseApiRecipients(input.body, campaign, project.settings.phoneRegion ?? this.#defaultRegion);
    return this.#idempotency.once({ projectId: project.id, operation: `campaign-send:${campaign.id}`, key: input.requestId, body: input.body }, () =>
      this.plan({ project, campaign, trigger: 'api', requestId: `api:${input.requestId ?? uuidv7(this.#clock.now())}`, targets: recipients }),
    );
  }

  /**
   * A test message of a campaign to one profile (the console's "send a test"): recorded and sent like an API send of
   * that profile — the same rendering, filters and statistics — whatever the campaign's send-time type, while it is a
   * draft or active (a paused or archived campaign sends nothing). The request id is `test:<uuid>`.
   */
  async sendTest(input: {
    projectId: string;
    campaignId: string;
    profileId?: unknown;
    identifier?: { type?: unknown; value?: unknown };
    eventParams?: unknown;
  }): Promise<PlanResult> {
    const project = await this.#projects.get(input.projectId);
    const campaign = await this.#campaigns.get(project.id, input.campaignId);
    if (campaign.status !== 'draft' && campaign.status !== 'active')
      throw new MaruError('conflict', `the campaign is ${campaign.status}; a test message is sent only for a draft or active campaign`, { field: 'status' });
    if (input.profileId === undefined && input.identifier === undefined)
      throw invalid('identifier', 'identifier (or profile_id) is required: the profile the test goes to');
    const profile = await this.#campaigns.resolveProfile(project.id, { profileId: input.profileId, identifier: input.identifier });
    const eventParams = input.eventParams ?? {};
    if (typeof eventParams !== 'object' || eventParams === null || Array.isArray(eventParams)) throw invalid('event_params', 'event_params must be an object');
    return this.plan({
      project,
      campaign,
      trigger: 'api',
      requestId: `test:${uuidv7()}`,
      targets: [{ type: 'profile', profileId: profile!.id, eventParams: eventParams as Record<string, unknown> }],
    });
  }

  /**
   * Who a campaign reaches now among `profileIds`: profiles with an address on its channel, not excluded (the
   * campaign's and the project's excluded user ids) and, for advertising, with the channel's opt-in (D10). Time-of-day
   * rules (quiet hours, night consent), fatigue, noisy windows and daily caps depend on the moment of sending and are
   * not counted here.
   */
  async reachOf(project: Project, campaign: Campaign, profileIds: string[]): Promise<Reach> {
    const out: Reach = { profiles: profileIds.length, reachable: 0, withoutAddress: 0, excluded: 0, withoutConsent: 0 };
    const settings = campaignSettings(project);
    const excluded = new Set([...(campaign.options.excluded_user_ids ?? []), ...settings.excludedUserIds]);
    const region = project.settings.phoneRegion ?? this.#defaultRegion;
    const profiles = await repo.profilesForSend(this.#store.db, project.id, profileIds, campaign.channel === 'push' || campaign.channel === 'web_push');
    const now = this.#clock.now();
    for (const id of profileIds) {
      const p = profiles.get(id);
      if (!p || addressesOf(campaign.channel, { type: 'profile', profileId: id, eventParams: {} }, p, region).length === 0) out.withoutAddress++;
      else if (p.identifiers.some((i) => i.type === 'external_id' && excluded.has(i.value))) out.excluded++;
      else if (campaign.consentClass === 'advertising' && lacksAdsConsent(campaign, p.properties, now, project.timezone)) out.withoutConsent++;
      else out.reachable++;
    }
    return out;
  }

  /** Records the deliveries of one send (see the class comment). */
  async plan(input: {
    project: Project;
    campaign: Campaign;
    trigger: DeliveryTrigger;
    requestId: string;
    targets: Target[];
    runAt?: number;
    skipUnreachable?: boolean;
  }): Promise<PlanResult> {
    const { project, campaign } = input;
    if (input.trigger === 'api' || input.trigger === 'direct') await this.#backlog?.check();
    const channel = campaign.channel;
    const region = project.settings.phoneRegion ?? this.#defaultRegion;
    const db = this.#store.db;

    // Resolve profiles and their addresses (reads, before the unit).
    const externalIds = [...new Set(input.targets.filter((t) => t.type === 'user-id').map((t) => (t as { userId: string }).userId))];
    const byExternal = await repo.profilesByExternalId(db, project.id, externalIds);
    const profileIds = new Set<string>(byExternal.values());
    for (const t of input.targets) if (t.type === 'profile') profileIds.add(t.profileId);
    const profiles = await repo.profilesForSend(db, project.id, [...profileIds], channel === 'push' || channel === 'web_push');

    const now = this.#clock.now();
    const runAt = input.runAt ?? now;
    const seen = new Map<string, number>();
    const rows: DeliveryRow[] = [];
    const initialMetrics: { metric: string; dimensions: Record<string, string> }[] = [];
    let duplicates = 0;
    let unreachable = 0;

    for (const t of input.targets) {
      const profileId = t.type === 'user-id' ? byExternal.get(t.userId) : t.type === 'profile' ? t.profileId : undefined;
      const profile = profileId ? profiles.get(profileId) : undefined;
      const recipientValue = t.type === 'user-id' ? t.userId : t.type === 'phone-number' ? t.phoneNumber : t.type === 'email' ? t.email : t.profileId;
      const dims = dimensionsOf(campaign.statsDimensions, profile?.properties);
      const common = {
        project_id: project.id,
        campaign_id: campaign.id,
        channel,
        trigger: input.trigger,
        request_id: input.requestId,
        recipient_type: t.type,
        recipient_value: recipientValue,
        profile_id: profile?.id ?? null,
        event_params: Object.keys(t.eventParams).length > 0 ? JSON.stringify(t.eventParams) : null,
        consent_class: campaign.consentClass,
        attempts: 0,
        provider: null,
        provider_message_id: null,
        provider_response: null,
        rendered: t.rendered ? JSON.stringify(t.rendered) : null,
        parent_id: null,
        run_at: runAt,
        created_at: now,
        updated_at: now,
        sending_at: null,
        delivered_at: null,
        opened_at: null,
        clicked_at: null,
        converted_at: null,
      };
      const addresses = addressesOf(channel, t, profile, region);
      if (addresses.length === 0) {
        if (input.skipUnreachable) continue;
        unreachable++;
        const n = bump(seen, `none:${t.type}:${recipientValue}`);
        const reason =
          (t.type === 'user-id' || t.type === 'profile') && !profile
            ? `unknown_user: no profile has ${t.type === 'user-id' ? 'user id' : 'id'} ${recipientValue}`
            : `no_address: the recipient has no ${ADDRESS_NAMES[channel]}`;
        rows.push({
          ...common,
          id: newId(),
          idempotency_key: idempotencyKey(campaign.id, input.requestId, `none:${t.type}:${recipientValue}${n ? `#${n}` : ''}`),
          address_kind: null,
          address: null,
          device_id: null,
          platform: null,
          state: 'failed',
          metric: METRICS.sendFailure,
          reason,
          dimensions: JSON.stringify(dims),
          finished_at: now,
        });
        initialMetrics.push({ metric: METRICS.sendFailure, dimensions: dims });
        continue;
      }
      for (const a of addresses) {
        const n = bump(seen, a.dedupe);
        const duplicate = n > 0;
        if (duplicate) duplicates++;
        rows.push({
          ...common,
          id: newId(),
          idempotency_key: idempotencyKey(campaign.id, input.requestId, `${a.dedupe}${duplicate ? `#${n}` : ''}`),
          address_kind: a.kind,
          address: a.value,
          device_id: a.deviceId ?? null,
          platform: a.platform ?? null,
          state: duplicate ? 'skipped' : 'pending',
          metric: duplicate ? METRICS.noisy : null,
          reason: duplicate ? `duplicate: the same ${ADDRESS_NAMES[channel]} is already a recipient of this send` : null,
          dimensions: duplicate ? JSON.stringify(dims) : null,
          finished_at: duplicate ? now : null,
        });
        if (duplicate) initialMetrics.push({ metric: METRICS.noisy, dimensions: dims });
      }
    }

    const maxAttempts = campaign.options.max_attempts ?? 5;
    const result = await this.#store.write(async (tx) => {
      const existing = await repo.existingKeys(
        tx,
        project.id,
        rows.map((r) => r.idempotency_key),
      );
      const fresh = rows.filter((r) => !existing.has(r.idempotency_key));
      await repo.insertDeliveries(tx, fresh);
      let queued = 0;
      for (const r of fresh) {
        if (r.state !== 'pending') continue;
        await this.#queue.add<DeliveryJob>(tx, {
          queue: DELIVERY_QUEUE,
          payload: { projectId: project.id, deliveryId: r.id },
          runAt,
          maxAttempts,
          projectId: project.id,
        });
        queued++;
      }
      const freshKeys = new Set(fresh.map((r) => r.idempotency_key));
      let i = 0;
      for (const r of rows) {
        if (r.state === 'pending') continue;
        const m = initialMetrics[i++];
        if (freshKeys.has(r.idempotency_key))
          await countMetric(tx, {
            projectId: project.id,
            campaignId: campaign.id,
            metric: m.metric,
            at: now,
            timezone: project.timezone,
            dimensions: m.dimensions,
          });
      }
      return { created: fresh.length, queued, existing: rows.length - fresh.length };
    });
    if (result.queued > 0) this.#queue.kick(DELIVERY_QUEUE);
    return { requestId: input.requestId, ...result, duplicates, unreachable };
  }

  /** Deliveries of every project by state (operator metrics). */
  stateCounts(): Promise<Record<string, number>> {
    return repo.countByState(this.#store.db);
  }

  async get(projectId: string, id: string): Promise<Delivery> {
    const d = await repo.findDelivery(this.#store.db, projectId, id);
    if (!d) throw new MaruError('not_found', `delivery ${id} does not exist`);
    return d;
  }

  list(projectId: string, filter: { campaignId?: string; state?: string; limit?: number; before?: number } = {}): Promise<Delivery[]> {
    return repo.listDeliveries(this.#store.db, projectId, { ...filter, limit: Math.min(Math.max(filter.limit ?? 100, 1), 1000) });
  }

  /**
   * One page of a campaign's deliveries, newest first, with the cursor of the next page (null on the last). `cursor`
   * is the opaque `next` of the previous page (a keyset position: paging costs the same on every page and skips no
   * delivery created in the same millisecond); `before` keeps the deliveries created before that instant.
   */
  async campaignPage(
    projectId: string,
    campaignId: string,
    filter: { state?: unknown; limit?: number; before?: number; cursor?: unknown } = {},
  ): Promise<{ items: Delivery[]; next: string | null }> {
    await this.#campaigns.get(projectId, campaignId);
    return this.#page(projectId, { campaignId }, { ...filter, limit: filter.limit ?? 100 });
  }

  /**
   * One page of the deliveries to a profile (by its id, or an id merged into it), newest first; the deliveries of
   * profiles merged into it count as its own. An unknown profile is not_found.
   */
  async profilePage(
    projectId: string,
    profileId: string,
    filter: { state?: unknown; limit?: number; cursor?: unknown } = {},
  ): Promise<{ profileId: string; items: Delivery[]; next: string | null }> {
    await this.#projects.get(projectId);
    const db = this.#store.db;
    const live = await resolveAlias(db, projectId, profileId);
    if (!(await repo.profileExists(db, projectId, live))) throw new MaruError('not_found', `profile ${profileId} does not exist`, { field: 'profileId' });
    const page = await this.#page(projectId, { profileIds: [live, ...(await aliasesOf(db, projectId, live))] }, filter);
    return { profileId: live, ...page };
  }

  async #page(
    projectId: string,
    scope: { campaignId?: string; profileIds?: string[] },
    filter: { state?: unknown; limit?: number; before?: number; cursor?: unknown },
  ): Promise<{ items: Delivery[]; next: string | null }> {
    if (filter.state !== undefined && !(DELIVERY_STATES as readonly unknown[]).includes(filter.state))
      throw invalid('state', `state must be one of ${DELIVERY_STATES.join(', ')}`);
    const limit = Math.min(Math.max(filter.limit ?? 50, 1), 1000);
    const after = filter.cursor === undefined || filter.cursor === '' ? undefined : decodeCursor(filter.cursor);
    const rows = await repo.listDeliveries(this.#store.db, projectId, {
      ...scope,
      state: filter.state as string | undefined,
      before: filter.before,
      after,
      limit: limit + 1,
    });
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return { items, next: rows.length > limit && last ? encodeCursor(last) : null };
  }

  /** The deletion eraser (one of the `erasers` of DeletionService): deliveries of the profiles and what hooks remove with them. */
  readonly eraser = async (tx: Db, projectId: string, profileIds: string[]): Promise<Record<string, number>> => {
    const keys = await repo.eraseForProfiles(tx, projectId, profileIds);
    const counts: Record<string, number> = { deliveries: keys.length };
    for (const hook of this.#eraseHooks) counts.outbox = (counts.outbox ?? 0) + (await hook(tx, projectId, keys));
    return counts;
  };
}

const ADDRESS_NAMES: Record<Campaign['channel'], string> = {
  push: 'push token',
  web_push: 'web push subscription',
  text_message: 'phone number',
  kakao_alimtalk: 'phone number',
  email: 'email address',
};

function bump(seen: Map<string, number>, key: string): number {
  const n = seen.get(key) ?? 0;
  seen.set(key, n + 1);
  return n;
}

/** `<campaignId>:<digest of request id and recipient>`: unique per send and recipient, fixed length, no personal data. */
export function idempotencyKey(campaignId: string, requestId: string, recipientKey: string): string {
  return `${campaignId}:${createHash('sha256').update(requestId).update('\u0000').update(recipientKey).digest('base64url').slice(0, 32)}`;
}

function lacksAdsConsent(campaign: Campaign, properties: Record<string, unknown>, at: number, timezone: string): boolean {
  const v = advertisingConsent({ channel: campaign.channel, properties, at, timezone });
  return !v.ok && v.kind === 'ads';
}

const PHONE_PROPERTIES = ['df_phone', 'phone_number', '$phone_number', 'phone'];
const EMAIL_PROPERTIES = ['df_email', 'email', '$email'];

function addressesOf(channel: Campaign['channel'], t: Target, profile: repo.ProfileForSend | undefined, region: string): Address[] {
  switch (channel) {
    case 'push': {
      if (!profile) return [];
      return profile.devices
        .filter((d) => d.pushToken && ['android', 'ios'].includes(d.platform.toLowerCase()))
        .map((d) => ({ kind: 'push_token', value: d.pushToken!, dedupe: `t:${d.pushToken}`, deviceId: d.deviceId, platform: d.platform.toLowerCase() }));
    }
    case 'web_push': {
      if (!profile) return [];
      const out: Address[] = [];
      for (const d of profile.devices) {
        if (!d.webpush) continue;
        try {
          const sub = JSON.parse(d.webpush) as { endpoint?: unknown };
          if (typeof sub.endpoint === 'string')
            out.push({ kind: 'web_push', value: d.webpush, dedupe: `w:${sub.endpoint}`, deviceId: d.deviceId, platform: d.platform });
        } catch {
          // a malformed stored subscription is not an address
        }
      }
      return out;
    }
    case 'text_message':
    case 'kakao_alimtalk': {
      let phone: string | undefined;
      if (t.type === 'phone-number') phone = normalizePhone(t.phoneNumber, region);
      else if (profile) {
        phone = profile.identifiers.find((i) => i.type === 'phone')?.value;
        if (!phone) {
          const raw = PHONE_PROPERTIES.map((k) => profile.properties[k]).find((v) => typeof v === 'string' && v.trim() && !isBlockedValue(v));
          if (typeof raw === 'string') phone = normalizePhone(raw.trim(), region);
        }
      }
      return phone ? [{ kind: 'phone', value: phone, dedupe: `p:${phone}` }] : [];
    }
    case 'email': {
      let email: string | undefined;
      if (t.type === 'email') email = t.email.trim().toLowerCase();
      else if (profile) {
        email = profile.identifiers.find((i) => i.type === 'email')?.value;
        if (!email) {
          const raw = EMAIL_PROPERTIES.map((k) => profile.properties[k]).find((v) => typeof v === 'string' && isEmailAddress(v.trim()));
          if (typeof raw === 'string') email = raw.trim().toLowerCase();
        }
      }
      return email ? [{ kind: 'email', value: email, dedupe: `e:${email}` }] : [];
    }
  }
}

/**
 * Checks the recipients of an API send: `recipients` is a list of 1–1,000 objects; `type` defaults to user-id and
 * must be one the campaign's channel accepts (push and web push: user-id; alimtalk and text: user-id, phone-number;
 * email: user-id, email); the field of that type is required; `eventParams` is an object. (Legacy wire names, such as
 * Notifly's `userID`, are a face's to map.)
 */
export function parseApiRecipients(body: unknown, campaign: Campaign, region: string): ApiRecipient[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('recipients', 'the body must be an object with a recipients list');
  const list = (body as { recipients?: unknown }).recipients;
  if (!Array.isArray(list)) throw invalid('recipients', 'recipients is required and must be a list');
  if (list.length === 0) throw invalid('recipients', 'recipients must list at least one recipient');
  if (list.length > MAX_API_RECIPIENTS)
    throw new MaruError('too_many_items', `recipients lists ${list.length} recipients; at most ${MAX_API_RECIPIENTS} per call`, { field: 'recipients' });
  const allowed = RECIPIENT_TYPES_BY_CHANNEL[campaign.channel];
  return list.map((r, i): ApiRecipient => {
    const at = `recipients[${i}]`;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw invalid(at, `${at} must be an object`);
    const o = r as Record<string, unknown>;
    const type = (o.type ?? 'user-id') as RecipientType;
    if (!RECIPIENT_TYPES.includes(type)) throw invalid(`${at}.type`, `${at}.type must be one of ${RECIPIENT_TYPES.join(', ')}`);
    if (!allowed.includes(type))
      throw invalid(`${at}.type`, `${at}.type ${type} is not supported by the ${campaign.channel} channel (supported: ${allowed.join(', ')})`);
    const params = o.eventParams ?? {};
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw invalid(`${at}.eventParams`, `${at}.eventParams must be an object`);
    const eventParams = params as Record<string, unknown>;
    /** The recipient's identifier, by the one identifier rule (identifiers.ts): length, D16 text, email, phone. */
    const required = (name: string, idType: 'external_id' | 'phone' | 'email', value: unknown): string => {
      const field = `${at}.${name}`;
      if (value === undefined || value === null || (typeof value === 'string' && value.trim() === ''))
        throw invalid(field, `${field} is required for a ${type} recipient (a non-empty string)`);
      const id = parseIdentifier(idType, value, { field, region });
      if (!isIdentifier(id))
        throw invalid(field, `${field} "${id?.raw}" does not identify anyone (empty, null-like, placeholder and all-zero values are not accepted)`);
      return id.raw;
    };
    switch (type) {
      case 'user-id':
        return { type, userId: required('userId', 'external_id', o.userId), eventParams };
      case 'phone-number':
        return { type, phoneNumber: required('phoneNumber', 'phone', o.phoneNumber), eventParams };
      default: // 'email' (the type was checked against RECIPIENT_TYPES above)
        return { type: 'email', email: required('email', 'email', o.email), eventParams };
    }
  });
}
