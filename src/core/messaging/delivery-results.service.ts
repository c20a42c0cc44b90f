import type { Clock } from '../../platform/clock.ts';
import type { Db, Store } from '../../platform/db/store.ts';
import type { Logger } from '../../platform/log.ts';
import { RetryLater, type JobContext, type Queue } from '../../platform/queue/queue.port.ts';
import type { DeliveryStatus, DeliveryStatusSource } from '../../channels/delivery-status.types.ts';
import { SANDBOX_VENDOR } from '../../channels/sandbox/sandbox.provider.ts';
import { countMetric } from '../deliveries/campaign-metrics.ts';
import * as deliveriesRepo from '../deliveries/deliveries.repository.ts';
import { METRICS, type ChannelProviders, type Delivery } from '../deliveries/deliveries.types.ts';
import type { SentHook } from '../deliveries/delivery-worker.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import type { Project } from '../projects/projects.types.ts';
import * as repo from './messaging.repository.ts';
import type { DeliveryResultRow } from './messaging.tables.ts';

export const DELIVERY_RESULTS_QUEUE = 'delivery-results';
export interface DeliveryResultJob {
  projectId: string;
  deliveryId: string;
  vendor: string;
}

/** When the vendor is asked after a send: 15 s, then 1, 2, 5, 10, 30 minutes, then hourly; 12 asks in all (about 7 hours). */
export const POLL_DELAYS_MS = [15_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];
export const POLL_MAX_ATTEMPTS = 12;
const pollDelay = (attempt: number) => POLL_DELAYS_MS[Math.min(attempt, POLL_DELAYS_MS.length - 1)];

type ResultSource = Partial<DeliveryStatusSource>;

/** Channels whose vendor results are tracked: text messages (polling or callbacks), Kakao (polling, when the vendor offers a lookup). */
const RESULT_CHANNELS: ReadonlySet<Delivery['channel']> = new Set(['text_message', 'kakao_alimtalk']);

/**
 * What happens to a text or Kakao message after the vendor accepted it (docs/korean-messaging.md "Delivery results"): the
 * vendor's final word, learnt by polling vendors that offer a lookup (a queue job per sent delivery) or from the
 * vendor's status callbacks (`report`, called by the callbacks face after verifying the signature).
 *
 * - delivered: the delivery stays `sent` and gets `delivered_at`.
 * - failed (the carrier gave up): the delivery moves from `sent` to `failed` with the carrier's reason, and its
 *   count moves from send_success to send_failure (failover_text_message_send_success to _failure for a failover)
 *   on the day it was sent — statistics show each message once, under its final outcome.
 * - pending / unknown: asked again later (polling) until POLL_MAX_ATTEMPTS; then left as sent.
 *
 * Every report is kept in `delivery_results` (one row per vendor message id). A callback that arrives before maru has
 * recorded the send is kept without a delivery and applied when the send is recorded (the onSent hook).
 */
export class DeliveryResultsService {
  #store: Store;
  #clock: Clock;
  #log: Logger;
  #queue: Queue;
  #projects: ProjectsService;
  #providers: ChannelProviders;

  constructor(deps: { store: Store; clock: Clock; log: Logger; queue: Queue; projects: ProjectsService; providers: ChannelProviders }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#queue = deps.queue;
    this.#projects = deps.projects;
    this.#providers = deps.providers;
    // Result polls run in processes whose queue is started (the worker role).
    this.#queue.handle<DeliveryResultJob>(DELIVERY_RESULTS_QUEUE, (job) => this.poll(job), { concurrency: 4, leaseMs: 60_000 });
  }

