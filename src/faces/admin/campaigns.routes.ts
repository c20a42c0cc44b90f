import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalid } from '../../core/errors.ts';
import { decodeCursor, encodeCursor } from '../../core/paging/keyset-cursor.ts';
import { parseDatetimeParam } from '../../core/taxonomy/values.ts';
import { toCampaignDocument, type TextSize } from '../../core/campaigns/campaigns.service.ts';
import { CAMPAIGN_STATUSES, type CampaignStatus } from '../../core/campaigns/campaigns.types.ts';
import type { Delivery } from '../../core/deliveries/deliveries.types.ts';
import type { OutboxEntry } from '../../channels/sandbox/outbox.ts';
import type { Services } from '../../services.ts';
import { actorOfRequest, guardAdmin, type AdminAuthDeps } from './admin-auth.ts';
import { Type } from '@sinclair/typebox';
import { adminOp, AnyDoc, body, created, gone, Json, ok, ProjectDoc } from './schemas.ts';
import { described, Nullable, Open } from '../shared/openapi.ts';
import { CampaignStatsDoc, DeliveriesPage, DeliveriesQuery, DeliveryBody, OutboxBody, OutboxQuery, StatsQuery } from './deliveries.schemas.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'campaignStats' | 'campaignTriggers' | 'campaigns' | 'deliveries' | 'projects' | 'sandboxOutbox'> & AdminAuthDeps;

type P = FastifyRequest<{ Params: { projectId: string } }>;
type C = FastifyRequest<{ Params: { projectId: string; campaignId: string } }>;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function deliveryToWire(d: Delivery) {
  return {
    id: d.id,
    campaign_id: d.campaignId,
    channel: d.channel,
    trigger: d.trigger,
    request_id: d.requestId,
    idempotency_key: d.idempotencyKey,
    recipient: { type: d.recipientType, value: d.recipientValue },
    profile_id: d.profileId,
    address_kind: d.addressKind,
    address: d.address,
    device_id: d.deviceId,
    state: d.state,
    metric: d.metric,
    reason: d.reason,
    attempts: d.attempts,
    provider: d.provider,
    provider_message_id: d.providerMessageId,
    provider_response: d.providerResponse,
    rendered: d.rendered,
    event_params: d.eventParams,
    dimensions: d.dimensions,
    parent_id: d.parentId,
    run_at: iso(d.runAt),
    created_at: iso(d.createdAt),
    updated_at: iso(d.updatedAt),
    sending_at: iso(d.sendingAt),
    finished_at: iso(d.finishedAt),
    delivered_at: iso(d.deliveredAt),
    opened_at: iso(d.openedAt),
    clicked_at: iso(d.clickedAt),
    converted_at: iso(d.convertedAt),
  };
}

const outboxToWire = (e: OutboxEntry) => ({
  id: e.id,
  idempotency_key: e.idempotencyKey,
  campaign_id: e.campaignId,
  channel: e.channel,
  recipient: e.recipient,
  message: e.message,
  state: e.state,
  calls: e.calls,
  last_error: e.lastError,
  created_at: iso(e.createdAt),
  updated_at: iso(e.updatedAt),
});

function limitOf(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw invalid('limit', 'limit must be a whole number from 1 to 1000');
  return n;
}

const beforeOf = (raw: unknown) => parseDatetimeParam(raw, 'before');

