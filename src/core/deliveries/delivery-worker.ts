import type { Clock } from '../../platform/clock.ts';
import type { Db, Store } from '../../platform/db/store.ts';
import type { Logger } from '../../platform/log.ts';
import { newId } from '../../platform/ids.ts';
import { RetryLater, defaultBackoff, withJitter, type JobContext, type Queue } from '../../platform/queue/queue.port.ts';
import { failed, type SendResult } from '../../channels/provider.types.ts';
import type { CampaignsService } from '../campaigns/campaigns.service.ts';
import type { AlimtalkTemplate, Campaign, TemplateByChannel } from '../campaigns/campaigns.types.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import type { Project } from '../projects/projects.types.ts';
import {
  messagingDefaults,
  renderFailover,
  renderMessage,
  RenderFailure,
  userScope,
  type RenderedAlimtalk,
  type RenderedEmail,
  type RenderedPush,
  type RenderedText,
  type RenderedWebPush,
} from '../templates/message-renderer.ts';
import type { TemplateRenderer } from '../templates/templates.ts';
import { countMetric, dimensionsOf } from './campaign-metrics.ts';
import * as repo from './deliveries.repository.ts';
import type { DeliveryRow } from './deliveries.tables.ts';
import {
  FINAL_STATES,
  METRICS,
  type AddressFeedback,
  type ChannelProviders,
  type Delivery,
  type DeliveryLookup,
  type ProviderByChannel,
  type RenderedFriendtalk,
} from './deliveries.types.ts';
import { localDate } from './local-time.ts';
import { advertiserOf, advertisingSetupProblem, markEmail, markPush, markText } from '../messaging/ad-marking.ts';
import { checkTextLimits } from '../messaging/text-size.ts';
import { applyFilters, campaignSettings, type ExtraFilter, type FilterSubject } from './filters.ts';
import type { TrackingService } from './tracking.service.ts';

export const DELIVERY_QUEUE = 'deliveries';
export interface DeliveryJob {
  projectId: string;
  deliveryId: string;
}
/** A hook run inside the unit that records a delivery as sent (the `sentHooks` of DeliveryWorker), e.g. to queue a delivery-result poll. */
export type SentHook = (
  tx: Db,
  sent: { project: Project; delivery: Delivery; vendor: string; providerMessageId: string | undefined; at: number },
) => Promise<void>;

/** A delivery job is reserved this long per attempt; a worker that died is replaced after it (the queue's lease). */
export const DELIVERY_LEASE_MS = 120_000;

/** List-Unsubscribe headers of advertising email (src/core/unsubscribe; RFC 2369/8058). */
export interface EmailUnsubscribeHeaders {
  emailHeaders(input: { project: Project; deliveryId: string; profileId: string }): Promise<Record<string, string>>;
  /** The one-click unsubscribe page of a delivery (the link in the footer of advertising email). */
  url(input: { projectId: string; deliveryId: string; profileId: string }): Promise<string>;
}

/** What the rendered column holds: the message as sent, and the alimtalk's failover text when it has one. */
interface RenderedColumn {
  message: Record<string, unknown>;
  failover?: RenderedText;
}

/**
 * The delivery worker: one queue job per delivery. render → filter → send → record, with every transition a
 * durable, conditional update (a delivery moves only from the state the worker read), so a job run twice cannot
 * send twice or count twice.
 *
 * Crash semantics (docs/campaigns.md "Pipeline and crashes"):
 * - The delivery is marked `sending` (durably) before the provider is called, with the rendered message; the
 *   provider gets the delivery's idempotency key.
 * - A delivery found in `sending` when its job runs again (the worker died during the call, or before recording the
 *   outcome) is not blindly resent: if the provider can look messages up by idempotency key (the sandbox can), maru
 *   asks — accepted: recorded as sent; certainly not accepted: sent now. A provider that cannot answer: the delivery
 *   is failed with reason `outcome_unknown` rather than risk a duplicate (maru cannot know whether the vendor got it).
 * - A retryable provider failure puts the delivery back to `pending` with its rendered message and the job is retried
 *   after max(Retry-After, backoff with jitter); the last attempt, or a permanent failure, fails it visibly.
 */
