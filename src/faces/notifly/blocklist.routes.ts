import type { FastifyInstance, FastifyRequest } from 'fastify';
import { formatRequestDate, mapFindQuery, mapRegisterBody, mapRemoveQuery } from './blocklist-mapping.ts';
import { MaruError } from '../../core/errors.ts';
import type { Runtime } from '../../runtime.ts';
import { useJsonParser } from '../shared/json-body.ts';
import { documentOnly } from '../shared/http-errors.ts';
import { limitRequest, requireSessionToken } from './auth.ts';
import { messagesErrorHandler } from './messages.routes.ts';
import { methodNotAllowed } from './methods.ts';

const BASE = '/projects/:projectId/messages/text-message/blockservice/recipients';
const REMOVES = `${BASE}/removes`;

type Req = FastifyRequest<{ Params: { projectId: string }; Querystring: Record<string, unknown> }>;

const failure = { type: 'object', properties: { error: { type: 'string' } } };
const success = { type: 'object', properties: { success: { type: 'boolean' } } };
const errors = { 400: failure, 401: failure, 404: failure, 405: failure, 413: failure, 429: failure, 500: failure };
const params = { type: 'object', properties: { projectId: { type: 'string' } } };
const headers = { type: 'object', properties: { authorization: { type: 'string', description: 'The token from POST /authenticate' } } };

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
export async function notiflyBlocklistRoutes(app: FastifyInstance, opts: { runtime: Runtime }) {
  const { runtime } = opts;
  app.setErrorHandler(messagesErrorHandler());

  // The seed sends `Content-Type: application/json` on its GET and DELETE, which have no body.
  useJsonParser(app, { allowEmpty: true });

  methodNotAllowed(app, BASE, ['GET', 'HEAD', 'POST']);
  methodNotAllowed(app, REMOVES, ['DELETE']);

  const scoped = async (request: Req, reply: Parameters<typeof limitRequest>[1]) => {
    const session = request.notiflySession!;
    if (request.params.projectId !== session.project.id) throw new MaruError('not_found', `project ${request.params.projectId} not found`, { field: 'projectId' });
    await limitRequest(runtime, reply, session);
    return session.project.id;
  };

  app.get(
    BASE,
    {
      ...documentOnly,
      onRequest: requireSessionToken(runtime),
      schema: {
        tags: ['Notifly'],
        summary: 'Find numbers on the 080 block list (newest first; pageSize default 15, at most 1,000)',
        params,
        headers,
        querystring: {
          type: 'object',
          required: ['unsubscribeNo'],
          properties: {
            unsubscribeNo: { type: 'string', maxLength: 25 },
            recipientNo: { type: 'string', maxLength: 25 },
            startRequestDate: { type: 'string', description: 'yyyy-MM-dd HH:mm:ss (project time)' },
            endRequestDate: { type: 'string', description: 'yyyy-MM-dd HH:mm:ss (project time)' },
            pageNum: { type: 'integer', default: 1 },
            pageSize: { type: 'integer', default: 15, maximum: 1000 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              pageNum: { type: 'integer' },
              pageSize: { type: 'integer' },
              totalCount: { type: 'integer' },
              data: { type: 'array', items: { type: 'object', properties: { unsubscribeNo: { type: 'string' }, recipientNo: { type: 'string' }, requestDate: { type: 'string' } } } },
            },
          },
          ...errors,
        },
      },
    },
    async (request: Req, reply) => {
      const projectId = await scoped(request, reply);
      const page = await runtime.blocklist.find(projectId, mapFindQuery(request.query));
      return {
        pageNum: page.pageNum,
        pageSize: page.pageSize,
        totalCount: page.totalCount,
        data: page.data.map((r) => ({ unsubscribeNo: r.unsubscribeNo, recipientNo: r.recipientNo, requestDate: formatRequestDate(r.requestDate, page.timezone) })),
      };
    },
  );

  app.post(
    BASE,
    {
      ...documentOnly,
      onRequest: requireSessionToken(runtime),
      schema: {
        tags: ['Notifly'],
        summary: 'Put up to 10 numbers on the 080 block list of an unsubscribe number',
        params,
        headers,
        body: {
          type: 'object',
          required: ['unsubscribeNo', 'recipientNoList'],
          properties: { unsubscribeNo: { type: 'string', maxLength: 25 }, recipientNoList: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 25 } } },
        },
        response: { 200: success, ...errors },
      },
    },
    async (request: Req, reply) => {
      const projectId = await scoped(request, reply);
      await runtime.blocklist.register(projectId, mapRegisterBody(request.body));
      return { success: true };
    },
  );

  app.delete(
    REMOVES,
    {
      ...documentOnly,
      onRequest: requireSessionToken(runtime),
      schema: {
        tags: ['Notifly'],
        summary: 'Take numbers off the 080 block list of an unsubscribe number',
        params,
        headers,
        querystring: {
          type: 'object',
          required: ['unsubscribeNo', 'recipientNoList'],
          properties: { unsubscribeNo: { type: 'string', maxLength: 20 }, recipientNoList: { type: 'string', description: 'numbers separated by commas' } },
        },
        response: { 200: success, ...errors },
      },
    },
    async (request: Req, reply) => {
      const projectId = await scoped(request, reply);
      await runtime.blocklist.remove(projectId, mapRemoveQuery(request.query));
      return { success: true };
    },
  );
}