/** Whom a preview or a test message is for, and the event parameters it is rendered with. */
const PREVIEW_FIELDS = {
  profile_id: Type.Optional(Type.String()),
  identifier: Type.Optional(
    Type.Object(
      { type: Type.String({ description: 'external_id, email, phone, kakao_id, line_id, device_id, ...' }), value: Type.String() },
      { additionalProperties: false },
    ),
  ),
  event_params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
};
interface PreviewBody {
  profile_id?: string;
  identifier?: { type: string; value: string };
  event_params?: Record<string, unknown>;
}
/** A preview's answer: the rendered message, or the field whose rendering failed. */
const PreviewAnswer = Type.Object({
  ok: Type.Boolean(),
  profile_id: Nullable(Type.String()),
  message: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'The message as the channel sends it' })),
  rendering_failure: Type.Optional(Type.Object({ field: Type.String(), message: Type.String() })),
  text_size: Type.Optional(
    Type.Object(
      {
        kind: Type.String(),
        body_bytes: Type.Integer(),
        limit_bytes: Type.Integer(),
        title_bytes: Type.Integer(),
        fits_kind: Type.String({ description: 'sms when the body as sent fits 90 bytes, else lms' }),
        problems: Type.Array(Type.String()),
      },
      { description: 'Text messages: carrier bytes (CP949) of the body as sent, the advertising marking included' },
    ),
  ),
});
const textSizeWire = (t: TextSize | undefined) =>
  t === undefined
    ? {}
    : {
        text_size: { kind: t.kind, body_bytes: t.bodyBytes, limit_bytes: t.limitBytes, title_bytes: t.titleBytes, fits_kind: t.fitsKind, problems: t.problems },
      };

/**
 * Admin API for campaigns (docs/campaigns.md): campaigns and their statuses, previews, admin-side sends, deliveries,
 * statistics, the sandbox outbox and failure rule, and the project's campaign settings. Same admin token as the rest
 * of the admin API; same error shape `{error: {code, message, field}}`.
 */
