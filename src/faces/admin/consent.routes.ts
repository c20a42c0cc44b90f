import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ConsentRecord } from '../../core/consent/consent.types.ts';
import { invalid } from '../../core/errors.ts';
import type { Runtime } from '../../runtime.ts';
import { guardAdmin } from './admin-auth.ts';

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
export async function adminConsentRoutes(app: FastifyInstance, opts: { runtime: Runtime }) {
  const { runtime } = opts;
  guardAdmin(app, runtime);
  const tags = ['admin: consent'];
  const security: Record<string, string[]>[] = [{ adminToken: [] }, { consoleSession: [] }];
  const base = '/admin/v1/projects/:projectId';

  app.get(`${base}/profiles/:profileId/consents`, { config: { permission: 'project:read' }, schema: { tags, security, summary: 'Consent records of a profile, newest first (?limit=&before=)' } }, async (request: R) => {
    const raw = request.query.limit;
    const limit = raw === undefined ? undefined : Number(raw);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000)) throw invalid('limit', 'limit must be a whole number from 1 to 1000');
    const page = await runtime.consent.records(request.params.projectId, request.params.profileId, { ...(limit !== undefined ? { limit } : {}), ...(request.query.before ? { before: request.query.before } : {}) });
    return { consents: page.records.map(recordToWire), next: page.next };
  });

  app.put(`${base}/profiles/:profileId/consents`, { config: { permission: 'content:write' }, schema: { tags, security, summary: 'Set advertising consents of a profile {property: true|false|null} (recorded with source admin)' } }, async (request: R) => ({
    consents: await runtime.consent.setConsents(request.params.projectId, request.params.profileId, request.body),
  }));

  app.get(`${base}/consents.csv`, { config: { permission: 'data:export' }, schema: { tags, security, summary: 'Every consent record of the project as CSV (?profile_id=)' } }, async (request: E, reply) => {
    const lines: string[] = [];
    for await (const line of runtime.consent.exportCsv(request.params.projectId, request.query.profile_id ? { profileId: request.query.profile_id } : {})) lines.push(line);
    return reply.type('text/csv; charset=utf-8').header('Content-Disposition', 'attachment; filename="consents.csv"').send(lines.join(''));
  });

  app.get(`${base}/consent-notices`, { config: { permission: 'project:read' }, schema: { tags, security, summary: 'Which campaign sends each consent notice (absent: off)' } }, async (request: P) => ({
    consentNotices: await runtime.consent.noticeSettings(request.params.projectId),
  }));

  app.put(`${base}/consent-notices`, { config: { permission: 'project:admin' }, schema: { tags, security, summary: 'Turn consent notices on or off: {result?: {campaignId}|null, confirmation?: {campaignId}|null}' } }, async (request: P) => ({
    consentNotices: await runtime.consent.setNoticeSettings(request.params.projectId, request.body),
  }));
}
