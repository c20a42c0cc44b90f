import type { FastifyReply, FastifyRequest } from 'fastify';
import { MaruError } from '../../core/errors.ts';
import type { Project } from '../../core/projects/projects.types.ts';
import type { Services } from '../../services.ts';
import { setRateLimitHeaders } from '../shared/http-errors.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
export type NotiflyAuthDeps = Pick<Services, 'projects' | 'rateLimiter' | 'sessionTokens'>;

/** The caller of a token-authenticated Notifly request. */
export interface NotiflySession {
  project: Project;
  /** The access-key credential the token was exchanged for: per-client limits count against it. */
  credentialId: string;
  expiresAt: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    notiflySession?: NotiflySession;
  }
}

/** The token as Notifly clients send it: the bare token in `Authorization` (a `Bearer ` prefix is accepted too). */
export function presentedToken(header: string | string[] | undefined): string | undefined {
  const h = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!h) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(h);
  return m ? m[1].trim() : h;
}

/**
 * onRequest hook: authenticates the session token before any work (no body is read for an unauthenticated request,
 * and nothing is counted against a rate limit). Sets `request.notiflySession`.
 * A missing, malformed, expired or foreign token, or one whose project no longer exists: 401 "Invalid token".
 */
export function requireSessionToken(runtime: NotiflyAuthDeps) {
  return async (request: FastifyRequest) => {
    const session = await runtime.sessionTokens.verify(presentedToken(request.headers.authorization));
    const project = await runtime.projects.find(session.projectId);
    if (!project) throw new MaruError('unauthenticated', 'Invalid token');
    request.notiflySession = { project, credentialId: session.credentialId, expiresAt: session.expiresAt };
  };
}

/**
 * A request may only touch the token's own project (D14): a project id in the request (body field or path
 * parameter) that is a string and differs from it is 403 and changes nothing. Non-string or missing ids are left
 * to the body's validation (400).
 */
export function assertProjectScope(session: NotiflySession, projectId: unknown, field: string): void {
  if (typeof projectId === 'string' && projectId !== session.project.id) {
    throw new MaruError('forbidden', `${field} "${projectId}" is not the project of this token`, { field });
  }
}

/**
 * Counts one request against the per-client quota (`client_requests`, per access-key credential) and the project's
 * (`project_requests`), D2; sets X-RateLimit-* from the tighter of the two (the refusing one on 429).
 * Throws rate_limited with Retry-After set. Call after authentication and the project scope check.
 */
export async function limitRequest(runtime: NotiflyAuthDeps, reply: FastifyReply, session: NotiflySession): Promise<void> {
  const { project } = session;
  const client = await runtime.rateLimiter.check({ project, policy: 'client_requests', subject: session.credentialId });
  if (!client.allowed) {
    setRateLimitHeaders(reply, client);
    throw new MaruError('rate_limited', `more than ${client.limit} requests per second from this client`, { retryAfterMs: client.retryAfterMs });
  }
  const total = await runtime.rateLimiter.check({ project, policy: 'project_requests' });
  setRateLimitHeaders(reply, !total.allowed || total.remaining <= client.remaining ? total : client);
  if (!total.allowed) {
    throw new MaruError('rate_limited', `more than ${total.limit} requests per second for this project`, { retryAfterMs: total.retryAfterMs });
  }
}
