import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ConsentRecord } from '../../core/consent/consent.types.ts';
import { invalid } from '../../core/errors.ts';
import type { Services } from '../../services.ts';
import { guardAdmin, type AdminAuthDeps } from './admin-auth.ts';
import { Type } from '@sinclair/typebox';
import { adminOp, AnyDoc, body, ok } from './schemas.ts';
import { content, Nullable, Open } from '../shared/openapi.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'consent'> & AdminAuthDeps;

const ConsentRecordWire = Open({
  id: Type.String(),
  profile_id: Type.String(),
  channel: Type.String(),
  kind: Type.String(),
  property: Type.String(),
  value: Type.Unknown(),
  source: Type.String(),
  at: Type.String({ format: 'date-time' }),
});
const NoticeChoice = Nullable(Type.Object({ campaignId: Type.String() }));

type P = FastifyRequest<{ Params: { projectId: string } }>;
type R = FastifyRequest<{ Params: { projectId: string; profileId: string }; Querystring: { limit?: string; before?: string } }>;
type E = FastifyRequest<{ Params: { projectId: string }; Querystring: { profile_id?: string } }>;

const recordToWire = (r: ConsentRecord) => ({
  id: r.id,
  profile_id: r.profileId,
  channel: r.channel,
  kind: r.kind,
  property: r.property,
  value: r.value,
  source: r.source,
  at: new Date(r.at).toISOString(),
});

/**
 * Admin API of consent records and notices (docs/korean-messaging.md "Consent records", "Consent notices"):
 * - `GET /profiles/:profileId/consents?limit=&before=`: the profile's records, newest first, paged (`next` is the
 *   `before` of the next page);
 * - `PUT /profiles/:profileId/consents {property: true|false|null}`: set consents from the console (source `admin`);
 * - `GET /consents.csv?profile_id=`: every record of the project (or of one profile) as CSV;
 * - `GET`, `PUT /consent-notices {result?: {campaignId}, confirmation?: {campaignId}}`: which campaign sends each notice.
 */
export async function adminConsentRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;
  guardAdmin(app, runtime);
  const tags = ['admin: consent'];
  const base = '/admin/v1/projects/:projectId';

  app.get(
    `${base}/profiles/:profileId/consents`,
    adminOp(
      'project:read',
      tags,
      'Consent records of a profile, newest first (?limit=&before=)',
      ok(Open({ consents: Type.Array(ConsentRecordWire), next: Nullable(Type.String()) })),
      {
        querystring: Type.Object({
          limit: Type.Optional(Type.String({ description: '1 to 1000' })),
          before: Type.Optional(Type.String({ description: 'the `next` of the previous page' })),
        }),
      },
    ),
    async (request: R) => {
      const raw = request.query.limit;
      const limit = raw === undefined ? undefined : Number(raw);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000)) throw invalid('limit', 'limit must be a whole number from 1 to 1000');
      const page = await runtime.consent.records(request.params.projectId, request.params.profileId, {
        ...(limit !== undefined ? { limit } : {}),
        ...(request.query.before ? { before: request.query.before } : {}),
      });
      return { consents: page.records.map(recordToWire), next: page.next };
    },
  );

  app.put(
    `${base}/profiles/:profileId/consents`,
    adminOp(
      'content:write',
      tags,
      'Set advertising consents of a profile {property: true|false|null} (recorded with source admin)',
      ok(Open({ consents: AnyDoc })),
      { body: Type.Record(Type.String(), Nullable(Type.Boolean()), { examples: [{ marketing_sms: true, marketing_kakao: null }] }) },
    ),
    async (request: R) => ({
      consents: await runtime.consent.setConsents(request.params.projectId, request.params.profileId, request.body),
    }),
  );

  app.get(
    `${base}/consents.csv`,
    adminOp(
      'data:export',
      tags,
      'Every consent record of the project as CSV (?profile_id=)',
      { 200: content('text/csv', Type.String(), 'One line per consent record', 'id,profile_id,channel,kind,property,value,source,at\n') },
      { querystring: Type.Object({ profile_id: Type.Optional(Type.String()) }) },
    ),
    async (request: E, reply) => {
      const lines: string[] = [];
      for await (const line of runtime.consent.exportCsv(request.params.projectId, request.query.profile_id ? { profileId: request.query.profile_id } : {}))
        lines.push(line);
      return reply.type('text/csv; charset=utf-8').header('Content-Disposition', 'attachment; filename="consents.csv"').send(lines.join(''));
    },
  );

  app.get(
    `${base}/consent-notices`,
    adminOp('project:read', tags, 'Which campaign sends each consent notice (absent: off)', ok(Open({ consentNotices: AnyDoc }))),
    async (request: P) => ({
      consentNotices: await runtime.consent.noticeSettings(request.params.projectId),
    }),
  );

  app.put(
    `${base}/consent-notices`,
    adminOp(
      'project:admin',
      tags,
      'Turn consent notices on or off: {result?: {campaignId}|null, confirmation?: {campaignId}|null}',
      ok(Open({ consentNotices: AnyDoc })),
      {
        body: body(
          { result: Type.Optional(NoticeChoice), confirmation: Type.Optional(NoticeChoice) },
          { result: { campaignId: 'CAMPAIGN_ID' }, confirmation: null },
        ),
      },
    ),
    async (request: P) => ({
      consentNotices: await runtime.consent.setNoticeSettings(request.params.projectId, request.body),
    }),
  );
}
