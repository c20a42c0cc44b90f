import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AlimtalkTemplate, KakaoChannel, SenderNumber } from '../../core/messaging/messaging.types.ts';
import type { DeliveryResultRow } from '../../core/messaging/messaging.tables.ts';
import { MaruError } from '../../core/errors.ts';
import type { Runtime } from '../../runtime.ts';
import { guardAdmin } from './admin-auth.ts';
import type { Permission } from '../../core/accounts/roles.ts';

type P = FastifyRequest<{ Params: { projectId: string } }>;
type N = FastifyRequest<{ Params: { projectId: string; number: string } }>;
type K = FastifyRequest<{ Params: { projectId: string; channelId: string } }>;
type T = FastifyRequest<{ Params: { projectId: string; templateId: string } }>;
type D = FastifyRequest<{ Params: { projectId: string; deliveryId: string } }>;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const senderToWire = (s: SenderNumber) => ({ number: s.number, default: s.isDefault, createdAt: iso(s.createdAt) });
export const channelToWire = (c: KakaoChannel) => ({ channelId: c.channelId, senderKey: c.senderKey, default: c.isDefault, createdAt: iso(c.createdAt) });
export const templateToWire = (t: AlimtalkTemplate) => ({
  templateId: t.templateId,
  templateCode: t.templateCode,
  channelId: t.channelId,
  content: t.content,
  buttons: t.buttons,
  createdAt: iso(t.createdAt),
  updatedAt: iso(t.updatedAt),
});
const resultToWire = (r: DeliveryResultRow) => ({
  deliveryId: r.delivery_id,
  vendor: r.vendor,
  providerMessageId: r.provider_message_id,
  status: r.status,
  code: r.code,
  reason: r.reason,
  deliveredAt: iso(r.delivered_at),
  checks: r.checks,
  updatedAt: iso(r.updated_at),
});

/**
 * Admin API for a project's Korean messaging setup (docs/korean-messaging.md "Project setup"), under
 * `/admin/v1/projects/:projectId/messaging`:
 * - `GET` everything (settings, whether own text-message sending is configured and why not, sender numbers, Kakao
 *   channels, the number of alimtalk templates); `PATCH {sandboxTextSending}`;
 * - `sender-numbers`: `POST {number, default?}`, `GET`, `DELETE /:number`;
 * - `kakao-channels`: `POST {channelId, senderKey, default?}`, `GET`, `DELETE /:channelId`;
 * - `alimtalk-templates`: `POST {templateId, templateCode, content, channelId?, buttons?}` (409 if it exists),
 *   `GET`, `GET /:templateId`, `PUT /:templateId` (create or replace), `DELETE /:templateId`;
 * - `delivery-results/:deliveryId`: what the vendor reported after accepting a text or Kakao message.
 * Same admin token and error shape `{error: {code, message, field}}` as the rest of the admin API.
 */
