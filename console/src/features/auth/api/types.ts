import type { ResponseOf } from '../../../lib/api-client';

/** The session as GET /admin/v1/session answers it (types from the OpenAPI document). */
export type Session = ResponseOf<'/admin/v1/session', 'get'>;
export type SessionUser = Session['user'];
export type Role = SessionUser['roles'][number]['role'];

/** The role a user has in one project (the instance owner is owner everywhere). */
export function roleIn(user: SessionUser | undefined, projectId: string | undefined): Role | undefined {
  if (!user) return undefined;
  if (user.instanceOwner) return 'owner';
  return user.roles.find((r) => r.projectId === projectId)?.role;
}
