import type { Clock } from '../../platform/clock.ts';
import type { Db, Store } from '../../platform/db/store.ts';
import { newShortId } from '../../platform/ids.ts';
import type { Queue } from '../../platform/queue/queue.port.ts';
import { MaruError, invalid } from '../errors.ts';
import { IDENTIFIER_TYPES, type IdentifierType } from '../identity/identifiers.ts';
import type { ProfilesService } from '../profiles/profiles.service.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import type { TaxonomyService } from '../taxonomy/taxonomy.service.ts';
import { parseDatetime } from '../taxonomy/values.ts';
import { messagingDefaults, renderMessage, RenderFailure, userScope, type RenderedMessage } from '../templates/message-renderer.ts';
import type { TemplateRenderer } from '../templates/templates.ts';
import { OPTION_FIELDS, parseCampaignDocument, parseChannel, parseConsentClass, parseTemplate, type CampaignDocument } from './campaign-input.ts';
import { parseSandboxConfig, type SandboxConfig } from '../../channels/sandbox/sandbox.provider.ts';
import { parseCampaignSettings } from '../deliveries/filters.ts';
import { advertiserOf, advertisingSetupProblem, markText, requireAdvertisingSetup } from '../messaging/ad-marking.ts';
import { carrierByteLength, checkTextLimits, chooseTextKind, LMS_MAX_BYTES, SMS_MAX_BYTES, type TextKind } from '../messaging/text-size.ts';
import type { Project } from '../projects/projects.types.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { Actor } from '../accounts/roles.ts';
import * as repo from './campaigns.repository.ts';
import type { Campaign, CampaignStatus, CampaignTemplate, Channel, ConsentClass, TemplateByChannel, TextTemplate } from './campaigns.types.ts';

/** The queue of scheduled sends; its handler lives with the delivery pipeline (deliveries/triggers.service.ts). */
export const SCHEDULED_SEND_QUEUE = 'campaign-scheduled';
export interface ScheduledSendJob {
  projectId: string;
  campaignId: string;
  at: string;
}

/** Reserved events the apps send back for push tracking (docs/campaigns.md "Tracking"). */
export const TRACKING_EVENTS = { pushDelivered: 'maru_push_delivered', pushClick: 'maru_push_click' } as const;
export const TRACKING_DELIVERY_PARAM = 'delivery_id';

/** Allowed status changes: draft → active, active ⇄ paused, anything but archived → archived. */
const TRANSITIONS: Record<CampaignStatus, CampaignStatus[]> = {
  draft: ['active', 'archived'],
  active: ['paused', 'archived'],
  paused: ['active', 'archived'],
  archived: [],
};

/** A scheduled campaign may be activated up to this long after its time (it then sends at once). */
const SCHEDULE_GRACE_MS = 60_000;

export interface PreviewInput {
  profileId?: unknown;
  identifier?: { type?: unknown; value?: unknown };
  eventParams?: unknown;
}

/**
 * The size of a rendered text message as carriers count it (core/messaging/text-size.ts), measured on the body as
 * it is sent — with the advertising marking and 080 line when the campaign is advertising.
 */
export interface TextSize {
  kind: TextKind;
  bodyBytes: number;
  limitBytes: number;
  titleBytes: number;
  /** The smallest kind the body fits (SMS up to 90 bytes). */
  fitsKind: 'sms' | 'lms';
  /** What the carriers' rules refuse, in words (empty when it is sendable as is). */
  problems: string[];
}

export type PreviewResult =
  | { ok: true; profileId: string | null; message: RenderedMessage; textSize?: TextSize }
  | { ok: false; profileId: string | null; renderingFailure: { field: string; message: string } };

/**
 * Campaigns: the documented campaign format checked whole (campaign-input.ts), stored, listed, changed and moved
 * through their statuses; template previews against a real profile. Activating a scheduled campaign queues its send
 * in the same unit as the status change.
 */
export class CampaignsService {
  #store: Store;
  #clock: Clock;
  #queue: Queue;
  #projects: ProjectsService;
  #profiles: ProfilesService;
  #taxonomy: TaxonomyService;
  #renderer: TemplateRenderer;
  #active = new Map<string, { campaigns: Campaign[]; at: number }>();
  #cacheTtlMs: number;

