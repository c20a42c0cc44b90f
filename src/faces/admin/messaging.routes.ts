import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AlimtalkTemplate, KakaoChannel, SenderNumber } from '../../core/messaging/messaging.types.ts';
import type { DirectSendResult } from '../../core/messaging/direct-messages.service.ts';
import type { TemplateInUse } from '../../core/messaging/messaging-setup.service.ts';
import type { DeliveryResultRow } from '../../core/messaging/messaging.tables.ts';
import { MaruError } from '../../core/errors.ts';
import type { Services } from '../../services.ts';
import { guardAdmin, type AdminAuthDeps } from './admin-auth.ts';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { adminOp, AnyDoc, body, created, gone, Json, ok } from './schemas.ts';
import { Nullable, Open } from '../shared/openapi.ts';
import {
  AlimtalkBody,
  BlocklistPageDoc,
  BlocklistQueryDoc,
  BlocklistRegisterBody,
  FriendtalkBody,
  mapAlimtalk,
  mapBlocklistQuery,
  mapBlocklistRegister,
  mapBlocklistRemove,
  mapFriendtalk,
  mapText,
  mapTextPreview,
  SendResultDoc,
  TextMessageBody,
  TextPreviewBody,
  TextPreviewDoc,
} from './messaging-sends.wire.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'blocklist' | 'deliveryResults' | 'directMessages' | 'messagingSetup' | 'projects'> & AdminAuthDeps;

const TEMPLATE_EXAMPLE = { templateId: 'welcome', templateCode: 'WELCOME_01', content: '#{name}님, 가입을 환영합니다.' };

type P = FastifyRequest<{ Params: { projectId: string } }>;
type N = FastifyRequest<{ Params: { projectId: string; number: string } }>;
type K = FastifyRequest<{ Params: { projectId: string; channelId: string } }>;
type T = FastifyRequest<{ Params: { projectId: string; templateId: string } }>;
type D = FastifyRequest<{ Params: { projectId: string; deliveryId: string } }>;

const sendResultToWire = (r: DirectSendResult) => ({
  requestId: r.requestId,
  campaignId: r.campaignId,
  created: r.created,
  queued: r.queued,
  existing: r.existing,
  duplicates: r.duplicates,
  unreachable: r.unreachable,
});

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
const templateInUseToWire = (t: TemplateInUse) => ({ ...templateToWire(t.template), variables: t.variables, sendsFrom: t.sendsFrom, status: t.status });

const Time = Type.String({ format: 'date-time' });
const Strict = <T extends Record<string, TSchema>>(properties: T) => Type.Object(properties, { additionalProperties: false });
const SenderNumberDoc = Strict({ number: Type.String({ description: 'digits' }), default: Type.Boolean(), createdAt: Time });
const KakaoChannelDoc = Strict({ channelId: Type.String(), senderKey: Type.String(), default: Type.Boolean(), createdAt: Time });
const TemplateFields = {
  templateId: Type.String(),
  templateCode: Type.String(),
  channelId: Nullable(Type.String()),
  content: Type.String(),
  buttons: Type.Array(Json),
  createdAt: Time,
  updatedAt: Time,
};
const TemplateInUseDoc = Strict({
  ...TemplateFields,
  variables: Type.Array(Type.String(), { description: 'the #{variable}s of the content, in order' }),
  sendsFrom: Nullable(Type.String({ description: "the Kakao channel a send goes out from (its own, else the project's default)" })),
  status: Type.Union([Type.Literal('ready'), Type.Literal('no_channel')], { description: 'no_channel: no Kakao channel is registered yet' }),
});
const AdvertisingDoc = Open({
  senderName: Type.String(),
  contact: Type.Optional(Type.String()),
  optOutNumber: Type.Optional(Type.String({ description: 'the free 080 number, digits' })),
  pushOptOut: Type.String(),
  kakaoOptOut: Type.String(),
  settings: AnyDoc,
});

