import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MaruError, invalid } from '../../core/errors.ts';
import { digestSecret, digestsEqual } from '../../core/credentials/secrets.ts';
import { actorOf, allows, type Actor, type Permission, type Principal } from '../../core/accounts/roles.ts';
import type { SessionInfo } from '../../core/accounts/sessions.service.ts';
import type { Services } from '../../services.ts';
import { bearer, toMaruError } from '../shared/http-errors.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
export type AdminAuthDeps = Pick<Services, 'config' | 'consoleSessions' | 'credentials'>;

/**
 * What a route of the admin API declares in its options (`config: { permission }`): a permission of the roles model
 * (src/core/accounts/roles.ts), or `public` for the few routes used before signing in (setup, sign-in).
 * A route without a declaration is refused when the app is built, so no admin route can be left unguarded.
 */
export type RoutePermission = Permission | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    permission?: RoutePermission;
  }
  interface FastifyRequest {
    /** Who is calling (set by the admin guard). */
    principal?: Principal;
    /** The console session, when the caller came with the session cookie. */
    consoleSession?: { id: string; info: SessionInfo };
  }
}

export const SESSION_COOKIE = 'maru_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Renders a core error for the admin API: `{error: {code, message, field}}` with the code's HTTP status. */
export function adminError(err: MaruError) {
  return {
    status: err.status,
    body: { error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}), ...(err.details ? { details: err.details } : {}) } },
  };
}

/** The actor to record in the audit log for a request (after the guard ran). */
export const actorOfRequest = (request: FastifyRequest): Actor => (request.principal ? actorOf(request.principal) : { type: 'admin-token' });

/** The session cookie, HttpOnly and SameSite=Strict, Secure when the request came over HTTPS (X-Forwarded-Proto only with MARU_TRUST_PROXY). */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, sessionId: string, maxAgeMs: number) {
  reply.setCookie(SESSION_COOKIE, sessionId, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    maxAge: Math.floor(maxAgeMs / 1000),
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply) {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https' });
}

/**
 * What every admin route plugin starts with: the admin error shape, and one guard before any work.
 * Two ways in: `Authorization: Bearer <admin token>` (MARU_ADMIN_TOKEN, compared by digest, or one created with
 * `maru admin token`) acts with every permission and is not CSRF-checked; the console session cookie acts with the
 * user's roles, and a state-changing request with it must carry the session's `X-CSRF-Token`. Then the route's
 * declared permission is checked against the caller's role in the route's project (`:projectId`): 401 when not
 * signed in, 403 when the role does not allow it — before the handler runs, so a refused call changes nothing.
 */
export function guardAdmin(app: FastifyInstance, runtime: AdminAuthDeps): void {
  const configDigest = runtime.config.adminToken ? digestSecret(runtime.config.adminToken) : undefined;
  app.setErrorHandler((err, request, reply) => {
    const { status, body } = adminError(toMaruError(err, request.log));
    if (status === 429) {
      const ms = (err as MaruError).retryAfterMs;
      if (ms !== undefined) reply.header('Retry-After', String(Math.max(1, Math.ceil(ms / 1000))));
    }
    return reply.status(status).send(body);
  });
  app.addHook('onRoute', (route) => {
    const permission = route.config?.permission;
    if (!permission) throw new Error(`admin route ${String(route.method)} ${route.url} declares no permission (config.permission)`);
    // Shown in the OpenAPI document, so the console (and anyone) can tell which role may call what.
    route.schema = Object.assign(route.schema ?? {}, { 'x-maru-permission': permission });
  });
  app.addHook('onRequest', async (request) => {
    const permission = request.routeOptions.config.permission;
    if (permission === 'public') return;
    if (!permission) throw new MaruError('forbidden', 'this route declares no permission');
    request.principal = await authenticate(request);
    const projectId = (request.params as { projectId?: string } | undefined)?.projectId;
    if (!allows(request.principal, permission, projectId)) {
      throw new MaruError('forbidden', projectId ? `your role in project ${projectId} does not allow this` : 'your account does not allow this');
    }
  });

  async function authenticate(request: FastifyRequest): Promise<Principal> {
    const token = bearer(request.headers.authorization);
    if (token) {
      if (configDigest && digestsEqual(digestSecret(token), configDigest)) return { type: 'admin-token' };
      const c = await runtime.credentials.require(token, { kinds: ['admin'] });
      return { type: 'admin-token', credentialId: c.id };
    }
    const sessionId = request.cookies?.[SESSION_COOKIE];
    if (!sessionId) throw new MaruError('unauthenticated', 'invalid credentials');
    const info = await runtime.consoleSessions.resolve(sessionId);
    if (!info) throw new MaruError('unauthenticated', 'the session has expired or was ended; sign in again');
    if (!SAFE_METHODS.has(request.method)) {
      const header = request.headers['x-csrf-token'];
      if (!runtime.consoleSessions.csrfValid(sessionId, Array.isArray(header) ? header[0] : header)) {
        throw new MaruError('csrf_token_invalid', "a request made with the session cookie must carry the session's X-CSRF-Token header");
      }
    }
    request.consoleSession = { id: sessionId, info };
    return info.principal;
  }
}