export async function adminMessagingRoutes(app: FastifyInstance, opts: { runtime: Runtime }) {
  const { runtime } = opts;
  const setup = runtime.messagingSetup;

  guardAdmin(app, runtime);

  const tags = ['admin: messaging'];
  const security: Record<string, string[]>[] = [{ adminToken: [] }, { consoleSession: [] }];
  const base = '/admin/v1/projects/:projectId/messaging';
  const schema = (permission: Permission, summary: string) => ({ config: { permission }, schema: { tags, security, summary } });

  app.get(base, schema('project:read', 'The project\'s messaging setup, and whether its own text-message sending is configured'), async (request: P) => {
    const o = await setup.overview(request.params.projectId);
    return {
      settings: o.settings,
      textSending: o.textSending,
      senderNumbers: o.senderNumbers.map(senderToWire),
      kakaoChannels: o.kakaoChannels.map(channelToWire),
      alimtalkTemplates: o.alimtalkTemplates,
    };
  });

  app.patch(base, schema('project:admin', 'Change messaging settings: {"sandboxTextSending": true|false}'), async (request: P) => ({
    settings: await setup.updateSettings(request.params.projectId, request.body),
  }));

  // ---- advertising identity (marking of advertising messages, docs/korean-messaging.md "Marking") ----
  app.get(`${base}/advertising`, schema('project:read', 'The advertiser identity advertising messages are marked with (sender name, contact, 080 number, opt-out texts)'), async (request: P) => ({
    advertising: await setup.advertising(request.params.projectId),
  }));
  app.put(`${base}/advertising`, schema('project:admin', 'Set the advertiser identity: {senderName, contact?, optOutNumber?, pushOptOut?, kakaoOptOut?} (null removes one)'), async (request: P) => ({
    advertising: await setup.updateAdvertising(request.params.projectId, request.body),
  }));

  // ---- sender numbers ----
  app.get(`${base}/sender-numbers`, schema('project:read', 'Registered sender numbers (the default first)'), async (request: P) => ({
    senderNumbers: (await setup.senderNumbers(request.params.projectId)).map(senderToWire),
  }));
  app.post(`${base}/sender-numbers`, schema('project:admin', 'Register a sender number: {"number": "1544-6859", "default": true}'), async (request: P, reply) => {
    const s = await setup.addSenderNumber(request.params.projectId, request.body);
    return reply.status(201).send({ senderNumber: senderToWire(s) });
  });
  app.delete(`${base}/sender-numbers/:number`, schema('project:admin', 'Remove a sender number'), async (request: N, reply) => {
    await setup.removeSenderNumber(request.params.projectId, request.params.number);
    return reply.status(204).send();
  });

  // ---- Kakao channels ----
  app.get(`${base}/kakao-channels`, schema('project:read', 'Registered Kakao channels (the default first)'), async (request: P) => ({
    kakaoChannels: (await setup.kakaoChannels(request.params.projectId)).map(channelToWire),
  }));
  app.post(`${base}/kakao-channels`, schema('project:admin', 'Register a Kakao channel: {"channelId": "@maru", "senderKey": "...", "default": true}'), async (request: P, reply) => {
    const c = await setup.addKakaoChannel(request.params.projectId, request.body);
    return reply.status(201).send({ kakaoChannel: channelToWire(c) });
  });
  app.delete(`${base}/kakao-channels/:channelId`, schema('project:admin', 'Remove a Kakao channel (409 while templates use it)'), async (request: K, reply) => {
    await setup.removeKakaoChannel(request.params.projectId, request.params.channelId);
    return reply.status(204).send();
  });

  // ---- alimtalk templates ----
  app.get(`${base}/alimtalk-templates`, schema('project:read', 'Registered alimtalk templates'), async (request: P) => ({
    alimtalkTemplates: (await setup.listTemplates(request.params.projectId)).map(templateToWire),
  }));
  app.post(`${base}/alimtalk-templates`, schema('content:write', 'Register an alimtalk template: {templateId, templateCode, content with #{variables}, channelId?, buttons?}'), async (request: P, reply) => {
    const { template } = await setup.saveTemplate(request.params.projectId, request.body);
    return reply.status(201).send({ alimtalkTemplate: templateToWire(template) });
  });
  app.get(`${base}/alimtalk-templates/:templateId`, schema('project:read', 'An alimtalk template'), async (request: T) => ({
    alimtalkTemplate: templateToWire(await setup.getTemplate(request.params.projectId, request.params.templateId)),
  }));
  app.put(`${base}/alimtalk-templates/:templateId`, schema('content:write', 'Register or replace an alimtalk template'), async (request: T, reply) => {
    const { template, created } = await setup.saveTemplate(request.params.projectId, request.body, request.params.templateId);
    return reply.status(created ? 201 : 200).send({ alimtalkTemplate: templateToWire(template) });
  });
  app.delete(`${base}/alimtalk-templates/:templateId`, schema('content:write', 'Remove an alimtalk template'), async (request: T, reply) => {
    await setup.removeTemplate(request.params.projectId, request.params.templateId);
    return reply.status(204).send();
  });

  // ---- delivery results ----
  app.get(`${base}/delivery-results/:deliveryId`, schema('project:read', 'What the vendor reported after accepting a text or Kakao message (polling or status callback)'), async (request: D) => {
    await runtime.projects.get(request.params.projectId);
    const r = await runtime.deliveryResults.resultOf(request.params.projectId, request.params.deliveryId);
    if (!r) throw new MaruError('not_found', `no delivery result is recorded for delivery ${request.params.deliveryId}`);
    return { deliveryResult: resultToWire(r) };
  });
}
