/** The session body of GET /admin/v1/session (CONSOLE-API.md), until the route declares its response schema. */
export type Role = 'owner' | 'marketer' | 'viewer';
export interface SessionUser {
  id: string;
  email: string;
  name?: string;
  instanceOwner: boolean;
  roles: { projectId: string; role: Role }[];
}
export interface Session {
  user: SessionUser;
  csrfToken: string;
  expiresAt: string;
}

/** The role a user has in one project (the instance owner is owner everywhere). */
export function roleIn(user: SessionUser | undefined, projectId: string | undefined): Role | undefined {
  if (!user) return undefined;
  if (user.instanceOwner) return 'owner';
  return user.roles.find((r) => r.projectId === projectId)?.role;
}