export class DeliveryWorker {
  #store: Store;
  #clock: Clock;
  #log: Logger;
  #queue: Queue;
  #projects: ProjectsService;
  #campaigns: CampaignsService;
  #renderer: TemplateRenderer;
  #providers: ChannelProviders;
  #tracking: TrackingService;
  #addresses: AddressFeedback;
  #unsubscribe: EmailUnsubscribeHeaders | undefined;
  #random: () => number;
  #extraFilters: readonly ExtraFilter[];
  #sentHooks: readonly SentHook[];

  constructor(deps: {
    store: Store;
    clock: Clock;
    log: Logger;
    queue: Queue;
    projects: ProjectsService;
    campaigns: CampaignsService;
    renderer: TemplateRenderer;
    providers: ChannelProviders;
    tracking: TrackingService;
    addresses: AddressFeedback;
    /** Adds List-Unsubscribe headers to advertising email; none when absent. */
    unsubscribe?: EmailUnsubscribeHeaders;
    random?: () => number;
    /** Filters other modules own (e.g. the 080 block list); see ExtraFilter in filters.ts. */
    filters?: readonly ExtraFilter[];
    /** Run inside the unit that records a delivery as sent (e.g. to queue a delivery-result poll). */
    sentHooks?: readonly SentHook[];
  }) {
    this.#extraFilters = deps.filters ?? [];
    this.#sentHooks = deps.sentHooks ?? [];
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#queue = deps.queue;
    this.#projects = deps.projects;
    this.#campaigns = deps.campaigns;
    this.#renderer = deps.renderer;
    this.#providers = deps.providers;
    this.#tracking = deps.tracking;
    this.#addresses = deps.addresses;
    this.#unsubscribe = deps.unsubscribe;
    this.#random = deps.random ?? Math.random;
  }

