import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MaruError, invalid } from '../../core/errors.ts';
import type { ExportKind, ExportStream } from '../../core/export/export.types.ts';
import type { Project } from '../../core/projects/projects.types.ts';
import type { Services } from '../../services.ts';
import { registerJsonParser } from '../shared/json-body.ts';
import { bearer, setRateLimitHeaders, toMaruError } from '../shared/http-errors.ts';
import { mapExportBody, renderExportError } from './export-mapping.ts';
import { EventExportBodySchema, ProfileExportBodySchema, type ExportBody } from './schemas.ts';
import { Type } from '@sinclair/typebox';
import { content, errorResponses, SECURITY } from '../shared/openapi.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'credentials' | 'exports' | 'projects' | 'rateLimiter'>;

declare module 'fastify' {
  interface FastifyRequest {
    exportProject?: Project;
  }
}

/** A crashed holder's concurrency slot frees itself after this long (the limits port's ttl). */
export const EXPORT_SLOT_TTL_MS = 60 * 60 * 1000;

const Failure = Type.Object(
  {
    result: Type.Literal('fail'),
    message: Type.String({
      description: 'invalid_parameter, exceed_date_range_limit, unauthorized_token, too_many_api_requests, method_not_allowed, query_error or unknown_error',
    }),
    parameter: Type.Optional(Type.String()),
    detail: Type.Optional(Type.String()),
    error_id: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
const querystring = Type.Object({ service_id: Type.String({ description: 'Project (service) id' }) });
const failureStatuses = [400, 401, 413, 415, 429, 500] as const;
const failureExample = (status: number) =>
  renderExportError(
    new MaruError(
      (
        { 400: 'invalid_input', 401: 'unauthenticated', 413: 'payload_too_large', 415: 'unsupported_media_type', 429: 'rate_limited', 500: 'internal' } as const
      )[status as 400],
      'see docs/dfinery-export.md',
      { field: 'from_date' },
    ),
  ).body;
const csvResponse = (example: string) => ({
  200: content('text/csv', Type.String(), 'CSV, header first (D7); streamed', example),
  ...errorResponses(Failure, failureStatuses, failureExample),
});

/**
 * DFINERY Export API (seed 000): POST /api/v1/export/event and /api/v1/export/userprofile, `?service_id=`,
 * `Authorization: Bearer <export token>`. Success is a CSV streamed from the store with backpressure; failures are
 * `{result: "fail", message}` with 400/401/429/500 (export-mapping.ts). docs/dfinery-export.md.
 */
export async function dfineryExportRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;

  app.setErrorHandler((err, request, reply) => {
    let e: MaruError = toMaruError(err, request.log);
    if (e.code === 'internal' && !e.details?.error_id) {
      const errorId = randomBytes(8).toString('hex');
      request.log.error({ err: e.cause ?? e, errorId, reason: e.details?.reason }, 'export failed');
      e = new MaruError('internal', e.message, { details: { ...e.details, error_id: errorId } });
    }
    if (e.code === 'rate_limited' && e.retryAfterMs !== undefined && !reply.hasHeader('retry-after')) {
      reply.header('Retry-After', String(Math.max(1, Math.ceil(e.retryAfterMs / 1000))));
    }
    const { status, body } = renderExportError(e);
    return reply.status(status).type('application/json; charset=utf-8').send(body);
  });

  // An empty body (curl -X POST with a JSON content type and no -d, or no body at all) means "no filters".
  registerJsonParser(app, { allowEmpty: true });
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined) request.body = null;
  });

  // Authentication before any work (D14). A missing service_id is a bad request; an unknown one answers like a bad
  // token (401), so the API does not tell which service ids exist.
  app.addHook('onRequest', async (request: FastifyRequest<{ Querystring: { service_id?: string } }>) => {
    const serviceId = request.query.service_id;
    if (!serviceId) throw invalid('service_id', 'service_id is required');
    if (typeof serviceId !== 'string') throw invalid('service_id', 'service_id must be given once');
    const project = await runtime.projects.find(serviceId);
    if (!project) throw new MaruError('unauthenticated', 'unknown service_id');
    await runtime.credentials.require(bearer(request.headers.authorization), { kinds: ['export'], projectId: project.id });
    request.exportProject = project;
  });

  const route = (url: string, kind: ExportKind, summary: string, body: object, example: string) =>
    app.post(
      url,
      {
        schema: {
          tags: ['DFINERY export'],
          summary,
          security: SECURITY.dfineryExport,
          querystring,
          body,
          response: csvResponse(example),
        },
      },
      (request, reply) => serveExport(kind, request, reply),
    );

  route(
    '/api/v1/export/event',
    'events',
    'Extract events as CSV (one row per event, or per item)',
    EventExportBodySchema,
    'df_unified_id,df_event_log_id,df_event_name,df_event_datetime\nAbC123,b0c9cf18,df_purchase,2025-01-06 10:00:00.000\n',
  );
  route(
    '/api/v1/export/userprofile',
    'profiles',
    'Extract user profiles as CSV',
    ProfileExportBodySchema,
    'df_unified_id,df_email,df_name\nAbC123,dfn@gmail.com,홍길동\n',
  );

  async function serveExport(kind: ExportKind, request: FastifyRequest, reply: FastifyReply) {
    const project = request.exportProject!;
    const prepared = await runtime.exports.prepare(mapExportBody(kind, request.body as ExportBody, project.id));

    // D2: every request that got this far counts against the hourly quota; then at most N run at once.
    const decision = await runtime.rateLimiter.check({ project, policy: 'export_requests' });
    setRateLimitHeaders(reply, decision, 'window');
    if (!decision.allowed) throw new MaruError('rate_limited', 'export quota exceeded', { retryAfterMs: decision.retryAfterMs });
    const slot = await runtime.rateLimiter.slot({ project, policy: 'export_concurrency', ttlMs: EXPORT_SLOT_TTL_MS });

    const abort = new AbortController();
    let stream: ExportStream | undefined;
    let finished = false;
    let failed = false;
    const startedAt = Date.now();
    // 'close' fires once the response is done — fully sent, answered with an error, or cut off by the client.
    reply.raw.once('close', () => {
      finished = true;
      const sentAll = reply.raw.writableEnded; // end() was called: the whole response was handed to the socket
      abort.abort();
      void stream?.close();
      void slot.release();
      const info = { service_id: project.id, kind, rows: stream?.rows ?? 0, ms: Date.now() - startedAt };
      if (stream?.completed && sentAll) request.log.info(info, 'export finished');
      else if (!sentAll && !failed) {
        // The seed's client_connection_closed: the client went away mid-export. There is nobody left to answer;
        // the query has been stopped and the slot released.
        request.log.warn({ ...info, reason: 'client_connection_closed' }, 'export stopped: client connection closed');
      }
      // Otherwise an error was answered (or the stream failed) and was logged where it happened.
    });

    try {
      stream = await prepared.open({ signal: abort.signal });
    } catch (e) {
      await slot.release();
      throw e;
    }
    if (finished) {
      await stream.close();
      return reply;
    }
    const chunks = stream.chunks;
    const body = Readable.from(chunks, { objectMode: false, highWaterMark: 64 * 1024 });
    body.on('error', (err) => {
      failed = true;
      request.log.error({ err, service_id: project.id, rows: stream?.rows }, 'export failed mid-stream; connection closed');
    });
    const fileName = kind === 'events' ? `events_${project.id}.csv` : `userprofiles_${project.id}.csv`;
    return reply
      .status(200)
      .header('Content-Type', 'text/csv; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="${fileName}"`)
      .header('Cache-Control', 'no-store')
      .send(body);
  }
}