  /**
   * The delivery worker's onSent hook: a text message a vendor accepted with a message id is recorded for results;
   * a poll is queued when the vendor can be asked; a report that came first is applied. A Kakao message (alimtalk or
   * friendtalk, channel kakao_alimtalk) is recorded and polled the same way when its vendor can be asked.
   */
  readonly onSent: SentHook = async (tx, sent) => {
    const d = sent.delivery;
    // The sandbox reports its outcome when it is called; there is nothing more to learn from it.
    if (!RESULT_CHANNELS.has(d.channel) || !sent.providerMessageId || sent.vendor === SANDBOX_VENDOR) return;
    // Kakao results come only from polling (no vendor calls back): nothing to record when the vendor cannot be asked.
    if (d.channel !== 'text_message' && !this.#pollable(sent.project, d.channel, sent.vendor)) return;
    const key = { projectId: sent.project.id, vendor: sent.vendor, providerMessageId: sent.providerMessageId };
    const early = await repo.findResultByMessageId(tx, key.projectId, key.vendor, key.providerMessageId);
    if (early && early.delivery_id !== null) {
      // The vendor reused a message id: keep the first delivery's results, never fail the unit recording this send.
      if (early.delivery_id !== d.id)
        this.#log.warn(
          { projectId: key.projectId, deliveryId: d.id, vendor: key.vendor },
          'provider message id already recorded for another delivery; results not tracked',
        );
      return;
    }
    if (early) {
      await repo.updateResult(tx, key, { delivery_id: d.id, updated_at: sent.at });
      await this.#apply(tx, sent.project, { ...d, state: 'sent', finishedAt: sent.at }, rowStatus(early), sent.at);
      if (early.status === 'delivered' || early.status === 'failed') return;
    } else {
      await repo.insertResult(tx, {
        project_id: key.projectId,
        vendor: key.vendor,
        provider_message_id: key.providerMessageId,
        delivery_id: d.id,
        status: 'pending',
        code: null,
        reason: null,
        delivered_at: null,
        checks: 0,
        created_at: sent.at,
        updated_at: sent.at,
      });
    }
    if (!this.#pollable(sent.project, d.channel, sent.vendor)) return;
    await this.#queue.add<DeliveryResultJob>(tx, {
      queue: DELIVERY_RESULTS_QUEUE,
      key: `${key.projectId}:${d.id}`,
      payload: { projectId: key.projectId, deliveryId: d.id, vendor: sent.vendor },
      runAt: sent.at + pollDelay(0),
      maxAttempts: POLL_MAX_ATTEMPTS,
      projectId: key.projectId,
    });
  };

  /** The poll job: asks the vendor for the result of one sent delivery. */
  async poll(job: JobContext<DeliveryResultJob>): Promise<void> {
    const { projectId, deliveryId, vendor } = job.payload;
    const project = await this.#projects.find(projectId);
    if (!project) return;
    const d = await deliveriesRepo.findDelivery(this.#store.db, projectId, deliveryId);
    if (!d || d.state !== 'sent' || !d.providerMessageId || d.provider !== vendor) return;
    const known = await repo.findResultOfDelivery(this.#store.db, projectId, deliveryId);
    if (known && (known.status === 'delivered' || known.status === 'failed')) return;
    const source = this.#source(project, d.channel, vendor);
    if (!source?.fetchResult) return;
    let status: DeliveryStatus;
    try {
      status = await source.fetchResult(d.providerMessageId);
    } catch (e) {
      status = { status: 'unknown', providerMessageId: d.providerMessageId, retryable: true, reason: `lookup failed: ${(e as Error).message}` };
    }
    const now = this.#clock.now();
    await this.#store.write(async (tx) => {
      await this.#record(tx, project, vendor, d.providerMessageId!, d, status, now);
    });
    const again = status.status === 'pending' || (status.status === 'unknown' && status.retryable);
    if (again && job.attempt < job.maxAttempts) throw new RetryLater(pollDelay(job.attempt), `result not final yet (${status.status})`);
    if (again) this.#log.info({ projectId, deliveryId, vendor }, 'delivery result still not final after the last poll; left as sent');
  }

  /**
   * A vendor's report from a status callback (already authenticated by the face): applied to the delivery with this
   * vendor message id, or kept until the send is recorded. Returns what happened.
   */
  async report(input: { projectId: string; vendor: string; status: DeliveryStatus }): Promise<'applied' | 'kept' | 'ignored'> {
    const project = await this.#projects.get(input.projectId);
    const now = this.#clock.now();
    const id = input.status.providerMessageId;
    return this.#store.write(async (tx) => {
      const row = await repo.findResultByMessageId(tx, project.id, input.vendor, id);
      const d = row?.delivery_id ? await deliveriesRepo.findDelivery(tx, project.id, row.delivery_id) : undefined;
      if (!d) {
        if (row) {
          if (input.status.status === 'pending' && row.status !== 'pending') return 'ignored';
          await repo.updateResult(tx, { projectId: project.id, vendor: input.vendor, providerMessageId: id }, resultColumns(input.status, row.checks + 1, now));
        } else {
          await repo.insertResult(tx, {
            project_id: project.id,
            vendor: input.vendor,
            provider_message_id: id,
            delivery_id: null,
            created_at: now,
            ...resultColumns(input.status, 1, now),
          });
        }
        return 'kept';
      }
      return (await this.#record(tx, project, input.vendor, id, d, input.status, now)) ? 'applied' : 'ignored';
    });
  }

  /** The result row of a delivery (admin API, tests). */
  async resultOf(projectId: string, deliveryId: string): Promise<DeliveryResultRow | undefined> {
    return repo.findResultOfDelivery(this.#store.db, projectId, deliveryId);
  }

  /** Updates the result row and the delivery; false when the delivery had already reached a final result. */
  async #record(tx: Db, project: Project, vendor: string, providerMessageId: string, d: Delivery, status: DeliveryStatus, now: number): Promise<boolean> {
    const key = { projectId: project.id, vendor, providerMessageId };
    const row = await repo.findResultByMessageId(tx, project.id, vendor, providerMessageId);
    if (row && (row.status === 'delivered' || row.status === 'failed')) return false;
    if (row) await repo.updateResult(tx, key, { delivery_id: d.id, ...resultColumns(status, row.checks + 1, now) });
    else
      await repo.insertResult(tx, {
        project_id: project.id,
        vendor,
        provider_message_id: providerMessageId,
        delivery_id: d.id,
        created_at: now,
        ...resultColumns(status, 1, now),
      });
    await this.#apply(tx, project, d, status, now);
    return true;
  }

  /** What a final result does to the delivery (see the class comment). */
  async #apply(tx: Db, project: Project, d: Delivery, status: DeliveryStatus, now: number): Promise<void> {
    if (status.status === 'delivered') {
      await deliveriesRepo.transition(tx, project.id, d.id, ['sent'], { delivered_at: deliveredAt(status.deliveredAt, now), updated_at: now });
      return;
    }
    if (status.status !== 'failed') return;
    const failover = d.trigger === 'failover';
    const metric = failover ? METRICS.failoverFailure : METRICS.sendFailure;
    const moved = await deliveriesRepo.transition(tx, project.id, d.id, ['sent'], {
      state: 'failed',
      metric,
      reason: `carrier_failed: ${status.reason}${status.code ? ` (code ${status.code})` : ''}`.slice(0, 1000),
      updated_at: now,
    });
    if (!moved) return;
    const at = d.finishedAt ?? now;
    const base = { projectId: project.id, campaignId: d.campaignId, at, timezone: project.timezone, dimensions: d.dimensions };
    await countMetric(tx, { ...base, metric: failover ? METRICS.failoverSuccess : METRICS.sendSuccess, by: -1 });
    await countMetric(tx, { ...base, metric });
  }

  #source(project: Project, channel: Delivery['channel'], vendor: string): ResultSource | undefined {
    try {
      const resolved = this.#providers.resolve(project, channel);
      return resolved.vendor === vendor ? (resolved.provider as ResultSource) : undefined;
    } catch {
      return undefined;
    }
  }

  #pollable(project: Project, channel: Delivery['channel'], vendor: string): boolean {
    return typeof this.#source(project, channel, vendor)?.fetchResult === 'function';
  }
}