  #audit: AuditService | undefined;

  constructor(deps: {
    store: Store;
    clock: Clock;
    queue: Queue;
    projects: ProjectsService;
    profiles: ProfilesService;
    taxonomy: TaxonomyService;
    renderer: TemplateRenderer;
    cacheTtlMs?: number;
    audit?: AuditService;
  }) {
    this.#audit = deps.audit;
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#queue = deps.queue;
    this.#projects = deps.projects;
    this.#profiles = deps.profiles;
    this.#taxonomy = deps.taxonomy;
    this.#renderer = deps.renderer;
    this.#cacheTtlMs = deps.cacheTtlMs ?? 5000;
  }

  get renderer(): TemplateRenderer {
    return this.#renderer;
  }

  async create(projectId: string, raw: unknown): Promise<Campaign> {
    const project = await this.#projects.get(projectId);
    const doc = parseCampaignDocument(raw, this.#renderer);
    checkAdvertisingCampaign(project, doc);
    const now = this.#clock.now();
    const campaign: Campaign = {
      id: newShortId(10),
      projectId,
      name: doc.name,
      channel: doc.channel,
      consentClass: doc.consentClass,
      template: doc.template,
      sendTime: doc.sendTime,
      statsDimensions: doc.statsDimensions,
      status: doc.status ?? 'draft',
      options: doc.options,
      createdAt: now,
      updatedAt: now,
    };
    if (campaign.status === 'active') this.#checkActivation(campaign, now);
    await this.#registerTrackingTaxonomy(campaign);
    await this.#store.write(async (tx) => {
      await repo.insertCampaign(tx, campaign);
      if (campaign.status === 'active') await this.#onActive(tx, campaign);
    });
    this.#active.delete(projectId);
    if (campaign.status === 'active') this.#queue.kick(SCHEDULED_SEND_QUEUE);
    return campaign;
  }

  list(projectId: string, filter: { status?: CampaignStatus } = {}): Promise<Campaign[]> {
    return repo.listCampaigns(this.#store.db, projectId, filter);
  }

  find(projectId: string, id: string): Promise<Campaign | undefined> {
    return repo.findCampaign(this.#store.db, projectId, id);
  }

  async get(projectId: string, id: string): Promise<Campaign> {
    const c = await this.find(projectId, id);
    if (!c) throw new MaruError('not_found', `campaign ${id} does not exist in this project`, { field: 'campaignId' });
    return c;
  }

  /** Changes fields of a campaign (each top-level field given replaces the stored one); the result is checked whole. */
  async update(projectId: string, id: string, patch: unknown): Promise<Campaign> {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw invalid('body', 'a campaign change must be a JSON object');
    const current = await this.get(projectId, id);
    if (current.status === 'archived') throw new MaruError('conflict', 'an archived campaign cannot be changed');
    const p = patch as Record<string, unknown>;
    if ('status' in p) throw invalid('status', 'change the status with POST .../status (or maru campaign activate|pause|archive)');
    for (const k of ['id', 'project_id', 'created_at', 'updated_at']) if (k in p) throw invalid(k, `${k} cannot be changed`);
    if (p.channel !== undefined && p.channel !== current.channel && current.status !== 'draft') {
      throw invalid('channel', 'the channel of a campaign that has been active cannot change; create a new campaign');
    }
    const merged = { ...toCampaignDocument(current), ...p } as Record<string, unknown>;
    for (const k of ['id', 'status', 'created_at', 'updated_at']) delete merged[k];
    const doc = parseCampaignDocument(merged, this.#renderer);
    checkAdvertisingCampaign(await this.#projects.get(projectId), doc);
    const next: Campaign = {
      ...current,
      name: doc.name,
      channel: doc.channel,
      consentClass: doc.consentClass,
      template: doc.template,
      sendTime: doc.sendTime,
      statsDimensions: doc.statsDimensions,
      options: doc.options,
      updatedAt: this.#clock.now(),
    };
    if (next.status === 'active') this.#checkActivation(next, next.updatedAt);
    await this.#registerTrackingTaxonomy(next);
    await this.#store.write(async (tx) => {
      await repo.saveCampaign(tx, next);
      if (next.status === 'active') await this.#onActive(tx, next);
    });
    this.#active.delete(projectId);
    return next;
  }

  async setStatus(projectId: string, id: string, status: unknown, actor?: Actor): Promise<Campaign> {
    const current = await this.get(projectId, id);
    if (!['draft', 'active', 'paused', 'archived'].includes(status as string)) throw invalid('status', 'status must be one of active, paused, archived');
    const to = status as CampaignStatus;
    if (to === current.status) return current;
    if (!TRANSITIONS[current.status].includes(to)) {
      throw new MaruError(
        'conflict',
        `the campaign is ${current.status} and cannot become ${to} (allowed: ${TRANSITIONS[current.status].join(', ') || 'none'})`,
        { field: 'status' },
      );
    }
    const now = this.#clock.now();
    const next: Campaign = { ...current, status: to, updatedAt: now };
    if (to === 'active') this.#checkActivation(next, now);
    await this.#store.write(async (tx) => {
      await repo.saveCampaign(tx, next);
      if (to === 'active') await this.#onActive(tx, next);
      await this.#audit?.record(tx, { projectId, actor, action: 'campaign.status_changed', target: `campaign:${id}`, details: { from: current.status, to } });
    });
    this.#active.delete(projectId);
    if (to === 'active') this.#queue.kick(SCHEDULED_SEND_QUEUE);
    return next;
  }

  /** Sets the project's campaign settings (`settings.campaigns`, docs/campaigns.md), checked whole; stored as given. */
  async setCampaignSettings(projectId: string, raw: unknown): Promise<unknown> {
    await this.#projects.get(projectId);
    parseCampaignSettings(raw);
    const updated = await this.#projects.update(projectId, { settings: { campaigns: raw } });
    return updated.settings.campaigns;
  }

  /** The project's campaign settings as stored (`{}` when none are set). */
  async campaignSettings(projectId: string): Promise<unknown> {
    return (await this.#projects.get(projectId)).settings.campaigns ?? {};
  }

  /** Sets the sandbox provider's failure rule of the project (`settings.sandbox`, docs/providers.md), checked whole. */
  async setSandboxRule(projectId: string, raw: unknown): Promise<SandboxConfig> {
    await this.#projects.get(projectId);
    let config: SandboxConfig;
    try {
      config = parseSandboxConfig(raw);
    } catch (e) {
      const message = (e as Error).message;
      throw invalid(message.split(':')[0], message);
    }
    await this.#projects.update(projectId, { settings: { sandbox: config } });
    return config;
  }

  /** Active campaigns of a project (cached briefly; this process's own changes are seen at once). */
  async active(projectId: string, db: Db = this.#store.db): Promise<Campaign[]> {
    const hit = this.#active.get(projectId);
    const now = this.#clock.now();
    if (hit && now - hit.at < this.#cacheTtlMs) return hit.campaigns;
    const campaigns = await repo.listCampaigns(db, projectId, { status: 'active' });
    if (this.#active.size > 10_000) this.#active.clear();
    this.#active.set(projectId, { campaigns, at: now });
    return campaigns;
  }

  /** Renders the campaign's message for a real profile (or none) and sample event parameters. */
  async preview(projectId: string, id: string, input: PreviewInput): Promise<PreviewResult> {
    const project = await this.#projects.get(projectId);
    const campaign = await this.get(projectId, id);
    return this.#render(project, { channel: campaign.channel, consentClass: campaign.consentClass, template: campaign.template }, input);
  }

  /**
   * Renders an unsaved draft's message the same way (the console's live preview): only its `channel` and `template`
   * are read, checked as when it is saved (a Liquid syntax error is refused naming the field, e.g.
   * `campaign.template.body`), so a draft still missing its name or send time previews too.
   */
  async previewDraft(projectId: string, draft: unknown, input: PreviewInput): Promise<PreviewResult> {
    const project = await this.#projects.get(projectId);
    if (typeof draft !== 'object' || draft === null || Array.isArray(draft)) throw invalid('campaign', 'campaign must be a campaign document (an object)');
    const d = draft as Record<string, unknown>;
    let channel: Channel;
    let template: CampaignTemplate;
    let consentClass: ConsentClass;
    try {
      channel = parseChannel(d.channel);
      consentClass = d.consent_class === undefined ? 'informational' : parseConsentClass(d.consent_class);
      template = parseTemplate(channel, d.template, this.#renderer);
    } catch (e) {
      if (e instanceof MaruError && e.field) throw new MaruError(e.code, `campaign.${e.message}`, { field: `campaign.${e.field}`, details: e.details });
      throw e;
    }
    return this.#render(project, { channel, consentClass, template }, input);
  }

  /**
   * The profile a preview or a test message is for: `profileId`, or the profile holding `identifier` ({type, value}:
   * any identifier type, as typed); undefined when neither is given.
   */
  async resolveProfile(projectId: string, input: Pick<PreviewInput, 'profileId' | 'identifier'>): Promise<Awaited<ReturnType<ProfilesService['get']>>> {
    let profileId: string | undefined;
    if (input.profileId !== undefined && input.profileId !== null) {
      if (typeof input.profileId !== 'string') throw invalid('profile_id', 'profile_id must be a string');
      profileId = input.profileId;
    } else if (input.identifier !== undefined && input.identifier !== null) {
      const { type, value } = input.identifier;
      if (!IDENTIFIER_TYPES.includes(type as IdentifierType)) throw invalid('identifier.type', `identifier.type must be one of ${IDENTIFIER_TYPES.join(', ')}`);
      if (typeof value !== 'string' || value.length === 0) throw invalid('identifier.value', 'identifier.value must be a non-empty string');
      profileId = await this.#profiles.findByIdentifier(projectId, type as IdentifierType, value);
      if (!profileId) throw new MaruError('not_found', `no profile holds ${type} ${value}`, { field: 'identifier' });
    }
    const profile = profileId ? await this.#profiles.get(projectId, profileId) : undefined;
    if (profileId && !profile) throw new MaruError('not_found', `profile ${profileId} does not exist`, { field: 'profile_id' });
    return profile;
  }

  async #render(
    project: Project,
    { channel, consentClass, template }: { channel: Channel; consentClass: ConsentClass; template: CampaignTemplate },
    input: PreviewInput,
  ): Promise<PreviewResult> {
    const profile = await this.resolveProfile(project.id, input);
    const eventParams = input.eventParams ?? {};
    if (typeof eventParams !== 'object' || eventParams === null || Array.isArray(eventParams)) throw invalid('event_params', 'event_params must be an object');
    try {
      const message = await renderMessage({
        renderer: this.#renderer,
        channel,
        template: template as TemplateByChannel[typeof channel],
        scope: { user: userScope(profile), eventParams: eventParams as Record<string, unknown> },
        defaults: messagingDefaults(project.settings),
      });
      if (channel !== 'text_message') return { ok: true, profileId: profile?.id ?? null, message };
      return { ok: true, profileId: profile?.id ?? null, message, textSize: textSizeOf(project, consentClass, message as unknown as TextTemplate) };
    } catch (e) {
      if (e instanceof RenderFailure) return { ok: false, profileId: profile?.id ?? null, renderingFailure: { field: e.field, message: e.message } };
      throw e;
    }
  }

  #checkActivation(c: Campaign, now: number): void {
    if (c.sendTime.type === 'scheduled') {
      const at = parseDatetime(c.sendTime.at)!;
      if (at < now - SCHEDULE_GRACE_MS)
        throw invalid('send_time.at', `send_time.at (${c.sendTime.at}) is in the past; set a new time to activate this campaign`);
    }
  }

  /** Side effects of a campaign being active, inside the unit that stores it: a scheduled send is queued (once per time). */
  async #onActive(tx: Db, c: Campaign): Promise<void> {
    if (c.sendTime.type !== 'scheduled') return;
    const payload: ScheduledSendJob = { projectId: c.projectId, campaignId: c.id, at: c.sendTime.at };
    await this.#queue.add(tx, {
      queue: SCHEDULED_SEND_QUEUE,
      key: `${c.projectId}:${c.id}:${parseDatetime(c.sendTime.at)}`,
      payload,
      runAt: parseDatetime(c.sendTime.at)!,
      projectId: c.projectId,
      maxAttempts: 10,
    });
  }

  /** Push campaigns are tracked through reserved events; registering them lets strict faces (DFINERY) accept them. */
  async #registerTrackingTaxonomy(c: Campaign): Promise<void> {
    if (c.channel !== 'push' && c.channel !== 'web_push') return;
    const taxonomy = await this.#taxonomy.get(c.projectId);
    if (taxonomy.events.has(TRACKING_EVENTS.pushClick) && taxonomy.events.has(TRACKING_EVENTS.pushDelivered)) return;
    try {
      await this.#taxonomy.apply(c.projectId, {
        events: [TRACKING_EVENTS.pushDelivered, TRACKING_EVENTS.pushClick],
        properties: [{ scope: 'event', name: TRACKING_DELIVERY_PARAM, type: 'String' }],
      });
    } catch (e) {
      // A project that registered delivery_id with another type keeps it; tracking still reads the value as text.
      if (!(e instanceof MaruError && e.code === 'conflict')) throw e;
    }
  }
}

