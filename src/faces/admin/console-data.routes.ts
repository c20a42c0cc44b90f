import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { MaruError, invalid } from '../../core/errors.ts';
import { CREDENTIAL_KINDS, type CredentialKind } from '../../core/credentials/secrets.ts';
import { REISSUE_GRACE_MS } from '../../core/credentials/credentials.service.ts';
import { PROPERTY_SCOPES } from '../../core/taxonomy/taxonomy.types.ts';
import { LIMIT_POLICIES, type LimitPolicy } from '../../core/limits/rate-limits.ts';
import type { ExportRequest, NameFilter } from '../../core/export/export.types.ts';
import type { Services } from '../../services.ts';
import { actorOfRequest, guardAdmin, type AdminAuthDeps } from './admin-auth.ts';
import { ADMIN_ERRORS } from './schemas.ts';
import {
  accepted,
  created,
  CredentialSummary,
  csv,
  EventCounts,
  EventsPage,
  IssuedBody,
  JobBody,
  ok,
  OverviewBody,
  ProfileDetail,
  ProfileSearch,
  RejectedPage,
  SettingsBody,
  TaxonomyEntries,
} from './console-data.schemas.ts';
import { SECURITY } from '../shared/openapi.ts';
import { parseDatetimeParam } from '../../core/taxonomy/values.ts';
import { Cursor, Limit, decodeCursor, encodeCursor, iso, isoOrNull, pageLimit } from './wire.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<
  Services,
  'audiences' | 'browse' | 'clock' | 'config' | 'credentials' | 'deletionJobs' | 'exports' | 'projects' | 'rateLimiter' | 'rejectedRequests' | 'taxonomy'
> &
  AdminAuthDeps;

type P = FastifyRequest<{ Params: { projectId: string } }>;

const ProjectParams = Type.Object({ projectId: Type.String() });
const EXPORT_SLOT_TTL_MS = 60 * 60_000;
/** A datetime query parameter: with a zone (D3), else refused naming it. */
const time = (raw: string | undefined, field: string) => parseDatetimeParam(raw, field);

