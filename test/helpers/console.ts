import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Runtime } from '../../src/runtime.ts';
import type { Role } from '../../src/core/accounts/roles.ts';

export const PASSWORD = 'correct horse battery staple';

/** The maru_session value from a response's Set-Cookie header. */
export function sessionCookie(res: LightMyRequestResponse): string | undefined {
  const c = res.cookies.find((x) => x.name === 'maru_session');
  return c?.value || undefined;
}

export interface ConsoleClient {
  cookie: string;
  csrf: string;
  userId: string;
  /** app.inject with the session cookie and (for state-changing methods) the CSRF token. */
  request(opts: { method: string; url: string; payload?: unknown; csrf?: boolean; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
}

/** Creates a console user through the core (as `maru user create` does) and signs in over HTTP. */
export async function signedIn(
  app: FastifyInstance,
  runtime: Runtime,
  input: { email: string; roles?: { projectId: string; role: Role }[]; instanceOwner?: boolean },
): Promise<ConsoleClient> {
  const user = await runtime.users.create(
    { type: 'cli' },
    { email: input.email, password: PASSWORD, roles: input.roles ?? [], instanceOwner: input.instanceOwner },
  );
  return signIn(app, input.email, user.id);
}

export async function signIn(app: FastifyInstance, email: string, userId: string, password = PASSWORD): Promise<ConsoleClient> {
  const res = await app.inject({ method: 'POST', url: '/admin/v1/session', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  const cookie = sessionCookie(res)!;
  const csrf = res.json().csrfToken as string;
  return {
    cookie,
    csrf,
    userId,
    request: (opts) =>
      app.inject({
        method: opts.method as 'GET',
        url: opts.url,
        ...(opts.payload !== undefined ? { payload: opts.payload as object } : {}),
        cookies: { maru_session: cookie },
        headers: { ...(opts.csrf === false || ['GET', 'HEAD'].includes(opts.method) ? {} : { 'x-csrf-token': csrf }), ...opts.headers },
      }),
  };
}
