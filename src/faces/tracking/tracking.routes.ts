import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { Type } from '@sinclair/typebox';
import { toMaruError } from '../shared/http-errors.ts';
import { content, noContent, SECURITY } from '../shared/openapi.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'tracking'>;

/** A transparent 1×1 GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/**
 * Public tracking endpoints for email (docs/campaigns.md "Tracking"); no authentication — the tokens are signed.
 * - `GET /t/o/<token>.gif`: the open pixel. Always answers the pixel (a mail client shows no broken image); only a
 *   valid token counts an open.
 * - `GET /t/c/<token>?u=<url>`: a tracked link. A token that signs exactly that URL counts the click and redirects
 *   (302) to it; anything else is 404 and redirects nowhere (no open redirect).
 */
export async function trackingRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;
  const tags = ['tracking'];
  const pixel = (reply: FastifyReply) => reply.status(200).header('Content-Type', 'image/gif').header('Cache-Control', 'no-store, private').send(PIXEL);
  const unknownLink = (reply: FastifyReply) => reply.status(404).header('Content-Type', 'text/plain; charset=utf-8').send('unknown link');

  // A refused request (a path or query that is not valid text, D16) still answers as documented: the pixel, or the
  // unknown link's 404. Only a fault of maru's own is a 5xx.
  app.setErrorHandler((err, request, reply) => {
    const e = toMaruError(err, request.log);
    if (e.status < 500) return request.routeOptions.url === '/t/o/:file' ? pixel(reply) : unknownLink(reply);
    return reply
      .status(e.status)
      .header('Content-Type', 'text/plain; charset=utf-8')
      .send(e.code === 'unavailable' ? 'unavailable; retry later' : 'internal error');
  });

  app.get(
    '/t/o/:file',
    {
      schema: {
        tags,
        security: SECURITY.none,
        summary: 'Email open pixel',
        params: Type.Object({ file: Type.String({ description: '<token>.gif' }) }),
        response: { 200: content('image/gif', Type.String({ format: 'binary' }), 'A 1×1 transparent GIF, whatever the token') },
      },
    },
    async (request: FastifyRequest<{ Params: { file: string } }>, reply) => {
      const file = request.params.file;
      if (file.endsWith('.gif')) {
        try {
          await runtime.tracking.recordOpen(file.slice(0, -4));
        } catch (err) {
          request.log.error({ err }, 'could not record an email open');
        }
      }
      return pixel(reply);
    },
  );

  app.get(
    '/t/c/:token',
    {
      schema: {
        tags,
        security: SECURITY.none,
        summary: 'Email click redirect',
        querystring: Type.Object({ u: Type.Optional(Type.String({ description: 'The target URL the token signs (absent or unsigned: 404)' })) }),
        response: {
          302: noContent('Redirect to the signed URL'),
          404: content('text/plain', Type.String(), 'Unknown link (or a path or query that is not valid text): redirects nowhere', 'unknown link'),
          500: content('text/plain', Type.String(), 'Internal error; the error id is in the log'),
          503: content('text/plain', Type.String(), 'The database is unavailable; retry later'),
        },
      },
    },
    async (request: FastifyRequest<{ Params: { token: string }; Querystring: { u?: string } }>, reply) => {
      const url = request.query.u;
      const target = typeof url === 'string' ? await runtime.tracking.recordClick(request.params.token, url) : undefined;
      if (!target) return unknownLink(reply);
      return reply.header('Cache-Control', 'no-store, private').redirect(target, 302);
    },
  );
}
