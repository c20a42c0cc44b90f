import type { Clock } from '../../platform/clock.ts';
import type { Db, Store } from '../../platform/db/store.ts';
import type { Logger } from '../../platform/log.ts';
import { PermanentFailure, type JobContext, type Queue } from '../../platform/queue/queue.port.ts';
import {
  SCHEDULED_SEND_QUEUE,
  TRACKING_DELIVERY_PARAM,
  TRACKING_EVENTS,
  type CampaignsService,
  type ScheduledSendJob,
} from '../campaigns/campaigns.service.ts';
import type { Campaign, EventCondition } from '../campaigns/campaigns.types.ts';
import type { IngestListener } from '../events/events.service.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import type { Project } from '../projects/projects.types.ts';
import { parseDatetime } from '../taxonomy/values.ts';
import { countMetric, dimensionsOf } from './campaign-metrics.ts';
import * as repo from './deliveries.repository.ts';
import type { DeliveriesService, Reach } from './deliveries.service.ts';
import { CONVERSION_PREFIX, METRICS, type AudienceSource, type ProfileCondition } from './deliveries.types.ts';
import { isMaruError } from '../errors.ts';
import type { TrackingService } from './tracking.service.ts';

export const CAMPAIGN_EVENTS_QUEUE = 'campaign-events';

interface QueuedEvent {
  key: string;
  name: string;
  occurredAt: number;
  receivedAt: number;
  profileId: string;
  properties: Record<string, unknown>;
}
export interface CampaignEventsJob {
  projectId: string;
  events: QueuedEvent[];
}

/** An event older than this when it arrives (a backfill, an import) does not trigger a campaign. */
export const MAX_TRIGGER_AGE_MS = 24 * 3_600_000;
/** Profiles planned per write unit in a scheduled send. */
const SCHEDULED_CHUNK = 500;

/**
 * What events do to campaigns:
 * - an event that matches an active event-triggered campaign (name and parameter conditions) records a delivery to
 *   the profile that performed it, due `delay_seconds` after the event was received; the event's properties are the
 *   delivery's event parameters;
 * - the campaign's cancel event cancels that profile's deliveries of the campaign still waiting (`cancelled` metric);
 * - a campaign's conversion event within its window after a send counts a conversion (metricType "conversion");
 * - the reserved push tracking events count push_delivered / push_click.
 *
 * Durability: the ingest listener adds one queue job for the events of interest inside the ingest's own write unit, so
 * an event that was acknowledged always reaches the campaign engine, even across a crash. The job is idempotent (the
 * delivery keys derive from the event key), so a job run twice records nothing twice.
 * Scheduled campaigns: the job queued at activation runs at `send_time.at` and records the deliveries of the
 * audience (or of every profile when the campaign names no audience) in chunks.
 */
export class CampaignTriggers {
  #store: Store;
  #clock: Clock;
  #log: Logger;
  #queue: Queue;
  #projects: ProjectsService;
  #campaigns: CampaignsService;
  #deliveries: DeliveriesService;
  #tracking: TrackingService;
  #audiences: AudienceSource | undefined;

  constructor(deps: {
    store: Store;
    clock: Clock;
    log: Logger;
    queue: Queue;
    projects: ProjectsService;
    campaigns: CampaignsService;
    deliveries: DeliveriesService;
    tracking: TrackingService;
    audiences?: AudienceSource;
  }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#queue = deps.queue;
    this.#projects = deps.projects;
    this.#campaigns = deps.campaigns;
    this.#deliveries = deps.deliveries;
    this.#tracking = deps.tracking;
    this.#audiences = deps.audiences;
    // The trigger queues' handlers run in processes whose queue is started (the worker role).
    this.#queue.handle<CampaignEventsJob>(CAMPAIGN_EVENTS_QUEUE, (job) => this.handleEvents(job), { concurrency: 2 });
    this.#queue.handle<ScheduledSendJob>(SCHEDULED_SEND_QUEUE, (job) => this.handleScheduled(job), { concurrency: 1, leaseMs: 600_000 });
  }

  /** Event names the campaign engine acts on in a project. */
  async interest(projectId: string, db?: Db): Promise<Set<string>> {
    const names = new Set<string>([TRACKING_EVENTS.pushDelivered, TRACKING_EVENTS.pushClick]);
    for (const c of await this.#campaigns.active(projectId, db)) {
      if (c.sendTime.type === 'event') {
        names.add(c.sendTime.event);
        if (c.sendTime.cancel_event) names.add(c.sendTime.cancel_event);
      }
      if (c.options.conversion) names.add(c.options.conversion.event);
    }
    return names;
  }