function resultColumns(s: DeliveryStatus, checks: number, now: number) {
  return {
    status: s.status,
    code: s.status === 'failed' ? (s.code ?? null) : null,
    reason: s.status === 'failed' || s.status === 'unknown' ? s.reason.slice(0, 1000) : null,
    delivered_at: s.status === 'delivered' ? deliveredAt(s.deliveredAt, now) : null,
    checks,
    updated_at: now,
  };
}

/** A stored result as the status it reported. */
function rowStatus(r: DeliveryResultRow): DeliveryStatus {
  const id = r.provider_message_id;
  if (r.status === 'delivered')
    return { status: 'delivered', providerMessageId: id, ...(r.delivered_at !== null ? { deliveredAt: new Date(r.delivered_at).toISOString() } : {}) };
  if (r.status === 'failed') return { status: 'failed', providerMessageId: id, reason: r.reason ?? 'failed', ...(r.code ? { code: r.code } : {}) };
  return { status: 'pending', providerMessageId: id };
}

/**
 * The vendor's delivery time when it gave a readable one, else now. NHN writes Korean local time without a zone
 * (`2024-01-02 10:20:30`), read as KST (+09:00); ISO times with a zone are read as they are.
 */
function deliveredAt(text: string | undefined, now: number): number {
  if (!text) return now;
  const local = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?$/.exec(text.trim());
  const t = local ? Date.parse(`${local[1]}T${local[2]}${local[3] ?? ''}+09:00`) : Date.parse(text);
  return Number.isNaN(t) ? now : t;
}
