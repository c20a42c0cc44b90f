import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { Type } from '@sinclair/typebox';
import { toMaruError } from '../shared/http-errors.ts';
import { content, SECURITY } from '../shared/openapi.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'unsubscribe'>;

type T = FastifyRequest<{ Params: { token: string } }>;

const HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store, private',
  // The token is in the URL: do not hand it to other sites, and do not let other sites frame the button.
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
};

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}button{font-size:1rem;padding:.6rem 1.2rem;cursor:pointer}</style>
</head><body>${body}</body></html>
`;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The statuses a refused or failed request answers, each with the same small page (the route renders no JSON). */
const ERROR_PAGES = Object.fromEntries(
  (
    [
      [400, 'Bad request: the field at fault is named'],
      [413, 'Body over 16 KiB (after decoding)'],
      [415, 'Unsupported Content-Encoding'],
      [500, 'Internal error; the error id is in the log'],
      [503, 'Unavailable; retry later'],
    ] as const
  ).map(([s, d]) => [s, content('text/html', Type.String(), d)]),
);

const NOT_FOUND = page(
  'Link not valid',
  '<h1>This link is not valid</h1><p>The unsubscribe link is incomplete or was changed. Use the link from the email again.</p>',
);

/**
 * One-click unsubscribe (RFC 8058; docs/providers.md "Unsubscribe"). Public: the token in the path is signed.
 * - `GET /u/:token`: a small page with a button that POSTs to the same URL. A GET never unsubscribes (mail scanners
 *   and link previews follow links).
 * - `POST /u/:token`: withdraws the profile's email advertising consent and answers a confirmation page (200). This is
 *   the request mail clients send for `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (body
 *   `List-Unsubscribe=One-Click`, any content type accepted). Idempotent.
 * An invalid token answers 404 on both.
 */
export async function unsubscribeRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;
  const tags = ['tracking'];

  // Mail clients post a form (urlencoded or multipart); the body carries nothing maru needs.
  app.removeAllContentTypeParsers();
  // Read as '' (the documented body is the form's text, which nothing reads), and no body at all counts as that.
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 16 * 1024 }, (_request, _body, done) => done(null, ''));
  app.addHook('preValidation', async (request) => {
    if (request.method === 'POST' && request.body === undefined) request.body = '';
  });

  const send = (reply: FastifyReply, status: number, html: string) => reply.status(status).headers(HEADERS).send(html);

  // A body over the limit, an unknown Content-Encoding or a path that is not valid text answers a page too.
  app.setErrorHandler((err, request, reply) => {
    const e = toMaruError(err, request.log);
    return send(reply, e.status, page('Request not accepted', `<h1>This request was not accepted</h1><p>${escapeHtml(e.message)}</p>`));
  });

  app.get(
    '/u/:token',
    {
      schema: {
        tags,
        security: SECURITY.none,
        summary: 'Unsubscribe page: a button that confirms (POST)',
        response: {
          200: content('text/html', Type.String(), 'The page with the button'),
          404: content('text/html', Type.String(), 'The token is not valid'),
          ...ERROR_PAGES,
        },
      },
    },
    async (request: T, reply) => {
      const target = await runtime.unsubscribe.verify(request.params.token);
      if (!target) return send(reply, 404, NOT_FOUND);
      return send(
        reply,
        200,
        page(
          'Unsubscribe',
          `<h1>Unsubscribe from marketing email?</h1><p>You will no longer receive advertising email from us. Messages about your account and orders still arrive.</p>
<form method="post" action="/u/${request.params.token}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
        ),
      );
    },
  );

  app.post(
    '/u/:token',
    {
      schema: {
        tags,
        security: SECURITY.none,
        summary: 'One-click unsubscribe (RFC 8058): withdraws email advertising consent',
        body: content(
          'application/x-www-form-urlencoded',
          Type.String(),
          'List-Unsubscribe=One-Click (any content type is accepted)',
          'List-Unsubscribe=One-Click',
        ),
        response: {
          200: content('text/html', Type.String(), 'Unsubscribed'),
          404: content('text/html', Type.String(), 'The token is not valid'),
          ...ERROR_PAGES,
        },
      },
    },
    async (request: T, reply) => {
      if (!(await runtime.unsubscribe.unsubscribe(request.params.token))) return send(reply, 404, NOT_FOUND);
      return send(reply, 200, page('Unsubscribed', '<h1>You are unsubscribed</h1><p>You will no longer receive advertising email from us.</p>'));
    },
  );
}