  /** The listener registered with EventsService. */
  readonly listener: IngestListener = {
    inUnit: async (tx, batch) => {
      const interest = await this.interest(batch.projectId, tx);
      const events: QueuedEvent[] = [];
      for (const e of batch.events) {
        if (!interest.has(e.name)) continue;
        events.push({
          key: e.event_key,
          name: e.name,
          occurredAt: e.occurred_at,
          receivedAt: e.received_at,
          profileId: e.profile_id,
          properties: e.properties ? JSON.parse(e.properties) : {},
        });
      }
      if (events.length === 0) return;
      await this.#queue.add<CampaignEventsJob>(tx, {
        queue: CAMPAIGN_EVENTS_QUEUE,
        payload: { projectId: batch.projectId, events },
        projectId: batch.projectId,
        maxAttempts: 10,
      });
    },
    afterCommit: () => this.#queue.kick(CAMPAIGN_EVENTS_QUEUE),
  };

  async handleEvents(job: JobContext<CampaignEventsJob>): Promise<void> {
    const project = await this.#projects.find(job.payload.projectId);
    if (!project) return;
    const campaigns = await this.#campaigns.list(project.id, { status: 'active' });
    for (const e of job.payload.events) {
      if (e.name === TRACKING_EVENTS.pushDelivered || e.name === TRACKING_EVENTS.pushClick) await this.#trackPush(project, e);
      for (const c of campaigns) {
        if (c.sendTime.type === 'event') {
          if (
            c.sendTime.event === e.name &&
            e.occurredAt >= e.receivedAt - MAX_TRIGGER_AGE_MS &&
            c.sendTime.conditions.every((cond) => conditionHolds(cond, e.properties))
          ) {
            await this.#deliveries.plan({
              project,
              campaign: c,
              trigger: 'event',
              requestId: `ev:${e.occurredAt}:${e.key}`,
              targets: [{ type: 'profile', profileId: e.profileId, eventParams: e.properties }],
              runAt: e.receivedAt + c.sendTime.delay_seconds * 1000,
            });
          }
          if (c.sendTime.cancel_event === e.name) await this.#cancel(project, c, e);
        }
        if (c.options.conversion?.event === e.name) await this.#convert(project, c, e);
      }
    }
  }

  async #trackPush(project: Project, e: QueuedEvent): Promise<void> {
    const id = e.properties[TRACKING_DELIVERY_PARAM] ?? e.properties.maru_delivery_id;
    if (typeof id !== 'string' || id.length === 0 || id.length > 64) return;
    await this.#store.write((tx) =>
      this.#tracking.recordPushEvent(tx, {
        projectId: project.id,
        deliveryId: id,
        kind: e.name === TRACKING_EVENTS.pushClick ? 'click' : 'delivered',
        at: e.occurredAt,
      }),
    );
  }

  async #cancel(project: Project, c: Campaign, e: QueuedEvent): Promise<void> {
    const profile = (await repo.profilesForSend(this.#store.db, project.id, [e.profileId], false)).get(e.profileId);
    const dims = dimensionsOf(c.statsDimensions, profile?.properties);
    const now = this.#clock.now();
    await this.#store.write(async (tx) => {
      for (const d of await repo.pendingEventDeliveries(tx, project.id, c.id, e.profileId)) {
        const moved = await repo.transition(tx, project.id, d.id, ['pending'], {
          state: 'cancelled',
          metric: METRICS.cancelled,
          reason: `cancel_event: ${e.name}`,
          dimensions: JSON.stringify(dims),
          finished_at: now,
          updated_at: now,
        });
        if (moved)
          await countMetric(tx, { projectId: project.id, campaignId: c.id, metric: METRICS.cancelled, at: now, timezone: project.timezone, dimensions: dims });
      }
    });
  }

  async #convert(project: Project, c: Campaign, e: QueuedEvent): Promise<void> {
    const window = c.options.conversion!.window_hours * 3_600_000;
    await this.#store.write(async (tx) => {
      const d = await repo.latestSentUnconverted(tx, project.id, c.id, e.profileId, e.occurredAt - window);
      if (!d || (d.sending_at ?? 0) > e.occurredAt) return;
      if (!(await repo.setTimestamp(tx, project.id, d.id, 'converted_at', e.occurredAt))) return;
      await countMetric(tx, {
        projectId: project.id,
        campaignId: c.id,
        metric: CONVERSION_PREFIX + e.name,
        at: e.occurredAt,
        timezone: project.timezone,
        dimensions: d.dimensions ? JSON.parse(d.dimensions) : null,
      });
    });
  }

  /** A scheduled campaign's time has come: record its deliveries (the delivery queue sends them). */
  async handleScheduled(job: JobContext<ScheduledSendJob>): Promise<void> {
    const { projectId, campaignId, at } = job.payload;
    const project = await this.#projects.find(projectId);
    const campaign = project && (await this.#campaigns.find(projectId, campaignId));
    if (!project || !campaign) return;
    if (campaign.status !== 'active' || campaign.sendTime.type !== 'scheduled' || campaign.sendTime.at !== at) {
      this.#log.info({ projectId, campaignId, at }, 'scheduled send skipped: the campaign is no longer active at that time');
      return;
    }
    const requestId = `sched:${parseDatetime(at)}`;
    const audienceId = campaign.sendTime.audience_id;
    let audience: ProfileCondition | undefined;
    if (audienceId !== undefined) {
      if (!this.#audiences) throw new PermanentFailure(`campaign ${campaignId} targets audience ${audienceId}, but audiences are not available in this build`);
      try {
        audience = await this.#audiences.filter(projectId, audienceId);
      } catch (e) {
        if (isMaruError(e) && e.code === 'not_found') throw new PermanentFailure(`campaign ${campaignId} targets audience ${audienceId}, which does not exist`);
        throw e;
      }
    }
    const ids = this.#profileIds(projectId, audience);
    let chunk: string[] = [];
    const flush = async () => {
      if (chunk.length === 0) return;
      await this.#deliveries.plan({
        project,
        campaign,
        trigger: 'scheduled',
        requestId,
        targets: chunk.map((profileId) => ({ type: 'profile', profileId, eventParams: {} })),
        skipUnreachable: true,
      });
      chunk = [];
    };
    for await (const id of ids) {
      chunk.push(id);
      if (chunk.length >= SCHEDULED_CHUNK) await flush();
    }
    await flush();
  }

  /**
   * How many profiles an activation of the campaign reaches now (the console's confirmation): the audience of a
   * scheduled campaign (every profile when it names none), every profile of the project for API- and event-triggered
   * ones (who actually receives those depends on the calls and events to come), counted by DeliveriesService.reachOf.
   */
  async reach(projectId: string, campaignId: string): Promise<Reach & { audienceId: string | null; sendTimeType: Campaign['sendTime']['type'] }> {
    const project = await this.#projects.get(projectId);
    const campaign = await this.#campaigns.get(projectId, campaignId);
    const audienceId = campaign.sendTime.type === 'scheduled' ? (campaign.sendTime.audience_id ?? null) : null;
    const audience = audienceId !== null && this.#audiences ? await this.#audiences.filter(projectId, audienceId) : undefined;
    const total: Reach = { profiles: 0, reachable: 0, withoutAddress: 0, excluded: 0, withoutConsent: 0 };
    let chunk: string[] = [];
    const flush = async () => {
      if (chunk.length === 0) return;
      const r = await this.#deliveries.reachOf(project, campaign, chunk);
      for (const k of Object.keys(total) as (keyof Reach)[]) total[k] += r[k];
      chunk = [];
    };
    for await (const id of this.#profileIds(projectId, audience)) {
      chunk.push(id);
      if (chunk.length >= SCHEDULED_CHUNK) await flush();
    }
    await flush();
    return { ...total, audienceId, sendTimeType: campaign.sendTime.type };
  }

  async *#profileIds(projectId: string, audience: ProfileCondition | undefined): AsyncIterable<string> {
    for await (const row of this.#store.stream(repo.profileIdsQuery(this.#store.db, projectId, audience))) yield row.id;
  }
}

/** Whether an event's parameters satisfy one condition of a trigger. */
export function conditionHolds(c: EventCondition, params: Record<string, unknown>): boolean {
  const v = params[c.param];
  const exists = v !== undefined && v !== null;
  switch (c.op) {
    case 'exists':
      return exists;
    case 'not_exists':
      return !exists;
    case 'eq':
      return exists && equal(v, c.value!);
    case 'neq':
      return !exists || !equal(v, c.value!);
    case 'contains':
      if (Array.isArray(v)) return v.some((x) => equal(x, c.value!));
      return typeof v === 'string' && v.includes(String(c.value));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
      if (Number.isNaN(n)) return false;
      const x = c.value as number;
      return c.op === 'gt' ? n > x : c.op === 'gte' ? n >= x : c.op === 'lt' ? n < x : n <= x;
    }
  }
}

function equal(v: unknown, want: string | number | boolean): boolean {
  if (typeof want === 'number') return typeof v === 'number' ? v === want : typeof v === 'string' && v.trim() !== '' && Number(v) === want;
  if (typeof want === 'boolean') return v === want || String(v) === String(want);
  return String(v) === want;
}
