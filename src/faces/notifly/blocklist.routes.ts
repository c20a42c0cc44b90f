import type { FastifyInstance, FastifyRequest } from 'fastify';
import { formatRequestDate, mapFindQuery, mapRegisterBody, mapRemoveQuery } from './blocklist-mapping.ts';
import { MaruError } from '../../core/errors.ts';
import type { Services } from '../../services.ts';
import { registerJsonParser } from '../shared/json-body.ts';
import { limitRequest, requireSessionToken, type NotiflyAuthDeps } from './auth.ts';
import { messagesErrorHandler } from './messages.routes.ts';
import { methodNotAllowed } from './methods.ts';
import { Type } from '@sinclair/typebox';
import { described, SECURITY } from '../shared/openapi.ts';
import { MESSAGES_ERRORS, MessagesSuccess } from './schemas.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'blocklist'> & NotiflyAuthDeps;

const BASE = '/projects/:projectId/messages/text-message/blockservice/recipients';
const REMOVES = `${BASE}/removes`;

type Req = FastifyRequest<{ Params: { projectId: string }; Querystring: Record<string, unknown> }>;

const params = Type.Object({ projectId: Type.String() });
const ok = { 200: described(200, MessagesSuccess, { success: true }), ...MESSAGES_ERRORS };

/**
 * The 080 block list (seed 004 §9; docs/korean-messaging.md "080 block list"):
 * - `GET .../blockservice/recipients?unsubscribeNo=&recipientNo=&startRequestDate=&endRequestDate=&pageNum=&pageSize=`
 *   → `{pageNum, pageSize, totalCount, data: [{unsubscribeNo, recipientNo, requestDate: "yyyy-MM-dd HH:mm:ss.S"}]}`
 *   (request dates in the project's time zone);
 * - `POST .../blockservice/recipients` `{unsubscribeNo, recipientNoList: [≤ 10]}` → `{"success": true}`;
 * - `DELETE .../blockservice/recipients/removes?unsubscribeNo=&recipientNoList=a,b` → `{"success": true}`.
 * Errors in the messaging envelope `{"error": "..."}`. A project id other than the token's answers 404 (D14).
 * A `Content-Type: application/json` header with no body (as the seed's DELETE and GET show it) is accepted.
 */
export async function notiflyBlocklistRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;
  app.setErrorHandler(messagesErrorHandler());

  // The seed sends `Content-Type: application/json` on its GET and DELETE, which have no body.
  registerJsonParser(app, { allowEmpty: true });

  methodNotAllowed(app, BASE, ['GET', 'HEAD', 'POST']);
  methodNotAllowed(app, REMOVES, ['DELETE']);

  // Before the schema check: another project's id is a 404 and a limited client a 429, whatever was sent.
  const scoped = async (req: FastifyRequest, reply: Parameters<typeof limitRequest>[1]) => {
    const request = req as Req;
    const session = request.notiflySession!;
    if (request.params.projectId !== session.project.id)
      throw new MaruError('not_found', `project ${request.params.projectId} not found`, { field: 'projectId' });
    await limitRequest(runtime, reply, session);
  };

  app.get(
    BASE,
    {
      onRequest: requireSessionToken(runtime),
      preValidation: scoped,
      schema: {
        tags: ['Notifly'],
        summary: 'Find numbers on the 080 block list (newest first; pageSize default 15, at most 1,000)',
        security: SECURITY.notifly,
        params,
        querystring: Type.Object({
          unsubscribeNo: Type.String({ maxLength: 25, examples: ['0801234567'] }),
          recipientNo: Type.Optional(Type.String({ maxLength: 25 })),
          startRequestDate: Type.Optional(Type.String({ description: 'yyyy-MM-dd HH:mm:ss (project time)' })),
          endRequestDate: Type.Optional(Type.String({ description: 'yyyy-MM-dd HH:mm:ss (project time)' })),
          pageNum: Type.Optional(Type.String({ description: 'A page number from 1 (default 1)' })),
          pageSize: Type.Optional(Type.String({ description: '1 to 1,000 (default 15)' })),
        }),
        response: {
          200: described(
            200,
            Type.Object(
              {
                pageNum: Type.Integer(),
                pageSize: Type.Integer(),
                totalCount: Type.Integer(),
                data: Type.Array(
                  Type.Object({ unsubscribeNo: Type.String(), recipientNo: Type.String(), requestDate: Type.String() }, { additionalProperties: false }),
                ),
              },
              { additionalProperties: false },
            ),
            {
              pageNum: 1,
              pageSize: 15,
              totalCount: 1,
              data: [{ unsubscribeNo: '0801234567', recipientNo: '01012345678', requestDate: '2025-01-06 10:00:00.0' }],
            },
          ),
          ...MESSAGES_ERRORS,
        },
      },
    },
    async (request: Req, reply) => {
      const projectId = request.notiflySession!.project.id;
      const page = await runtime.blocklist.find(projectId, mapFindQuery(request.query));
      return {
        pageNum: page.pageNum,
        pageSize: page.pageSize,
        totalCount: page.totalCount,
        data: page.data.map((r) => ({
          unsubscribeNo: r.unsubscribeNo,
          recipientNo: r.recipientNo,
          requestDate: formatRequestDate(r.requestDate, page.timezone),
        })),
      };
    },
  );

  app.post(
    BASE,
    {
      onRequest: requireSessionToken(runtime),
      preValidation: scoped,
      schema: {
        tags: ['Notifly'],
        summary: 'Put up to 10 numbers on the 080 block list of an unsubscribe number',
        security: SECURITY.notifly,
        params,
        body: Type.Object(
          { unsubscribeNo: Type.String({ maxLength: 25 }), recipientNoList: Type.Array(Type.String({ maxLength: 25 }), { minItems: 1, maxItems: 10 }) },
          { additionalProperties: false, examples: [{ unsubscribeNo: '0801234567', recipientNoList: ['01012345678'] }] },
        ),
        response: ok,
      },
    },
    async (request: Req, reply) => {
      const projectId = request.notiflySession!.project.id;
      await runtime.blocklist.register(projectId, mapRegisterBody(request.body as { unsubscribeNo: string; recipientNoList: string[] }));
      return { success: true };
    },
  );

  app.delete(
    REMOVES,
    {
      onRequest: requireSessionToken(runtime),
      preValidation: scoped,
      schema: {
        tags: ['Notifly'],
        summary: 'Take numbers off the 080 block list of an unsubscribe number',
        security: SECURITY.notifly,
        params,
        querystring: Type.Object({
          unsubscribeNo: Type.String({ maxLength: 20, examples: ['0801234567'] }),
          recipientNoList: Type.String({ description: 'numbers separated by commas', examples: ['01012345678,01087654321'] }),
        }),
        response: ok,
      },
    },
    async (request: Req, reply) => {
      const projectId = request.notiflySession!.project.id;
      await runtime.blocklist.remove(projectId, mapRemoveQuery(request.query));
      return { success: true };
    },
  );
}