const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ description: 'A retried request with the same key records nothing twice' })),
});
const keyOf = (request: FastifyRequest) => {
  const k = request.headers['idempotency-key'];
  return typeof k === 'string' ? k : undefined;
};

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
 * - direct sends, as the console makes them (messaging-sends.wire.ts maps them into the same core commands as the
 *   Notifly face): `POST text-messages`, `POST text-messages/preview` (the text as it would be sent, sending
 *   nothing), `POST alimtalk`, `POST friendtalk`;
 * - the 080 block list (the same core service as Notifly's blockservice routes): `GET blocklist`, `POST blocklist`,
 *   `DELETE blocklist/:unsubscribeNo/:recipientNo`.
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
      ok(Strict({ advertising: AdvertisingDoc })),
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
    adminOp('project:read', tags, 'Registered sender numbers (the default first)', ok(Strict({ senderNumbers: Type.Array(SenderNumberDoc) }))),
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
    adminOp('project:read', tags, 'Registered Kakao channels (the default first)', ok(Strict({ kakaoChannels: Type.Array(KakaoChannelDoc) }))),
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
    adminOp(
      'project:read',
      tags,
      'Registered alimtalk templates, each with its #{variable}s, the channel it goes out from and its status',
      ok(Strict({ alimtalkTemplates: Type.Array(TemplateInUseDoc) })),
    ),
    async (request: P) => ({
      alimtalkTemplates: (await setup.templatesInUse(request.params.projectId)).map(templateInUseToWire),
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

  // ---- direct sends (the console; the same core calls as Notifly's /messages/*) ----
  const sends = runtime.directMessages;
  app.post(
    `${base}/text-messages`,
    adminOp(
      'content:write',
      tags,
      "Send an SMS, LMS or MMS to up to 1,000 numbers (as POST /messages/text-message; needs the project's own text-message sending)",
      created(SendResultDoc),
      { body: TextMessageBody, headers: IdempotencyHeaders },
    ),
    async (request: FastifyRequest<{ Params: { projectId: string }; Body: Static<typeof TextMessageBody> }>, reply) => {
      const r = await sends.sendText(mapText(request.body, { projectId: request.params.projectId, requestId: keyOf(request) }));
      return reply.status(201).send(sendResultToWire(r));
    },
  );
  app.post(
    `${base}/text-messages/preview`,
    adminOp(
      'project:read',
      tags,
      'A text message as it would be sent, without sending it: the kind, the marked text, its carrier bytes and limits, and why it would be refused',
      ok(TextPreviewDoc),
      { body: TextPreviewBody },
    ),
    async (request: FastifyRequest<{ Params: { projectId: string }; Body: Static<typeof TextPreviewBody> }>) =>
      sends.previewText(mapTextPreview(request.body, { projectId: request.params.projectId })),
  );
  app.post(
    `${base}/alimtalk`,
    adminOp(
      'content:write',
      tags,
      'Send a registered alimtalk template to up to 1,000 numbers, with #{variable} values and optional SMS/LMS failover (as POST /messages/kakao-alimtalk)',
      created(SendResultDoc),
      { body: AlimtalkBody, headers: IdempotencyHeaders },
    ),
    async (request: FastifyRequest<{ Params: { projectId: string }; Body: Static<typeof AlimtalkBody> }>, reply) => {
      const r = await sends.sendAlimtalk(mapAlimtalk(request.body, { projectId: request.params.projectId, requestId: keyOf(request) }));
      return reply.status(201).send(sendResultToWire(r));
    },
  );
  app.post(
    `${base}/friendtalk`,
    adminOp(
      'content:write',
      tags,
      'Send a friendtalk text to up to 1,000 numbers (as POST /messages/kakao-friendtalk; advertising is marked "(광고)" and refused at night)',
      created(SendResultDoc),
      { body: FriendtalkBody, headers: IdempotencyHeaders },
    ),
    async (request: FastifyRequest<{ Params: { projectId: string }; Body: Static<typeof FriendtalkBody> }>, reply) => {
      const r = await sends.sendFriendtalk(mapFriendtalk(request.body, { projectId: request.params.projectId, requestId: keyOf(request) }));
      return reply.status(201).send(sendResultToWire(r));
    },
  );

  // ---- the 080 block list (the same core service as Notifly's blockservice routes) ----
  app.get(
    `${base}/blocklist`,
    adminOp(
      'project:read',
      tags,
      'Find numbers on the 080 block list of an 080 number (newest first), by recipient and request time (project time)',
      ok(BlocklistPageDoc),
      { querystring: BlocklistQueryDoc },
    ),
    async (request: FastifyRequest<{ Params: { projectId: string }; Querystring: Static<typeof BlocklistQueryDoc> }>) => {
      const page = await runtime.blocklist.find(request.params.projectId, mapBlocklistQuery(request.query));
      return {
        page: page.pageNum,
        pageSize: page.pageSize,
        totalCount: page.totalCount,
        timezone: page.timezone,
        entries: page.data.map((e) => ({ unsubscribeNo: e.unsubscribeNo, recipientNo: e.recipientNo, requestedAt: new Date(e.requestDate).toISOString() })),
      };
    },
  );
  app.post(
    `${base}/blocklist`,
    adminOp('content:write', tags, 'Put up to 10 numbers on the 080 block list of an 080 number', created(Strict({ added: Type.Integer() })), {
      body: BlocklistRegisterBody,
    }),
    async (request: FastifyRequest<{ Params: { projectId: string }; Body: Static<typeof BlocklistRegisterBody> }>, reply) => {
      const r = await runtime.blocklist.register(request.params.projectId, mapBlocklistRegister(request.body));
      return reply.status(201).send(r);
    },
  );
  app.delete(
    `${base}/blocklist/:unsubscribeNo/:recipientNo`,
    adminOp('content:write', tags, 'Take a number off the 080 block list of an 080 number (not an error when it is not there)', gone()),
    async (request: FastifyRequest<{ Params: { projectId: string; unsubscribeNo: string; recipientNo: string } }>, reply) => {
      await runtime.blocklist.remove(request.params.projectId, mapBlocklistRemove(request.params));
      return reply.status(204).send();
    },
  );

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