export async function adminCampaignRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;

  guardAdmin(app, runtime);

  const tags = ['admin: campaigns'];
  const base = '/admin/v1/projects/:projectId';
  const project = (request: P) => runtime.projects.get(request.params.projectId);

  app.post(
    `${base}/campaigns`,
    adminOp('content:write', tags, 'Create a campaign (docs/campaigns.md "Campaign document")', created(Open({ campaign: AnyDoc })), {
      body: body(
        {},
        {
          name: 'Welcome',
          channel: 'email',
          status: 'active',
          consent_class: 'informational',
          send_time: { type: 'api' },
          template: { subject: 'Hi', html: '<p>Hello {{ user["df_name"] }}</p>' },
        },
      ),
    }),
    async (request: P, reply) => {
      const p = await project(request);
      const c = await runtime.campaigns.create(p.id, request.body);
      return reply.status(201).send({ campaign: toCampaignDocument(c) });
    },
  );

  app.get(
    `${base}/campaigns`,
    adminOp('project:read', tags, 'List campaigns (?status=)', ok(Open({ campaigns: Type.Array(AnyDoc) }))),
    async (request: FastifyRequest<{ Params: { projectId: string }; Querystring: { status?: string } }>) => {
      const p = await project(request);
      const status = request.query.status;
      if (status !== undefined && !CAMPAIGN_STATUSES.includes(status as CampaignStatus))
        throw invalid('status', `status must be one of ${CAMPAIGN_STATUSES.join(', ')}`);
      return { campaigns: (await runtime.campaigns.list(p.id, { status: status as CampaignStatus | undefined })).map(toCampaignDocument) };
    },
  );

  app.get(
    `${base}/campaigns/activity`,
    adminOp(
      'project:read',
      tags,
      'Messages sent per day of every campaign over the last ?days= (1-92, default 14) local days, and each one’s last send',
      ok(
        Type.Object(
          {
            timezone: Type.String(),
            days: Type.Array(Type.String({ description: 'yyyy-MM-dd in the project time zone, oldest first, ending today' })),
            campaigns: Type.Array(
              Type.Object(
                {
                  campaign_id: Type.String(),
                  sends: Type.Array(Type.Integer(), { description: 'send_success (and failover texts sent) per day of days' }),
                  last_sent_at: Nullable(Type.String({ format: 'date-time' })),
                },
                { additionalProperties: false },
              ),
            ),
          },
          { additionalProperties: false },
        ),
      ),
      { querystring: Type.Object({ days: Type.Optional(Type.String({ description: '1-92, default 14' })) }) },
    ),
    async (request: FastifyRequest<{ Params: { projectId: string }; Querystring: { days?: string } }>) => {
      const p = await project(request);
      const a = await runtime.campaignStats.activity({ projectId: p.id, days: request.query.days });
      return {
        timezone: a.timezone,
        days: a.days,
        campaigns: a.campaigns.map((c) => ({ campaign_id: c.campaignId, sends: c.sends, last_sent_at: iso(c.lastSentAt) })),
      };
    },
  );

  app.post(
    `${base}/campaigns/preview`,
    adminOp(
      // Renders only, like reading the profile: a viewer sees the preview too.
      'project:read',
      tags,
      'Render an unsaved campaign draft for a profile: {"campaign": {channel, template, ...}, "identifier"|"profile_id", "event_params"}',
      ok(PreviewAnswer),
      {
        body: Type.Object(
          {
            campaign: Type.Record(Type.String(), Type.Unknown(), { description: 'The draft campaign document; its channel and template are read' }),
            ...PREVIEW_FIELDS,
          },
          {
            additionalProperties: false,
            examples: [
              {
                campaign: { channel: 'text_message', template: { kind: 'sms', body: '{{ user["name"] }}님 주문이 도착했어요' } },
                identifier: { type: 'external_id', value: 'user-1' },
                event_params: {},
              },
            ],
          },
        ),
      },
    ),
    async (request: FastifyRequest<{ Params: { projectId: string }; Body: (PreviewBody & { campaign?: Record<string, unknown> }) | undefined }>) => {
      const p = await project(request);
      const b = request.body ?? {};
      const r = await runtime.campaigns.previewDraft(p.id, b.campaign, { profileId: b.profile_id, identifier: b.identifier, eventParams: b.event_params });
      return r.ok
        ? { ok: true, profile_id: r.profileId, message: r.message, ...textSizeWire(r.textSize) }
        : { ok: false, profile_id: r.profileId, rendering_failure: r.renderingFailure };
    },
  );

  app.get(
    `${base}/campaigns/:campaignId/reach`,
    adminOp(
      'project:read',
      tags,
      'How many profiles an activation reaches now: with an address on the channel, not excluded, and with the opt-in when advertising',
      ok(
        Type.Object(
          {
            send_time_type: Type.String(),
            audience_id: Nullable(Type.String()),
            profiles: Type.Integer({ description: 'profiles considered: the audience of a scheduled campaign, else every profile' }),
            reachable: Type.Integer(),
            without_address: Type.Integer(),
            excluded: Type.Integer(),
            without_consent: Type.Integer(),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    async (request: C) => {
      const p = await project(request);
      const r = await runtime.campaignTriggers.reach(p.id, request.params.campaignId);
      return {
        send_time_type: r.sendTimeType,
        audience_id: r.audienceId,
        profiles: r.profiles,
        reachable: r.reachable,
        without_address: r.withoutAddress,
        excluded: r.excluded,
        without_consent: r.withoutConsent,
      };
    },
  );

  app.post(
    `${base}/campaigns/:campaignId/test`,
    adminOp(
      'content:write',
      tags,
      'Send a test message of a draft or active campaign to one profile: {"identifier": {"type", "value"}} or {"profile_id"}, and "event_params"',
      {
        202: described(
          202,
          Type.Object(
            {
              request_id: Type.String(),
              created: Type.Integer(),
              queued: Type.Integer(),
              unreachable: Type.Integer({ description: '1 when the profile has no address on the channel (recorded as failed, no_address)' }),
            },
            { additionalProperties: false },
          ),
        ),
      },
      {
        body: Type.Object(PREVIEW_FIELDS, {
          additionalProperties: false,
          examples: [{ identifier: { type: 'external_id', value: 'user-1' }, event_params: { item: 'shoes' } }],
        }),
      },
    ),
    async (request: FastifyRequest<{ Params: { projectId: string; campaignId: string }; Body: PreviewBody | undefined }>, reply) => {
      const p = await project(request);
      const b = request.body ?? {};
      const r = await runtime.deliveries.sendTest({
        projectId: p.id,
        campaignId: request.params.campaignId,
        profileId: b.profile_id,
        identifier: b.identifier,
        eventParams: b.event_params,
      });
      return reply.status(202).send({ request_id: r.requestId, created: r.created, queued: r.queued, unreachable: r.unreachable });
    },
  );

  app.get(`${base}/campaigns/:campaignId`, adminOp('project:read', tags, 'A campaign', ok(Open({ campaign: AnyDoc }))), async (request: C) => {
    const p = await project(request);
    return { campaign: toCampaignDocument(await runtime.campaigns.get(p.id, request.params.campaignId)) };
  });

  app.patch(
    `${base}/campaigns/:campaignId`,
    adminOp('content:write', tags, 'Change fields of a campaign (checked whole)', ok(Open({ campaign: AnyDoc })), {
      body: body({}, { name: 'Welcome (new)' }),
    }),
    async (request: C) => {
      const p = await project(request);
      return { campaign: toCampaignDocument(await runtime.campaigns.update(p.id, request.params.campaignId, request.body)) };
    },
  );

  app.post(
    `${base}/campaigns/:campaignId/status`,
    adminOp('content:write', tags, 'Activate, pause or archive: {"status": "active"}', ok(Open({ campaign: AnyDoc })), {
      body: body({ status: Type.String() }, { status: 'paused' }),
    }),
    async (request: C) => {
      const p = await project(request);
      const status = (request.body as { status?: unknown } | undefined)?.status;
      return { campaign: toCampaignDocument(await runtime.campaigns.setStatus(p.id, request.params.campaignId, status, actorOfRequest(request))) };
    },
  );

  app.post(
    `${base}/campaigns/:campaignId/preview`,
    adminOp(
      'content:write',
      tags,
      'Render the message for a profile: {"profile_id"} or {"identifier": {"type", "value"}}, and "event_params"',
      ok(Open({ ok: Type.Boolean(), profile_id: Nullable(Type.String()) })),
      {
        body: body(
          {
            profile_id: Type.Optional(Type.String()),
            identifier: Type.Optional(Open({ type: Type.String(), value: Type.String() })),
            event_params: Type.Optional(Json),
          },
          { identifier: { type: 'external_id', value: 'user-1' } },
        ),
      },
    ),
    async (request: C) => {
      const p = await project(request);
      const b = (request.body ?? {}) as { profile_id?: unknown; identifier?: { type?: unknown; value?: unknown }; event_params?: unknown };
      if (typeof b !== 'object' || Array.isArray(b)) throw invalid('body', 'the body must be an object');
      const r = await runtime.campaigns.preview(p.id, request.params.campaignId, {
        profileId: b.profile_id,
        identifier: b.identifier,
        eventParams: b.event_params,
      });
      return r.ok
        ? { ok: true, profile_id: r.profileId, message: r.message, ...textSizeWire(r.textSize) }
        : { ok: false, profile_id: r.profileId, rendering_failure: r.renderingFailure };
    },
  );

  app.post(
    `${base}/campaigns/:campaignId/send`,
    adminOp(
      'content:write',
      tags,
      "Send an API-triggered campaign (body as Notifly's campaign send); Idempotency-Key header optional",
      { 202: described(202, Open({ request_id: Type.String() })) },
      { body: body({ recipients: Type.Array(Json) }, { recipients: [{ type: 'user-id', userId: 'user-1' }] }) },
    ),
    async (request: C, reply) => {
      const p = await project(request);
      const key = request.headers['idempotency-key'];
      const r = await runtime.deliveries.sendApi({
        projectId: p.id,
        campaignId: request.params.campaignId,
        body: request.body,
        requestId: typeof key === 'string' ? key : undefined,
      });
      return reply
        .status(202)
        .send({ request_id: r.requestId, created: r.created, queued: r.queued, existing: r.existing, duplicates: r.duplicates, unreachable: r.unreachable });
    },
  );

  app.get(
    `${base}/campaigns/:campaignId/deliveries`,
    adminOp('project:read', tags, 'Deliveries of a campaign, newest first (?state=&limit=&before=&cursor=)', ok(DeliveriesPage), {
      querystring: DeliveriesQuery,
    }),
    async (
      request: FastifyRequest<{
        Params: { projectId: string; campaignId: string };
        Querystring: { state?: string; limit?: string; before?: string; cursor?: string };
      }>,
    ) => {
      const p = await project(request);
      const page = await runtime.deliveries.campaignPage(p.id, request.params.campaignId, {
        state: request.query.state,
        limit: limitOf(request.query.limit),
        before: beforeOf(request.query.before),
        cursor: request.query.cursor,
      });
      return { deliveries: page.items.map(deliveryToWire), next: page.next };
    },
  );

  app.get(
    `${base}/deliveries/:deliveryId`,
    adminOp('project:read', tags, 'A delivery with its states, provider response and rendered message', ok(DeliveryBody)),
    async (request: FastifyRequest<{ Params: { projectId: string; deliveryId: string } }>) => {
      const p = await project(request);
      return { delivery: deliveryToWire(await runtime.deliveries.get(p.id, request.params.deliveryId)) };
    },
  );

  app.get(
    `${base}/campaigns/:campaignId/stats`,
    adminOp('project:read', tags, 'Campaign statistics (?start=&end=, as the Notifly stats endpoint)', ok(CampaignStatsDoc), { querystring: StatsQuery }),
    async (request: FastifyRequest<{ Params: { projectId: string; campaignId: string }; Querystring: { start?: string; end?: string } }>) => {
      const p = await project(request);
      return runtime.campaignStats.stats({ projectId: p.id, campaignId: request.params.campaignId, start: request.query.start, end: request.query.end });
    },
  );

  app.get(
    `${base}/outbox`,
    adminOp('project:read', tags, 'Messages the sandbox provider recorded, newest first, paged (?campaign_id=&limit=&cursor=&before=)', ok(OutboxBody), {
      querystring: OutboxQuery,
    }),
    async (
      request: FastifyRequest<{ Params: { projectId: string }; Querystring: { campaign_id?: string; limit?: string; before?: string; cursor?: string } }>,
    ) => {
      const p = await project(request);
      const limit = limitOf(request.query.limit) ?? 100;
      const rows = await runtime.sandboxOutbox.list(p.id, {
        campaignId: request.query.campaign_id,
        limit: limit + 1,
        before: beforeOf(request.query.before),
        after: request.query.cursor === undefined || request.query.cursor === '' ? undefined : decodeCursor(request.query.cursor),
      });
      const entries = rows.slice(0, limit);
      const last = entries.at(-1);
      return { outbox: entries.map(outboxToWire), next: rows.length > limit && last ? encodeCursor(last) : null };
    },
  );

  app.put(
    `${base}/sandbox`,
    adminOp('content:write', tags, 'Set the sandbox failure rule {"failures": [...]}', ok(Open({ sandbox: AnyDoc })), {
      body: body({ failures: Type.Optional(Type.Array(Json)) }, { failures: [] }),
    }),
    async (request: P) => {
      const p = await project(request);
      return { sandbox: await runtime.campaigns.setSandboxRule(p.id, request.body) };
    },
  );

  app.put(
    `${base}/campaign-settings`,
    adminOp(
      'project:admin',
      tags,
      "Set the project's campaign settings {quietHours, fatigue, dailyCap, excludedUserIds}",
      ok(Open({ campaigns: Type.Unknown() })),
      { body: body({}, { dailyCap: { email: 1000 } }) },
    ),
    async (request: P) => {
      const p = await project(request);
      return { campaigns: await runtime.campaigns.setCampaignSettings(p.id, request.body) };
    },
  );

  app.get(
    `${base}/campaign-settings`,
    adminOp('project:read', tags, "The project's campaign settings", ok(Open({ campaigns: Type.Unknown() }))),
    async (request: P) => {
      const p = await project(request);
      return { campaigns: await runtime.campaigns.campaignSettings(p.id) };
    },
  );
}
