import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { MaruError } from '../core/errors.ts';
import { renderError as renderDfinery } from '../faces/dfinery/envelope.ts';
import { renderExportError } from '../faces/dfinery/export-mapping.ts';
import { renderError as renderMarketap } from '../faces/marketap/errors.ts';
import { adminError } from '../faces/admin/admin-auth.ts';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;
type Method = (typeof METHODS)[number];

type Render = (err: MaruError) => { status: number; body: unknown };

/**
 * Which envelope a wrong method on a path answers in, by the path's face (longest prefix first). Notifly paths
 * register their own 405 routes (faces/notifly/methods.ts), so every method is taken there and nothing is added.
 */
const FACES: { prefix: string; render: Render; skip?: Method[] }[] = [
  { prefix: '/api/v1/export/', render: renderExportError },
  { prefix: '/api/v1/', render: renderDfinery },
  { prefix: '/v1/api/', render: renderMarketap },
  { prefix: '/admin/', render: adminError },
  // The SDK answers CORS preflights (OPTIONS) on every path itself.
  { prefix: '/sdk/', render: adminError, skip: ['OPTIONS'] },
  { prefix: '/callbacks/', render: (e) => ({ status: e.status, body: { error: e.message } }) },
];

/**
 * A wrong method on one of a face's paths answers 405 with `Allow` in that face's envelope, instead of Fastify's bare
 * 404 (issue 13). Call before the faces are registered (it watches every route), and call the returned function after
 * them: it adds one hidden route per path for the methods nobody registered. The refusal happens in onRequest, before
 * authentication and before any body is read.
 */
export function answerWrongMethods(app: FastifyInstance): () => void {
  const byUrl = new Map<string, Set<string>>();
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const set = byUrl.get(route.url) ?? new Set<string>();
    for (const m of methods) set.add(m.toUpperCase());
    if (set.has('GET')) set.add('HEAD'); // Fastify answers HEAD for every GET route
    byUrl.set(route.url, set);
  });
  return () => {
    for (const [url, taken] of byUrl) {
      const face = FACES.find((f) => url.startsWith(f.prefix));
      if (!face || url.includes('*')) continue;
      const missing = METHODS.filter((m) => !taken.has(m) && !face.skip?.includes(m));
      if (missing.length === 0) continue;
      const allow = METHODS.filter((m) => taken.has(m)).join(', ');
      app.route({
        method: missing,
        url,
        schema: { hide: true },
        onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
          const { status, body } = face.render(new MaruError('method_not_allowed', `${request.method} is not allowed on ${url}; use ${allow}`));
          return reply.status(status).header('Allow', allow).send(body);
        },
        handler: async () => undefined,
      });
    }
  };
}