function nameFilter(namesRaw: string | undefined, conditionRaw: string | undefined, field: string): NameFilter | undefined {
  if (namesRaw === undefined && conditionRaw === undefined) return undefined;
  const condition = (conditionRaw ?? 'include') as NameFilter['condition'];
  if (!['all', 'include', 'exclude'].includes(condition)) throw invalid(`${field}Condition`, `${field}Condition must be all, include or exclude`);
  const names = (namesRaw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return { condition, names };
}

/**
 * The admin endpoints the web console's pages read (docs/console.md "API used by the console"): overview figures,
 * rejected requests, events with filters and counts per day, profile search and detail, profile deletion and its
 * job, taxonomy search, credential issue, project settings with defaults, and CSV downloads (exports and audience
 * profiles, formula cells neutralised). Every list is paged on the server with an opaque `next` cursor.
 */
export async function consoleDataRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;
  guardAdmin(app, runtime);
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['admin: console'];
  const security = SECURITY.admin;
  const base = '/admin/v1/projects/:projectId';
  // Every route here also answers the admin API's errors (admin-auth.ts and the core's codes): document them all.
  app.addHook('onRoute', (route) => {
    if (route.schema) route.schema.response = { ...(route.schema.response as object | undefined), ...ADMIN_ERRORS };
  });

  r.get(
    `${base}/overview`,
    {
      config: { permission: 'project:read' },
      schema: {
        tags,
        security,
        params: ProjectParams,
        response: ok(OverviewBody),
        summary:
          'Overview: events today (by source) and per day for 30 days (project time zone), last event, profile count, messages sent today, latest rejected requests',
      },
    },
    async (request) => {
      const o = await runtime.browse.overview(request.params.projectId);
      return {
        ...o,
        lastEvent: o.lastEvent ? { name: o.lastEvent.name, occurredAt: iso(o.lastEvent.occurredAt), receivedAt: iso(o.lastEvent.receivedAt) } : null,
        latestRejected: o.latestRejected.map((x) => ({ ...x, id: String(x.id), at: iso(x.at) })),
      };
    },
  );

  r.get(
    `${base}/rejected-requests`,
    {
      config: { permission: 'project:read' },
      schema: {
        tags,
        security,
        params: ProjectParams,
        querystring: Type.Object({ cursor: Cursor, limit: Limit }),
        response: ok(RejectedPage),
        summary: 'Requests refused for this project, newest first, with their reason (the latest 200 are kept)',
      },
    },
    async (request) => {
      const cursor = decodeCursor(request.query.cursor);
      const page = await runtime.rejectedRequests.list(request.params.projectId, {
        before: cursor ? Number(cursor[0]) : undefined,
        limit: pageLimit(request.query.limit),
      });
      return { items: page.items.map((x) => ({ ...x, id: String(x.id), at: iso(x.at) })), next: page.next === null ? null : encodeCursor([page.next]) };
    },
  );

  r.get(
    `${base}/events`,
    {
      config: { permission: 'project:read' },
      schema: {
        tags,
        security,
        params: ProjectParams,
        querystring: Type.Object({
          name: Type.Optional(Type.String()),
          from: Type.Optional(Type.String({ description: 'ISO 8601, inclusive (when the event happened)' })),
          to: Type.Optional(Type.String({ description: 'ISO 8601, exclusive' })),
          profileId: Type.Optional(Type.String({ description: 'a profile id; events of profiles merged into it are included' })),
          cursor: Cursor,
          limit: Limit,
        }),
        response: ok(EventsPage),
        summary: 'Recent events, newest first, filtered by name, time range and profile',
      },
    },
    async (request) => {
      const q = request.query;
      const c = decodeCursor(q.cursor);
      if (c && (typeof c[0] !== 'number' || typeof c[1] !== 'string')) throw invalid('cursor', 'cursor must be the `next` value of the previous page');
      const page = await runtime.browse.events(request.params.projectId, {
        name: q.name || undefined,
        from: time(q.from, 'from'),
        to: time(q.to, 'to'),
        profileId: q.profileId || undefined,
        after: c ? { occurredAt: c[0] as number, eventKey: c[1] as string } : undefined,
        limit: pageLimit(q.limit),
      });
      return {
        items: page.items.map((e) => ({ ...e, occurredAt: iso(e.occurredAt), receivedAt: iso(e.receivedAt) })),
        next: page.next ? encodeCursor([page.next.occurredAt, page.next.eventKey]) : null,
      };
    },
  );

  r.get(
    `${base}/events/counts`,
    {
      config: { permission: 'project:read' },
      schema: {
        tags,
        security,
        params: ProjectParams,
        querystring: Type.Object({
          days: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: '1 to 92, default 30' })),
          name: Type.Optional(Type.String()),
        }),
        response: ok(EventCounts),
        summary: 'Events per local day of the project (time zone named), ending today',
      },
    },
    async (request) =>
      runtime.browse.eventCountsPerDay(request.params.projectId, {
        days: request.query.days ? Number(request.query.days) : undefined,
        name: request.query.name || undefined,
      }),
  );

  r.get(
    `${base}/profiles/search`,
    {
      config: { permission: 'project:read' },
      schema: {
        tags,
        security,
        params: ProjectParams,
        querystring: Type.Object({
          q: Type.Optional(Type.String({ description: 'a profile id or an identifier value of any type (phone numbers as typed)' })),
          type: Type.Optional(Type.String({ description: 'only this identifier type' })),
          property: Type.Optional(Type.String({ description: 'a user property name; with value: profiles whose property equals it' })),
          value: Type.Optional(Type.String()),
          cursor: Cursor,
          limit: Limit,
        }),
        response: ok(ProfileSearch),
        summary: 'Find profiles by any identifier or by a property value; without either, every profile (paged by id)',
      },
    },
    async (request) => {
      const q = request.query;
      const c = decodeCursor(q.cursor);
      const page = await runtime.browse.searchProfiles(request.params.projectId, {
        q: q.q,
        type: q.type || undefined,
        property: q.property || undefined,
        value: q.value,
        after: c ? String(c[0]) : undefined,
        limit: pageLimit(q.limit),
      });
      return {
        items: page.items.map((p) => ({ ...p, createdAt: iso(p.createdAt), updatedAt: iso(p.updatedAt) })),
        matchedBy: page.matchedBy,
        next: page.next === null ? null : encodeCursor([page.next]),
      };
    },
  );

  r.get(
    `${base}/profiles/:profileId/detail`,
    {
      config: { permission: 'project:read' },
      schema: {
        tags,
        security,
        params: Type.Object({ projectId: Type.String(), profileId: Type.String() }),
        response: ok(ProfileDetail),
        summary: 'A profile with identifiers, merged-in profiles and when, devices, consent flags, recent events and messages received',
      },
    },
    async (request) => {
      const d = await runtime.browse.profileDetail(request.params.projectId, request.params.profileId);
      return {
        ...d,
        profile: { ...d.profile, createdAt: iso(d.profile.createdAt), updatedAt: iso(d.profile.updatedAt) },
        identifiers: d.identifiers.map((i) => ({ ...i, addedAt: iso(i.addedAt) })),
        mergedProfiles: d.mergedProfiles.map((m) => ({ ...m, mergedAt: isoOrNull(m.mergedAt) })),
        devices: d.devices.map((x) => ({ ...x, createdAt: iso(x.createdAt), updatedAt: iso(x.updatedAt) })),
        recentEvents: d.recentEvents.map((e) => ({ ...e, occurredAt: iso(e.occurredAt), receivedAt: iso(e.receivedAt) })),
        messages: d.messages.map((m) => ({
          ...m,
          createdAt: iso(m.createdAt),
          sentAt: isoOrNull(m.sentAt),
          finishedAt: isoOrNull(m.finishedAt),
          deliveredAt: isoOrNull(m.deliveredAt),
          openedAt: isoOrNull(m.openedAt),
          clickedAt: isoOrNull(m.clickedAt),
        })),
      };
    },
  );

  r.delete(
    `${base}/profiles/:profileId`,
    {
      config: { permission: 'content:write' },
      schema: {
        tags,
        security,
        params: Type.Object({ projectId: Type.String(), profileId: Type.String() }),
        response: accepted(JobBody),
        summary: 'Delete a profile and its data: starts a deletion job (202), whose progress GET deletion-jobs/{jobId} shows',
      },
    },
    async (request, reply) => {
      const job = await runtime.deletionJobs.deleteProfile({
        projectId: request.params.projectId,
        profileId: request.params.profileId,
        actor: actorOfRequest(request),
      });
      return reply.status(202).send({ job: jobToWire(job) });
    },
  );

  r.get(
    `${base}/deletion-jobs/:jobId`,
    {
      config: { permission: 'project:read' },
      schema: {
        tags,
        security,
        params: Type.Object({ projectId: Type.String(), jobId: Type.String() }),
        response: ok(JobBody),
        summary: 'A deletion job: status, profiles deleted, rows removed per kind',
      },
    },
    async (request) => ({ job: jobToWire(await runtime.deletionJobs.get(request.params.projectId, request.params.jobId)) }),
  );

  r.get(
    `${base}/taxonomy/entries`,
    {
      config: { permission: 'project:read' },
      schema: {
        tags,
        security,
        params: ProjectParams,
        querystring: Type.Object({
          kind: Type.Optional(Type.Union([Type.Literal('event'), Type.Literal('property')])),
          scope: Type.Optional(Type.String({ description: PROPERTY_SCOPES.join(' | ') })),
          search: Type.Optional(Type.String({ description: 'part of the name, case-insensitive' })),
          cursor: Cursor,
          limit: Limit,
        }),
        response: ok(TaxonomyEntries),
        summary: 'Events and properties with type and origin (standard, registered, observed = first seen), searchable, paged',
      },
    },
    async (request) => {
      const q = request.query;
      if (q.scope && !PROPERTY_SCOPES.includes(q.scope as never)) throw invalid('scope', `scope must be one of ${PROPERTY_SCOPES.join(', ')}`);
      const t = await runtime.taxonomy.list((await runtime.projects.get(request.params.projectId)).id);
      const search = q.search?.toLowerCase();
      const all = [
        ...(q.kind === 'property' || q.scope ? [] : t.events.map((e) => ({ kind: 'event' as const, scope: null, name: e.name, type: null, origin: e.origin }))),
        ...(q.kind === 'event'
          ? []
          : t.properties
              .filter((p) => !q.scope || p.scope === q.scope)
              .map((p) => ({ kind: 'property' as const, scope: p.scope, name: p.name, type: p.type, origin: p.origin }))),
      ].filter((e) => !search || e.name.toLowerCase().includes(search));
      const key = (e: (typeof all)[number]) => `${e.kind}\u0000${e.scope ?? ''}\u0000${e.name}`;
      all.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
      const c = decodeCursor(q.cursor);
      const after = c ? String(c[0]) : undefined;
      const from = after === undefined ? 0 : all.findIndex((e) => key(e) > after);
      const limit = pageLimit(q.limit);
      const items = from < 0 ? [] : all.slice(from, from + limit);
      const more = from >= 0 && from + limit < all.length;
      return { items, total: all.length, next: more ? encodeCursor([key(items[items.length - 1])]) : null };
    },
  );

  r.post(
    `${base}/credentials/:kind`,
    {
      config: { permission: 'project:admin' },
      schema: {
        tags,
        security,
        params: Type.Object({ projectId: Type.String(), kind: Type.String() }),
        response: created(IssuedBody),
        summary: 'Issue a credential of a kind that has no working one (409 otherwise: reissue it); the secret is shown once',
      },
    },
    async (request, reply) => {
      const p = await runtime.projects.get(request.params.projectId);
      const kind = request.params.kind as CredentialKind;
      if (!CREDENTIAL_KINDS.includes(kind) || kind === 'admin')
        throw invalid('kind', `kind must be one of ${CREDENTIAL_KINDS.filter((k) => k !== 'admin').join(', ')}`);
      return reply.status(201).send({ credentials: await runtime.credentials.issue(p.id, kind, actorOfRequest(request)) });
    },
  );

  r.get(
    `${base}/credentials/summary`,
    {
      config: { permission: 'project:admin' },
      schema: {
        tags,
        security,
        params: ProjectParams,
        response: ok(CredentialSummary),
        summary: 'Credentials by kind: prefix, created, expiry (a reissued one works for 14 more days), whether each still works',
      },
    },
    async (request) => {
      const p = await runtime.projects.get(request.params.projectId);
      const now = runtime.clock.now();
      const rows = await runtime.credentials.list(p.id);
      return {
        graceDays: REISSUE_GRACE_MS / 86_400_000,
        credentials: rows.map((c) => ({
          id: c.id,
          kind: c.kind,
          prefix: c.prefix,
          createdAt: iso(c.created_at),
          expiresAt: isoOrNull(c.expires_at),
          state: (c.expires_at === null ? 'active' : c.expires_at > now ? 'grace' : 'expired') as 'active' | 'grace' | 'expired',
        })),
      };
    },
  );

  r.get(
    `${base}/settings`,
    {
      config: { permission: 'project:read' },
      schema: {
        tags,
        security,
        params: ProjectParams,
        response: ok(SettingsBody),
        summary: 'Time zone, phone region, strict taxonomy and rate limits, each with its default',
      },
    },
    async (request: P) => settingsView(await runtime.projects.get(request.params.projectId)),
  );

  r.patch(
    `${base}/settings`,
    {
      config: { permission: 'project:admin' },
      schema: {
        tags,
        security,
        params: ProjectParams,
        body: Type.Object(
          {
            timezone: Type.Optional(Type.String()),
            phoneRegion: Type.Optional(Type.Union([Type.String({ pattern: '^[A-Z]{2}$' }), Type.Null()])),
            strictTaxonomy: Type.Optional(Type.Boolean()),
            limits: Type.Optional(Type.Record(Type.String(), Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]))),
          },
          { examples: [{ timezone: 'Asia/Seoul', phoneRegion: 'KR', strictTaxonomy: false }] },
        ),
        response: ok(SettingsBody),
        summary: 'Change settings; null puts a setting back to its default',
      },
    },
    async (request) => {
      const project = await runtime.projects.get(request.params.projectId);
      const b = request.body;
      const settings = { ...project.settings };
      if (b.phoneRegion !== undefined) {
        // null is stored (a merge of settings would keep a deleted key) and reads as "the default".
        settings.phoneRegion = (b.phoneRegion ?? null) as string | undefined;
      }
      if (b.strictTaxonomy !== undefined) settings.strictTaxonomy = b.strictTaxonomy;
      if (b.limits !== undefined) {
        const limits = { ...(settings.limits ?? {}) };
        for (const [name, v] of Object.entries(b.limits)) {
          if (!(name in LIMIT_POLICIES)) throw invalid(`limits.${name}`, `limits.${name} is not a rate limit (${Object.keys(LIMIT_POLICIES).join(', ')})`);
          if (v === null) delete limits[name];
          else limits[name] = v;
        }
        settings.limits = limits;
      }
      const updated = await runtime.projects.update(
        project.id,
        { ...(b.timezone !== undefined ? { timezone: b.timezone } : {}), settings },
        actorOfRequest(request),
      );
      return settingsView(updated);
    },
  );

  const exportQuery = Type.Object({
    from: Type.Optional(Type.String({ description: 'yyyy-MM-dd, project time zone, inclusive (events)' })),
    to: Type.Optional(Type.String({ description: 'yyyy-MM-dd, inclusive (events)' })),
    events: Type.Optional(Type.String({ description: 'comma-separated event names' })),
    eventsCondition: Type.Optional(Type.String({ description: 'all | include | exclude' })),
    properties: Type.Optional(Type.String({ description: 'comma-separated property names' })),
    propertiesCondition: Type.Optional(Type.String({ description: 'all | include | exclude' })),
    audience: Type.Optional(Type.String()),
  });
  for (const kind of ['events', 'profiles'] as const) {
    r.get(
      `${base}/exports/${kind}.csv`,
      {
        config: { permission: 'data:export' },
        schema: {
          tags,
          security,
          params: ProjectParams,
          querystring: exportQuery,
          summary: `Download ${kind} as CSV with the DFINERY export filters, streamed (formula cells neutralised)`,
          response: { 200: csv(kind === 'events' ? 'Events' : 'Profiles') },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const p = await runtime.projects.get(request.params.projectId);
        return streamCsv(
          request,
          reply,
          {
            projectId: p.id,
            kind,
            from: kind === 'events' ? q.from : undefined,
            to: kind === 'events' ? q.to : undefined,
            events: kind === 'events' ? nameFilter(q.events, q.eventsCondition, 'events') : undefined,
            properties: nameFilter(q.properties, q.propertiesCondition, 'properties'),
            audience: q.audience || undefined,
            neutraliseFormulas: true,
          },
          `${kind}_${p.id}.csv`,
        );
      },
    );
  }

  r.get(
    `${base}/audiences/:audienceId/profiles.csv`,
    {
      config: { permission: 'data:export' },
      schema: {
        tags,
        security,
        params: Type.Object({ projectId: Type.String(), audienceId: Type.String() }),
        summary: "Download an audience's profiles as CSV (formula cells neutralised, D14)",
        response: { 200: csv("The audience's profiles") },
      },
    },
    async (request, reply) => {
      const p = await runtime.projects.get(request.params.projectId);
      const audience = await runtime.audiences.get(p.id, request.params.audienceId);
      return streamCsv(request, reply, { projectId: p.id, kind: 'profiles', audience: audience.id, neutraliseFormulas: true }, `audience_${audience.id}.csv`);
    },
  );

  async function streamCsv(request: FastifyRequest, reply: FastifyReply, req: ExportRequest, fileName: string) {
    const project = await runtime.projects.get(req.projectId);
    const prepared = await runtime.exports.prepare(req);
    const decision = await runtime.rateLimiter.check({ project, policy: 'export_requests' });
    if (!decision.allowed) throw new MaruError('rate_limited', 'export quota exceeded', { retryAfterMs: decision.retryAfterMs });
    const slot = await runtime.rateLimiter.slot({ project, policy: 'export_concurrency', ttlMs: EXPORT_SLOT_TTL_MS });
    const abort = new AbortController();
    let stream: Awaited<ReturnType<typeof prepared.open>>;
    try {
      stream = await prepared.open({ signal: abort.signal });
    } catch (e) {
      await slot.release();
      throw e;
    }
    reply.raw.once('close', () => {
      abort.abort();
      void stream.close();
      void slot.release();
    });
    const body = Readable.from(stream.chunks, { objectMode: false, highWaterMark: 64 * 1024 });
    body.on('error', (err) => request.log.error({ err, projectId: project.id }, 'console CSV download failed mid-stream'));
    return reply
      .status(200)
      .header('Content-Type', 'text/csv; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="${fileName}"`)
      .header('Cache-Control', 'no-store')
      .send(body);
  }

  function settingsView(project: Awaited<ReturnType<typeof runtime.projects.get>>) {
    const s = project.settings;
    return {
      timezone: project.timezone,
      phoneRegion: { value: s.phoneRegion ?? null, default: runtime.config.defaultPhoneRegion, effective: s.phoneRegion ?? runtime.config.defaultPhoneRegion },
      strictTaxonomy: { value: s.strictTaxonomy ?? null, default: false, effective: s.strictTaxonomy ?? false },
      limits: (Object.keys(LIMIT_POLICIES) as LimitPolicy[]).map((name) => ({
        name,
        window: LIMIT_POLICIES[name].window || null,
        default: LIMIT_POLICIES[name].limit,
        value: typeof s.limits?.[name] === 'number' ? s.limits[name] : null,
        effective: runtime.rateLimiter.quota(project, name),
      })),
    };
  }
}

function jobToWire(j: {
  id: string;
  status: string;
  requested: number;
  deleted: number;
  counts: unknown;
  error: string | null;
  createdAt: number;
  startedAt: number | null;
  completedAt: number | null;
}) {
  return {
    id: j.id,
    status: j.status,
    requested: j.requested,
    deleted: j.deleted,
    counts: j.counts,
    error: j.error,
    createdAt: iso(j.createdAt),
    startedAt: isoOrNull(j.startedAt),
    completedAt: isoOrNull(j.completedAt),
  };
}
