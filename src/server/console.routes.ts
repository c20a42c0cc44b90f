import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/** Vite puts content-hashed files under assets/: they never change, so browsers may keep them for a year. */
const HASHED = /\/assets\/.+-[A-Za-z0-9_-]{8,}\.\w+$/;

const NOT_BUILT = (dir: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>maru console not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The maru console is not built</h1>
<p>maru serves the web console from <code>${dir.replace(/[<>&]/g, '')}</code>, which does not exist.</p>
<p>Build it by running <code>npm ci</code> (or <code>npm start</code>) in the maru folder, then reload this page.
The HTTP APIs work without it.</p>
</body></html>`;

/**
 * The built web console (console/, docs/console.md) at /console on the API port: index.html for every path the
 * single-page app routes itself (SPA fallback), long caching for hashed assets, no caching for index.html (so a
 * new build is picked up). `/` redirects to `/console/`. Without a build, /console answers 503 saying how to build it.
 */
export async function consoleStaticRoutes(app: FastifyInstance, opts: { dir: string }) {
  const { dir } = opts;
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/', 302));

  if (!existsSync(join(dir, 'index.html'))) {
    const notBuilt = async (_request: unknown, reply: import('fastify').FastifyReply) =>
      reply.status(503).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT(dir));
    app.get('/console', { schema: { hide: true } }, notBuilt);
    app.get('/console/*', { schema: { hide: true } }, notBuilt);
    return;
  }

  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/console/',
    wildcard: false,
    index: false,
    setHeaders(reply, path) {
      reply.header('cache-control', HASHED.test(path.replaceAll('\\', '/')) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const index = async (_request: unknown, reply: import('fastify').FastifyReply) => reply.header('cache-control', 'no-cache').sendFile('index.html', dir);
  app.get('/console', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/', 302));
  app.get('/console/', { schema: { hide: true } }, index);
  // Any other path under /console that is not a built file is a route of the app itself.
  app.get('/console/*', { schema: { hide: true } }, async (request, reply) => {
    const rest = (request.params as { '*': string })['*'];
    if (/^assets\//.test(rest) || /\.[a-z0-9]{1,8}$/i.test(rest)) return reply.status(404).header('content-type', 'text/plain').send('not found');
    return index(request, reply);
  });
}
