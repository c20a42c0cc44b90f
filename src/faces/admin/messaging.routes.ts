import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AlimtalkTemplate, KakaoChannel, SenderNumber } from '../../core/messaging/messaging.types.ts';
import type { DeliveryResultRow } from '../../core/messaging/messaging.tables.ts';
import { MaruError } from '../../core/errors.ts';
import type { Services } from '../../services.ts';
import { guardAdmin, type AdminAuthDeps } from './admin-auth.ts';
import { Type } from '@sinclair/typebox';
import { adminOp, AnyDoc, body, created, gone, Json, ok, ProjectDoc } from './schemas.ts';
import { described, Nullable, Open } from '../shared/openapi.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'deliveryResults' | 'messagingSetup' | 'projects'> & AdminAuthDeps;

const TEMPLATE_EXAMPLE = { templateId: 'welcome', templateCode: 'WELCOME_01', content: '#{name}님, 가입을 환영합니다.' };

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
export async function adminMessagingRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;
  const setup = runtime.messagingSetup;

  guardAdmin(app, runtime);

  const tags = ['admin: messaging'];
  const base = '/admin/v1/projects/:projectId/messaging';

  app.get(
    base,
    adminOp('project:read', tags, "The project's messaging setup, and whether its own text-message sending is configured", ok(AnyDoc)),
    async (request: P) => {
      const o = await setup.overview(request.params.projectId);
      return {
        settings: o.settings,
        textSending: o.textSending,
        senderNumbers: o.senderNumbers.map(senderToWire),
        kakaoChannels: o.kakaoChannels.map(channelToWire),
        alimtalkTemplates: o.alimtalkTemplates,
      };
    },
  );

  app.patch(
    base,
    adminOp('project:admin', tags, 'Change messaging settings: {"sandboxTextSending": true|false}', ok(Open({ settings: AnyDoc })), {
      body: body({ sandboxTextSending: Type.Optional(Type.Boolean()) }, { sandboxTextSending: true }),
    }),
    async (request: P) => ({
      settings: await setup.updateSettings(request.params.projectId, request.body),
    }),
  );

  // ---- advertising identity (marking of advertising messages, docs/korean-messaging.md "Marking") ----
  app.get(
    `${base}/advertising`,
    adminOp(
      'project:read',
      tags,
      'The advertiser identity advertising messages are marked with (sender name, contact, 080 number, opt-out texts)',
      ok(Open({ advertising: AnyDoc })),
    ),
    async (request: P) => ({
      advertising: await setup.advertising(request.params.projectId),
    }),
  );
  app.put(
    `${base}/advertising`,
    adminOp(
      'project:admin',
      tags,
      'Set the advertiser identity: {senderName, contact?, optOutNumber?, pushOptOut?, kakaoOptOut?} (null removes one)',
      ok(Open({ advertising: AnyDoc })),
      {
        body: body(
          {
            senderName: Type.Optional(Nullable(Type.String())),
            contact: Type.Optional(Nullable(Type.String())),
            optOutNumber: Type.Optional(Nullable(Type.String())),
            pushOptOut: Type.Optional(Nullable(Type.String())),
            kakaoOptOut: Type.Optional(Nullable(Type.String())),
          },
          { senderName: '마루상점', optOutNumber: '080-123-4567' },
        ),
      },
    ),
    async (request: P) => ({
      advertising: await setup.updateAdvertising(request.params.projectId, request.body),
    }),
  );

  // ---- sender numbers ----
  app.get(
    `${base}/sender-numbers`,
    adminOp('project:read', tags, 'Registered sender numbers (the default first)', ok(Open({ senderNumbers: Type.Array(AnyDoc) }))),
    async (request: P) => ({
      senderNumbers: (await setup.senderNumbers(request.params.projectId)).map(senderToWire),
    }),
  );
  app.post(
    `${base}/sender-numbers`,
    adminOp('project:admin', tags, 'Register a sender number: {"number": "1544-6859", "default": true}', created(Open({ senderNumber: AnyDoc })), {
      body: body({ number: Type.String(), default: Type.Optional(Type.Boolean()) }, { number: '1544-6859', default: true }),
    }),
    async (request: P, reply) => {
      const s = await setup.addSenderNumber(request.params.projectId, request.body);
      return reply.status(201).send({ senderNumber: senderToWire(s) });
    },
  );
  app.delete(`${base}/sender-numbers/:number`, adminOp('project:admin', tags, 'Remove a sender number', gone()), async (request: N, reply) => {
    await setup.removeSenderNumber(request.params.projectId, request.params.number);
    return reply.status(204).send();
  });

  // ---- Kakao channels ----
  app.get(
    `${base}/kakao-channels`,
    adminOp('project:read', tags, 'Registered Kakao channels (the default first)', ok(Open({ kakaoChannels: Type.Array(AnyDoc) }))),
    async (request: P) => ({
      kakaoChannels: (await setup.kakaoChannels(request.params.projectId)).map(channelToWire),
    }),
  );
  app.post(
    `${base}/kakao-channels`,
    adminOp(
      'project:admin',
      tags,
      'Register a Kakao channel: {"channelId": "@maru", "senderKey": "...", "default": true}',
      created(Open({ kakaoChannel: AnyDoc })),
      {
        body: body(
          { channelId: Type.String(), senderKey: Type.String(), default: Type.Optional(Type.Boolean()) },
          { channelId: '@maru', senderKey: 'sender-key', default: true },
        ),
      },
    ),
    async (request: P, reply) => {
      const c = await setup.addKakaoChannel(request.params.projectId, request.body);
      return reply.status(201).send({ kakaoChannel: channelToWire(c) });
    },
  );
  app.delete(
    `${base}/kakao-channels/:channelId`,
    adminOp('project:admin', tags, 'Remove a Kakao channel (409 while templates use it)', gone()),
    async (request: K, reply) => {
      await setup.removeKakaoChannel(request.params.projectId, request.params.channelId);
      return reply.status(204).send();
    },
  );

  // ---- alimtalk templates ----
  app.get(
    `${base}/alimtalk-templates`,
    adminOp('project:read', tags, 'Registered alimtalk templates', ok(Open({ alimtalkTemplates: Type.Array(AnyDoc) }))),
    async (request: P) => ({
      alimtalkTemplates: (await setup.listTemplates(request.params.projectId)).map(templateToWire),
    }),
  );
  app.post(
    `${base}/alimtalk-templates`,
    adminOp(
      'content:write',
      tags,
      'Register an alimtalk template: {templateId, templateCode, content with #{variables}, channelId?, buttons?}',
      created(Open({ alimtalkTemplate: AnyDoc })),
      {
        body: body(
          {
            templateId: Type.String(),
            templateCode: Type.String(),
            content: Type.String(),
            channelId: Type.Optional(Type.String()),
            buttons: Type.Optional(Type.Array(Json)),
          },
          TEMPLATE_EXAMPLE,
        ),
      },
    ),
    async (request: P, reply) => {
      const { template } = await setup.saveTemplate(request.params.projectId, request.body);
      return reply.status(201).send({ alimtalkTemplate: templateToWire(template) });
    },
  );
  app.get(
    `${base}/alimtalk-templates/:templateId`,
    adminOp('project:read', tags, 'An alimtalk template', ok(Open({ alimtalkTemplate: AnyDoc }))),
    async (request: T) => ({
      alimtalkTemplate: templateToWire(await setup.getTemplate(request.params.projectId, request.params.templateId)),
    }),
  );
  app.put(
    `${base}/alimtalk-templates/:templateId`,
    adminOp(
      'content:write',
      tags,
      'Register or replace an alimtalk template',
      { ...ok(Open({ alimtalkTemplate: AnyDoc })), ...created(Open({ alimtalkTemplate: AnyDoc })) },
      {
        body: body(
          { templateCode: Type.String(), content: Type.String(), channelId: Type.Optional(Type.String()), buttons: Type.Optional(Type.Array(Json)) },
          TEMPLATE_EXAMPLE,
        ),
      },
    ),
    async (request: T, reply) => {
      const { template, created } = await setup.saveTemplate(request.params.projectId, request.body, request.params.templateId);
      return reply.status(created ? 201 : 200).send({ alimtalkTemplate: templateToWire(template) });
    },
  );
  app.delete(`${base}/alimtalk-templates/:templateId`, adminOp('content:write', tags, 'Remove an alimtalk template', gone()), async (request: T, reply) => {
    await setup.removeTemplate(request.params.projectId, request.params.templateId);
    return reply.status(204).send();
  });

  // ---- delivery results ----
  app.get(
    `${base}/delivery-results/:deliveryId`,
    adminOp(
      'project:read',
      tags,
      'What the vendor reported after accepting a text or Kakao message (polling or status callback)',
      ok(Open({ deliveryResult: AnyDoc })),
    ),
    async (request: D) => {
      await runtime.projects.get(request.params.projectId);
      const r = await runtime.deliveryResults.resultOf(request.params.projectId, request.params.deliveryId);
      if (!r) throw new MaruError('not_found', `no delivery result is recorded for delivery ${request.params.deliveryId}`);
      return { deliveryResult: resultToWire(r) };
    },
  );
}