/**
 * Advertising needs what its marking needs (core/messaging/ad-marking.ts): an advertising text campaign the project's
 * 080 number, and its body must still fit its kind once marked (counted on the template as written, before Liquid).
 */
function checkAdvertisingCampaign(project: Project, doc: CampaignDocument): void {
  if (doc.consentClass !== 'advertising') return;
  const advertiser = advertiserOf(project);
  requireAdvertisingSetup(doc.channel, advertiser, 'advertising.optOutNumber');
  if (doc.channel === 'text_message') {
    const t = doc.template as TextTemplate;
    const body = markText(t.body, advertiser, t.from ?? messagingDefaults(project.settings).textFrom);
    const violation = checkTextLimits({ kind: t.kind, body }).find((v) => v.field === 'body' && v.code === 'too_long');
    if (violation) {
      throw invalid(
        'template.body',
        `template.body is ${violation.actualBytes} bytes once marked as advertising ((광고), sender name, contact and 무료수신거부 line); ${t.kind.toUpperCase()} allows at most ${violation.limitBytes} bytes — shorten it or use kind lms`,
        { limitBytes: violation.limitBytes, actualBytes: violation.actualBytes },
      );
    }
  }
}

/** A rendered text message's size as sent (the marking included for advertising, when the project can mark it). */
function textSizeOf(project: Project, consentClass: ConsentClass, m: TextTemplate): TextSize {
  const advertiser = advertiserOf(project);
  const problems: string[] = [];
  let body = m.body;
  if (consentClass === 'advertising') {
    const problem = advertisingSetupProblem('text_message', advertiser);
    if (problem) problems.push(problem);
    else body = markText(m.body, advertiser, m.from ?? messagingDefaults(project.settings).textFrom);
  }
  for (const v of checkTextLimits({ kind: m.kind, body, ...(m.title !== undefined ? { title: m.title } : {}) })) problems.push(v.message);
  return {
    kind: m.kind,
    bodyBytes: carrierByteLength(body),
    limitBytes: m.kind === 'sms' ? SMS_MAX_BYTES : LMS_MAX_BYTES,
    titleBytes: carrierByteLength(m.title ?? ''),
    fitsKind: chooseTextKind(body),
    problems,
  };
}

/** A campaign in the documented format (admin API, CLI). */
export function toCampaignDocument(c: Campaign): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    id: c.id,
    name: c.name,
    channel: c.channel,
    consent_class: c.consentClass,
    status: c.status,
    template: c.template,
    send_time: c.sendTime,
    stats_dimensions: c.statsDimensions,
  };
  for (const k of OPTION_FIELDS) if (c.options[k] !== undefined) doc[k] = c.options[k];
  doc.created_at = new Date(c.createdAt).toISOString();
  doc.updated_at = new Date(c.updatedAt).toISOString();
  return doc;
}