  async process(job: JobContext<DeliveryJob>): Promise<void> {
    const { projectId, deliveryId } = job.payload;
    const last = job.attempt >= job.maxAttempts;
    try {
      await this.#process(projectId, deliveryId, job.attempt, last);
    } catch (e) {
      if (e instanceof RetryLater) throw e;
      this.#log.error({ err: e, projectId, deliveryId, attempt: job.attempt }, 'delivery attempt failed unexpectedly');
      if (last) {
        await this.#finish(
          projectId,
          deliveryId,
          ['pending', 'rendering', 'sending'],
          METRICS.sendFailure,
          `internal error on the last attempt: ${(e as Error).message}`.slice(0, 500),
        );
        return;
      }
      throw e;
    }
  }

  async #process(projectId: string, deliveryId: string, attempt: number, last: boolean): Promise<void> {
    const d = await repo.findDelivery(this.#store.db, projectId, deliveryId);
    if (!d || FINAL_STATES.has(d.state)) return;
    const project = await this.#projects.find(projectId);
    if (!project) return;
    const campaign = await this.#campaigns.find(projectId, d.campaignId);
    if (!campaign) {
      await this.#finish(projectId, deliveryId, ['pending', 'rendering', 'sending'], METRICS.sendFailure, 'the campaign no longer exists');
      return;
    }

    if (d.state === 'sending') return this.#resume(project, campaign, d, attempt, last);

    if (d.trigger !== 'failover' && (campaign.status === 'paused' || campaign.status === 'archived')) {
      const now = this.#clock.now();
      await this.#store.write((tx) =>
        repo.transition(tx, projectId, deliveryId, ['pending', 'rendering'], {
          state: 'cancelled',
          reason: `campaign_${campaign.status}`,
          finished_at: now,
          updated_at: now,
        }),
      );
      return;
    }

    // A retry after a known provider failure, or a failover text: the message is already rendered and filtered.
    if (d.rendered && (d.sendingAt !== null || d.trigger === 'failover')) {
      const resolved = this.#resolve(project, d);
      if (!resolved) return this.#failNoProvider(project, campaign, d);
      const now = this.#clock.now();
      const moved = await this.#store.write(async (tx) => {
        const ok = await repo.transition(tx, projectId, deliveryId, ['pending'], {
          state: 'sending',
          attempts: d.attempts + 1,
          provider: resolved.vendor,
          sending_at: d.sendingAt ?? now,
          updated_at: now,
        });
        if (ok && d.sendingAt === null) await repo.incrementSendCount(tx, projectId, d.channel, localDate(now, project.timezone));
        return ok;
      });
      if (!moved) return;
      return this.#send(project, campaign, { ...d, state: 'sending', sendingAt: d.sendingAt ?? now }, resolved, attempt, last);
    }

    // pending (or rendering, if a previous attempt died while rendering)
    const startedAt = this.#clock.now();
    if (
      !(await this.#store.write((tx) =>
        repo.transition(tx, projectId, deliveryId, ['pending', 'rendering'], { state: 'rendering', attempts: d.attempts + 1, updated_at: startedAt }),
      ))
    )
      return;

    const subject = await this.#subject(project, campaign, d);
    const dimensions = dimensionsOf(campaign.statsDimensions, subject.scopeProfile?.properties);

    // render
    let rendered: RenderedColumn;
    try {
      rendered = await this.#render(project, campaign, d, subject.scopeProfile);
    } catch (e) {
      if (!(e instanceof RenderFailure)) throw e;
      const now = this.#clock.now();
      await this.#store.write(async (tx) => {
        if (
          !(await repo.transition(tx, projectId, deliveryId, ['rendering'], {
            state: 'failed',
            metric: METRICS.renderingFailure,
            reason: `rendering_failure: ${e.message}`.slice(0, 1000),
            dimensions: JSON.stringify(dimensions),
            finished_at: now,
            updated_at: now,
          }))
        )
          return;
        await countMetric(tx, { projectId, campaignId: campaign.id, metric: METRICS.renderingFailure, at: now, timezone: project.timezone, dimensions });
        if (campaign.channel === 'email')
          await countMetric(tx, { projectId, campaignId: campaign.id, metric: METRICS.emailRenderingFailure, at: now, timezone: project.timezone, dimensions });
      });
      return;
    }
    // Advertising carries its marking and opt-out on every channel (core/messaging/ad-marking.ts); a direct message
    // was marked when it was accepted. Advertising email names the profile whose consent it needs, and carries its
    // one-click unsubscribe link (header and footer).
    if (campaign.consentClass === 'advertising' && d.trigger !== 'direct') {
      try {
        rendered.message = await this.#markAdvertising(project, campaign, d, rendered.message, subject.filter.profile?.id);
      } catch (e) {
        if (!(e instanceof RenderFailure)) throw e;
        const now = this.#clock.now();
        await this.#store.write(async (tx) => {
          if (
            !(await repo.transition(tx, projectId, deliveryId, ['rendering'], {
              state: 'failed',
              metric: METRICS.renderingFailure,
              reason: `rendering_failure: ${e.message}`.slice(0, 1000),
              dimensions: JSON.stringify(dimensions),
              finished_at: now,
              updated_at: now,
            }))
          )
            return;
          await countMetric(tx, { projectId, campaignId: campaign.id, metric: METRICS.renderingFailure, at: now, timezone: project.timezone, dimensions });
        });
        return;
      }
    }

    const resolved = this.#resolve(project, d);
    if (!resolved) return this.#failNoProvider(project, campaign, d);

    // filter, and mark `sending` in the same unit
    const now = this.#clock.now();
    const outcome = await this.#store.write(async (tx): Promise<'sending' | 'skipped' | 'held' | 'gone'> => {
      const current = await repo.findDelivery(tx, projectId, deliveryId);
      if (!current || current.state !== 'rendering') return 'gone';
      const skip = await applyFilters(tx, { ...subject.filter, delivery: current, now });
      if (skip?.holdUntil !== undefined) {
        // Held until the night window ends (D10, `night_ads: "hold"`): pending again, with a job at that time.
        // Nothing is counted now; the delivery is counted once, when it is finally sent or skipped.
        await repo.transition(tx, projectId, deliveryId, ['rendering'], {
          state: 'pending',
          reason: `held until ${new Date(skip.holdUntil).toISOString()}: ${skip.reason}`,
          run_at: skip.holdUntil,
          updated_at: now,
        });
        await this.#queue.add<DeliveryJob>(tx, {
          queue: DELIVERY_QUEUE,
          key: `hold:${projectId}:${deliveryId}:${skip.holdUntil}`,
          payload: { projectId, deliveryId },
          runAt: skip.holdUntil,
          maxAttempts: campaign.options.max_attempts ?? 5,
          projectId,
        });
        return 'held';
      }
      if (skip) {
        await repo.transition(tx, projectId, deliveryId, ['rendering'], {
          state: 'skipped',
          metric: skip.metric,
          reason: skip.reason,
          dimensions: JSON.stringify(dimensions),
          finished_at: now,
          updated_at: now,
        });
        await countMetric(tx, { projectId, campaignId: campaign.id, metric: skip.metric, at: now, timezone: project.timezone, dimensions });
        return 'skipped';
      }
      await repo.transition(tx, projectId, deliveryId, ['rendering'], {
        state: 'sending',
        sending_at: now,
        provider: resolved.vendor,
        rendered: JSON.stringify(rendered),
        dimensions: JSON.stringify(dimensions),
        reason: null,
        updated_at: now,
      });
      return 'sending';
    });
    if (outcome !== 'sending') return;
    await this.#send(
      project,
      campaign,
      { ...d, state: 'sending', rendered: rendered as unknown as Record<string, unknown>, dimensions, sendingAt: now, provider: resolved.vendor },
      resolved,
      attempt,
      last,
    );
  }

  /** A delivery found in `sending`: ask the provider if it can tell, else fail it as outcome unknown. */
  async #resume(project: Project, campaign: Campaign, d: Delivery, attempt: number, last: boolean): Promise<void> {
    const resolved = this.#resolve(project, d);
    if (!resolved) return this.#failNoProvider(project, campaign, d);
    const lookup = resolved.provider.lookup;
    if (typeof lookup !== 'function') {
      await this.#finish(
        project.id,
        d.id,
        ['sending'],
        METRICS.sendFailure,
        'outcome_unknown: the worker stopped while this message was being handed to the provider, which cannot be asked whether it arrived; not resent to avoid a duplicate',
      );
      return;
    }
    const answer = await lookup.call(resolved.provider, d.idempotencyKey);
    const now = this.#clock.now();
    await this.#store.write((tx) => repo.transition(tx, project.id, d.id, ['sending'], { attempts: d.attempts + 1, updated_at: now }));
    if (answer.found) {
      await this.#recordOutcome(project, campaign, d, resolved.vendor, answer.result, attempt, last, 'confirmed by the provider after a restart');
      return;
    }
    await this.#send(project, campaign, d, resolved, attempt, last);
  }

  #resolve(project: Project, d: Delivery): { vendor: string; provider: ProviderByChannel[Delivery['channel']] & Partial<DeliveryLookup> } | undefined {
    try {
      return this.#providers.resolve(project, d.channel);
    } catch (e) {
      this.#log.warn({ err: e, projectId: project.id, channel: d.channel }, 'no provider for channel');
      return undefined;
    }
  }

  async #failNoProvider(project: Project, _campaign: Campaign, d: Delivery): Promise<void> {
    let reason = 'provider_not_configured';
    try {
      this.#providers.resolve(project, d.channel);
    } catch (e) {
      reason = `provider_not_configured: ${(e as Error).message}`;
    }
    await this.#finish(
      project.id,
      d.id,
      ['pending', 'rendering', 'sending'],
      d.trigger === 'failover' ? METRICS.failoverFailure : METRICS.sendFailure,
      reason.slice(0, 500),
    );
  }

  async #subject(project: Project, campaign: Campaign, d: Delivery) {
    const byUser = d.recipientType === 'user-id' || d.recipientType === 'profile';
    let scopeProfile: repo.ProfileForSend | undefined;
    if (byUser && d.profileId) scopeProfile = (await repo.profilesForSend(this.#store.db, project.id, [d.profileId], false)).get(d.profileId);
    // Consent and exclusion of a phone/email recipient are judged on the profile holding that address, if any.
    let judged = scopeProfile;
    if (!judged && d.address && (d.addressKind === 'phone' || d.addressKind === 'email')) {
      const owner = await repo.profileOwning(this.#store.db, project.id, d.addressKind, d.address);
      if (owner) judged = (await repo.profilesForSend(this.#store.db, project.id, [owner], false)).get(owner);
    }
    const filter: Omit<FilterSubject, 'delivery' | 'now'> = {
      campaign,
      project,
      settings: campaignSettings(project),
      extra: this.#extraFilters,
      profile: judged && { id: judged.id, properties: judged.properties, externalId: judged.identifiers.find((i) => i.type === 'external_id')?.value },
    };
    return { scopeProfile, filter };
  }

  /**
   * The advertising marking of a rendered campaign message (ad-marking.ts). A text message whose marked form no longer
   * fits its kind, or an advertising text without the project's 080 number, is a rendering failure (nothing is sent).
   * An email to no profile keeps its rendering: it has no consent and is skipped by the consent filter.
   */
  async #markAdvertising(
    project: Project,
    campaign: Campaign,
    d: Delivery,
    message: Record<string, unknown>,
    profileId: string | undefined,
  ): Promise<Record<string, unknown>> {
    const advertiser = advertiserOf(project);
    switch (campaign.channel) {
      case 'push':
      case 'web_push':
        return markPush(message as unknown as RenderedPush, advertiser) as unknown as Record<string, unknown>;
      case 'text_message': {
        const m = message as unknown as RenderedText;
        const problem = advertisingSetupProblem('text_message', advertiser);
        if (problem) throw new RenderFailure('template.body', problem);
        const body = markText(m.body, advertiser, m.from);
        const violation = checkTextLimits({ kind: m.kind, body, ...(m.title !== undefined ? { title: m.title } : {}) }).find(
          (v) => v.field === 'body' && v.code !== 'required',
        );
        if (violation) throw new RenderFailure('template.body', `${violation.message} (as sent, with the advertising marking and opt-out line)`);
        return { ...m, body } as unknown as Record<string, unknown>;
      }
      case 'email': {
        if (!profileId || !this.#unsubscribe) return message;
        const marked = markEmail(
          message as unknown as RenderedEmail,
          advertiser,
          await this.#unsubscribe.url({ projectId: project.id, deliveryId: d.id, profileId }),
        ) as unknown as Record<string, unknown>;
        marked.headers = await this.#unsubscribe.emailHeaders({ project, deliveryId: d.id, profileId });
        return marked;
      }
      case 'kakao_alimtalk':
        return message; // alimtalk is informational only (campaign-input.ts refuses advertising alimtalk)
    }
  }

  async #render(project: Project, campaign: Campaign, d: Delivery, profile: repo.ProfileForSend | undefined): Promise<RenderedColumn> {
    // A direct message (src/core/messaging) was made when it was recorded.
    if (d.trigger === 'direct' && d.rendered) return d.rendered as unknown as RenderedColumn;
    const scope = { user: userScope(profile), eventParams: d.eventParams };
    const defaults = messagingDefaults(project.settings);
    const message = (await renderMessage({
      renderer: this.#renderer,
      channel: campaign.channel,
      template: campaign.template as TemplateByChannel[typeof campaign.channel],
      scope,
      defaults,
    })) as unknown as Record<string, unknown>;
    if (campaign.channel === 'email' && typeof message.html === 'string') message.html = await this.#tracking.instrumentEmail(project.id, d.id, message.html);
    const out: RenderedColumn = { message };
    const failover = campaign.channel === 'kakao_alimtalk' ? (campaign.template as AlimtalkTemplate).failover : undefined;
    if (failover) out.failover = await renderFailover({ renderer: this.#renderer, failover, scope, defaults });
    return out;
  }

  async #send(
    project: Project,
    campaign: Campaign,
    d: Delivery,
    resolved: { vendor: string; provider: ProviderByChannel[Delivery['channel']] },
    attempt: number,
    last: boolean,
  ): Promise<void> {
    let result: SendResult;
    try {
      result = await callProvider(resolved.provider, d);
    } catch (e) {
      // The provider port throws only for programming errors (a message it cannot take): not worth retrying.
      result = failed(false, `provider error: ${(e as Error).message}`.slice(0, 500));
    }
    await this.#recordOutcome(project, campaign, d, resolved.vendor, result, attempt, last);
  }

  async #recordOutcome(
    project: Project,
    campaign: Campaign,
    d: Delivery,
    vendor: string,
    result: SendResult,
    attempt: number,
    last: boolean,
    note?: string,
  ): Promise<void> {
    const now = this.#clock.now();
    const tz = project.timezone;
    const response = JSON.stringify(
      stripUndefined({
        ok: result.ok,
        retryable: result.ok ? undefined : result.retryable,
        providerMessageId: result.providerMessageId,
        reason: result.reason,
        retryAfterMs: result.retryAfterMs,
        invalidRecipient: result.invalidRecipient,
        note,
      }),
    );
    const isFailover = d.trigger === 'failover';
    const base = { projectId: project.id, campaignId: campaign.id, at: now, timezone: tz, dimensions: d.dimensions };

    if (result.ok) {
      const metric = isFailover ? METRICS.failoverSuccess : METRICS.sendSuccess;
      await this.#store.write(async (tx) => {
        const moved = await repo.transition(tx, project.id, d.id, ['sending'], {
          state: 'sent',
          metric,
          reason: null,
          provider: vendor,
          provider_message_id: result.providerMessageId ?? null,
          provider_response: response,
          finished_at: now,
          updated_at: now,
        });
        if (!moved) return;
        await countMetric(tx, { ...base, metric });
        if (d.channel === 'email' && !isFailover) await countMetric(tx, { ...base, metric: METRICS.emailSend });
        for (const hook of this.#sentHooks) await hook(tx, { project, delivery: d, vendor, providerMessageId: result.providerMessageId, at: now });
      });
      return;
    }

    const reason = (result.reason ?? 'provider refused the message').slice(0, 1000);
    if (result.retryable && !last) {
      const delay = Math.max(result.retryAfterMs ?? 0, withJitter(defaultBackoff(attempt), this.#random));
      await this.#store.write((tx) =>
        repo.transition(tx, project.id, d.id, ['sending'], {
          state: 'pending',
          reason: `attempt ${attempt} failed (retrying): ${reason}`.slice(0, 1000),
          provider: vendor,
          provider_response: response,
          run_at: now + delay,
          updated_at: now,
        }),
      );
      throw new RetryLater(delay, reason);
    }

    const metric = isFailover ? METRICS.failoverFailure : METRICS.sendFailure;
    const finalReason = result.retryable ? `failed after ${attempt} attempts: ${reason}` : reason;
    const failoverRow = !isFailover && this.#failoverRow(campaign, d, now);
    await this.#store.write(async (tx) => {
      const moved = await repo.transition(tx, project.id, d.id, ['sending'], {
        state: 'failed',
        metric,
        reason: finalReason.slice(0, 1000),
        provider: vendor,
        provider_response: response,
        finished_at: now,
        updated_at: now,
      });
      if (!moved) return;
      await countMetric(tx, { ...base, metric });
      if (failoverRow) {
        await repo.insertDeliveries(tx, [failoverRow]);
        await this.#queue.add(tx, {
          queue: DELIVERY_QUEUE,
          payload: { projectId: project.id, deliveryId: failoverRow.id } satisfies DeliveryJob,
          runAt: now,
          maxAttempts: campaign.options.max_attempts ?? 5,
          projectId: project.id,
        });
      }
    });
    if (failoverRow) this.#queue.kick(DELIVERY_QUEUE);
    if (result.invalidRecipient && d.address) await this.#forgetAddress(project.id, d);
  }

  /** The provider said the token or subscription is gone for good: the device forgets it (devices module). */
  async #forgetAddress(projectId: string, d: Delivery): Promise<void> {
    try {
      if (d.addressKind === 'push_token') await this.#addresses.removePushToken(projectId, d.address!);
      else if (d.addressKind === 'web_push' && d.deviceId) await this.#addresses.removeWebPushSubscription(projectId, d.deviceId);
    } catch (e) {
      this.#log.warn({ err: e, projectId, deliveryId: d.id }, 'could not remove an invalid address');
    }
  }

  /** The failover text delivery of a failed alimtalk, when the template has one. */
  #failoverRow(campaign: Campaign, d: Delivery, now: number): DeliveryRow | undefined {
    const failover = (d.rendered as unknown as RenderedColumn | null)?.failover;
    if (campaign.channel !== 'kakao_alimtalk' || !failover || !d.address) return undefined;
    return {
      id: newId(),
      project_id: d.projectId,
      campaign_id: d.campaignId,
      channel: 'text_message',
      trigger: 'failover',
      request_id: d.id,
      idempotency_key: `${d.idempotencyKey}:failover`,
      recipient_type: d.recipientType,
      recipient_value: d.recipientValue,
      profile_id: d.profileId,
      address_kind: 'phone',
      address: d.address,
      device_id: null,
      platform: null,
      event_params: JSON.stringify(d.eventParams),
      consent_class: d.consentClass,
      state: 'pending',
      metric: null,
      reason: null,
      attempts: 0,
      provider: null,
      provider_message_id: null,
      provider_response: null,
      rendered: JSON.stringify({ message: failover }),
      dimensions: d.dimensions ? JSON.stringify(d.dimensions) : null,
      parent_id: d.id,
      run_at: now,
      created_at: now,
      updated_at: now,
      sending_at: null,
      finished_at: null,
      delivered_at: null,
      opened_at: null,
      clicked_at: null,
      converted_at: null,
    };
  }

  /** Ends a delivery as failed (from any of `from`), counting the metric once. */
  async #finish(projectId: string, deliveryId: string, from: Delivery['state'][], metric: string, reason: string): Promise<void> {
    const project = await this.#projects.find(projectId);
    if (!project) return;
    const now = this.#clock.now();
    await this.#store.write(async (tx) => {
      const d = await repo.findDelivery(tx, projectId, deliveryId);
      if (!d || !(await repo.transition(tx, projectId, deliveryId, from, { state: 'failed', metric, reason, finished_at: now, updated_at: now }))) return;
      await countMetric(tx, { projectId, campaignId: d.campaignId, metric, at: now, timezone: project.timezone, dimensions: d.dimensions });
    });
  }
}

