import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { Type } from '@sinclair/typebox';
import { documentOnly } from '../shared/http-errors.ts';
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

  app.get('/t/o/:file', {
      ...documentOnly,
      schema: {
        tags,
        security: SECURITY.none,
        summary: 'Email open pixel',
        params: Type.Object({ file: Type.String({ description: '<token>.gif' }) }),
        response: { 200: content('image/gif', Type.String({ format: 'binary' }), 'A 1×1 transparent GIF, whatever the token') },
      },
    }, async (request: FastifyRequest<{ Params: { file: string } }>, reply) => {
    const file = request.params.file;
    if (file.endsWith('.gif')) {
      try {
        await runtime.tracking.recordOpen(file.slice(0, -4));
      } catch (err) {
        request.log.error({ err }, 'could not record an email open');
      }
    }
    return reply.header('Content-Type', 'image/gif').header('Cache-Control', 'no-store, private').send(PIXEL);
  });

  app.get('/t/c/:token', {
      ...documentOnly,
      schema: {
        tags,
        security: SECURITY.none,
        summary: 'Email click redirect',
        querystring: Type.Object({ u: Type.String({ description: 'The target URL the token signs' }) }),
        response: { 302: noContent('Redirect to the signed URL'), 404: content('text/plain', Type.String(), 'Unknown link: redirects nowhere', 'unknown link') },
      },
    }, async (request: FastifyRequest<{ Params: { token: string }; Querystring: { u?: string } }>, reply) => {
    const url = request.query.u;
    const target = typeof url === 'string' ? await runtime.tracking.recordClick(request.params.token, url) : undefined;
    if (!target) return reply.status(404).header('Content-Type', 'text/plain; charset=utf-8').send('unknown link');
    return reply.header('Cache-Control', 'no-store, private').redirect(target, 302);
  });
}
