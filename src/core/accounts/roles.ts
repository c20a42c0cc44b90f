/**
 * Roles per project (PRODUCT.md D15) and what each may do. A route of the admin API declares one permission; the
 * admin guard (src/faces/admin/admin-auth.ts) answers 403 unless the caller's role in the route's project grants it.
 */
export const ROLES = ['owner', 'marketer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * - `project:read`   read the project's data and settings (no secrets: credentials are never readable)
 * - `data:export`    bulk reads of personal data: exports, CSV downloads, audience samples
 * - `content:write`  campaigns, templates, audiences, taxonomy registration, profile deletion, test sends
 * - `project:admin`  credentials, channel providers, messaging setup, project settings, users of the project, audit log
 * - `instance:admin` instance-wide: create projects (the instance owner and the admin token only)
 * - `signed-in`      any console user (routes that filter by the caller's own roles, e.g. the project list)
 */
export const PERMISSIONS = ['project:read', 'data:export', 'content:write', 'project:admin', 'instance:admin', 'signed-in'] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Record<Role, readonly Permission[]> = {
  owner: ['project:read', 'data:export', 'content:write', 'project:admin', 'signed-in'],
  marketer: ['project:read', 'data:export', 'content:write', 'signed-in'],
  viewer: ['project:read', 'signed-in'],
};

export const roleGrants = (role: Role, permission: Permission): boolean => GRANTS[role].includes(permission);

export const isRole = (v: unknown): v is Role => typeof v === 'string' && (ROLES as readonly string[]).includes(v);

/** Who is calling the admin API: a console user (with roles) or an admin token (automation, every permission). */
export type Principal =
  | { type: 'admin-token'; credentialId?: string }
  | { type: 'user'; id: string; email: string; instanceOwner: boolean; roles: Map<string, Role> };

/** Whether the principal may do `permission` (on `projectId` when the route has one). */
export function allows(principal: Principal, permission: Permission, projectId: string | undefined): boolean {
  if (principal.type === 'admin-token') return true;
  if (principal.instanceOwner) return true;
  if (permission === 'signed-in') return true;
  if (permission === 'instance:admin') return false;
  if (projectId === undefined) return false;
  const role = principal.roles.get(projectId);
  return role !== undefined && roleGrants(role, permission);
}

/** The actor recorded in the audit log. */
export interface Actor {
  type: 'user' | 'admin-token' | 'cli';
  id?: string;
  email?: string;
}

export const actorOf = (p: Principal): Actor =>
  p.type === 'user' ? { type: 'user', id: p.id, email: p.email } : { type: 'admin-token', ...(p.credentialId ? { id: p.credentialId } : {}) };