const stripUndefined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** Turns a rendered delivery into its channel's provider message and sends it. */
function callProvider(provider: ProviderByChannel[Delivery['channel']], d: Delivery): Promise<SendResult> {
  const rendered = (d.rendered as unknown as RenderedColumn).message;
  const key = d.idempotencyKey;
  switch (d.channel) {
    case 'push': {
      const m = rendered as unknown as RenderedPush;
      return (provider as ProviderByChannel['push']).send({
        idempotencyKey: key,
        token: d.address!,
        platform: d.platform === 'ios' ? 'ios' : 'android',
        title: m.title,
        body: m.body,
        ...(m.deep_link ? { deepLink: m.deep_link } : {}),
        ...(m.image_url ? { imageUrl: m.image_url } : {}),
        data: { maru_delivery_id: d.id, maru_campaign_id: d.campaignId },
      });
    }
    case 'web_push': {
      const m = rendered as unknown as RenderedWebPush;
      return (provider as ProviderByChannel['web_push']).send({
        idempotencyKey: key,
        subscription: JSON.parse(d.address!),
        title: m.title,
        body: m.body,
        ...(m.url ? { url: m.url } : {}),
        ...(m.icon_url ? { iconUrl: m.icon_url } : {}),
        ...(m.image_url ? { imageUrl: m.image_url } : {}),
      });
    }
    case 'email': {
      const m = rendered as unknown as RenderedEmail & { headers?: Record<string, string> };
      return (provider as ProviderByChannel['email']).send({
        idempotencyKey: key,
        from: m.from_name ? { address: m.from_address, name: m.from_name } : { address: m.from_address },
        to: d.address!,
        subject: m.subject,
        ...(m.html !== undefined ? { html: m.html } : {}),
        ...(m.text !== undefined ? { text: m.text } : {}),
        ...(m.headers ? { headers: m.headers } : {}),
      });
    }
    case 'text_message': {
      const m = rendered as unknown as RenderedText;
      return (provider as ProviderByChannel['text_message']).send({
        idempotencyKey: key,
        kind: m.kind,
        from: m.from,
        to: d.address!,
        body: m.body,
        ...(m.title ? { title: m.title } : {}),
      });
    }
    case 'kakao_alimtalk': {
      if ((rendered as { kind?: unknown }).kind === 'friendtalk') {
        const f = rendered as unknown as RenderedFriendtalk;
        return (provider as ProviderByChannel['kakao_alimtalk']).sendFriendtalk({
          idempotencyKey: key,
          senderKey: f.sender_key,
          to: d.address!,
          text: f.text,
          isAd: f.is_ad,
        });
      }
      const m = rendered as unknown as RenderedAlimtalk & { sender_grouping_key?: string };
      return (provider as ProviderByChannel['kakao_alimtalk']).sendAlimtalk({
        idempotencyKey: key,
        senderKey: m.sender_key,
        templateCode: m.template_code,
        to: d.address!,
        content: m.content,
        templateParameter: m.parameters,
        ...(m.sender_grouping_key ? { senderGroupingKey: m.sender_grouping_key } : {}),
      });
    }
  }
}
