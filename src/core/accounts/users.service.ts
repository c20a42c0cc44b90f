import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import type { Db, Store } from '../../platform/db/store.ts';
import { newId } from '../../platform/ids.ts';
import { MaruError, invalid } from '../errors.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import type { AuditService } from '../audit/audit.service.ts';
import * as repo from './accounts.repository.ts';
import type { ConsoleUserRow } from './accounts.tables.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, dummyPasswordHash, hashPassword, verifyPassword } from './passwords.ts';
import { ROLES, actorOf, isRole, type Principal, type Role } from './roles.ts';

export interface UserRoleAssignment {
  projectId: string;
  role: Role;
}

export interface ConsoleUser {
  id: string;
  email: string;
  name: string | null;
  instanceOwner: boolean;
  roles: UserRoleAssignment[];
  createdAt: number;
  updatedAt: number;
}

/** The caller of a user-management call: a principal of the admin API, or the CLI (allowed everything). */
export type Manager = Principal | { type: 'cli' };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normalizeEmail(raw: unknown, field = 'email'): string {
  if (typeof raw !== 'string' || raw.trim().length === 0) throw invalid(field, `${field} is required`);
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) throw invalid(field, `${field} must be an email address`);
  return email;
}

function checkPassword(raw: unknown, field = 'password'): string {
  if (typeof raw !== 'string') throw invalid(field, `${field} is required`);
  if (raw.length < PASSWORD_MIN_LENGTH) throw invalid(field, `${field} must be at least ${PASSWORD_MIN_LENGTH} characters`);
  if (raw.length > PASSWORD_MAX_LENGTH) throw invalid(field, `${field} must be at most ${PASSWORD_MAX_LENGTH} characters`);
  return raw;
}

function checkName(raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'string' || raw.length > 200) throw invalid('name', 'name must be a string of at most 200 characters');
  return raw.trim() || null;
}

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
const fullPower = (m: Manager) => m.type === 'cli' || m.type === 'admin-token' || m.instanceOwner;
const ownsProject = (m: Manager, projectId: string) => fullPower(m) || (m.type === 'user' && m.roles.get(projectId) === 'owner');

/**
 * Console users (PRODUCT.md D15): email + scrypt password, a role per project, or instance owner (owner of every
 * project). Who may manage whom: the CLI, the admin token and an instance owner manage everyone; a project owner
 * grants, changes and removes roles only in projects they own, and changes or deletes a user only when they own every
 * project that user has a role in. Every change is in the audit log.
 */
export class UsersService {
  #store: Store;
  #clock: Clock;
  #projects: ProjectsService;
  #audit: AuditService;

  constructor(deps: { store: Store; clock: Clock; projects: ProjectsService; audit: AuditService }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#projects = deps.projects;
    this.#audit = deps.audit;
  }

  async any(): Promise<boolean> {
    return repo.anyUser(this.#store.db);
  }

  async #roles(input: unknown, field = 'roles'): Promise<UserRoleAssignment[]> {
    if (input === undefined) return [];
    if (!Array.isArray(input)) throw invalid(field, `${field} must be a list of {projectId, role}`);
    const out: UserRoleAssignment[] = [];
    const seen = new Set<string>();
    for (const [i, r] of input.entries()) {
      const f = `${field}[${i}]`;
      if (typeof r !== 'object' || r === null) throw invalid(f, `${f} must be {projectId, role}`);
      const { projectId, role } = r as { projectId?: unknown; role?: unknown };
      if (typeof projectId !== 'string' || !projectId) throw invalid(`${f}.projectId`, `${f}.projectId is required`);
      if (!isRole(role)) throw invalid(`${f}.role`, `${f}.role must be one of ${ROLES.join(', ')}`);
      if (!(await this.#projects.find(projectId))) throw invalid(`${f}.projectId`, `project ${projectId} does not exist`);
      if (seen.has(projectId)) throw invalid(`${f}.projectId`, `project ${projectId} is listed twice`);
      seen.add(projectId);
      out.push({ projectId, role });
    }
    return out;
  }

  async #toUser(db: Db, rows: ConsoleUserRow[]): Promise<ConsoleUser[]> {
    const roles = await repo.rolesOf(
      db,
      rows.map((r) => r.id),
    );
    return rows.map((r) => ({
      id: r.id,
      email: r.email,
      name: r.name,
      instanceOwner: Boolean(r.instance_owner),
      roles: roles.filter((x) => x.user_id === r.id).map((x) => ({ projectId: x.project_id, role: x.role as Role })),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  async get(id: string): Promise<ConsoleUser> {
    const row = await repo.findUser(this.#store.db, id);
    if (!row) throw new MaruError('not_found', `no console user ${id}`);
    return (await this.#toUser(this.#store.db, [row]))[0];
  }

  async findByEmail(email: string): Promise<ConsoleUser | undefined> {
    const row = await repo.findUserByEmail(this.#store.db, normalizeEmail(email));
    return row ? (await this.#toUser(this.#store.db, [row]))[0] : undefined;
  }

  /** The principal of a signed-in user (its roles as they are now). */
  async principal(id: string): Promise<Principal | undefined> {
    const row = await repo.findUser(this.#store.db, id);
    if (!row) return undefined;
    const [u] = await this.#toUser(this.#store.db, [row]);
    return { type: 'user', id: u.id, email: u.email, instanceOwner: u.instanceOwner, roles: new Map(u.roles.map((r) => [r.projectId, r.role])) };
  }

  /**
   * Checks an email and password. An unknown email costs the same scrypt work as a wrong password and answers the
   * same (undefined), so neither the answer nor its timing tells whether an account exists.
   */
  async authenticate(email: unknown, password: unknown): Promise<ConsoleUser | undefined> {
    const e = typeof email === 'string' ? email.trim().toLowerCase() : '';
    const p = typeof password === 'string' && password.length <= PASSWORD_MAX_LENGTH ? password : '';
    const row = e && e.length <= 254 ? await repo.findUserByEmail(this.#store.db, e) : undefined;
    const ok = await verifyPassword(p, row?.password_hash ?? (await dummyPasswordHash()));
    if (!row || !ok || !p) return undefined;
    return (await this.#toUser(this.#store.db, [row]))[0];
  }

  /** A user the manager may see (themselves, anyone for full power, users with a role in a project the manager owns). */
  async visible(by: Manager, id: string): Promise<ConsoleUser> {
    const user = await this.get(id);
    if (fullPower(by) || (by.type === 'user' && by.id === id) || user.roles.some((r) => ownsProject(by, r.projectId))) return user;
    throw new MaruError('not_found', `no console user ${id}`);
  }

  /** Users the manager may see: everyone for full power, otherwise users with a role in a project the manager owns. */
  async list(by: Manager, page: { after?: string; limit: number }): Promise<{ items: ConsoleUser[]; next: string | null }> {
    const projectIds = fullPower(by) ? undefined : by.type === 'user' ? [...by.roles].filter(([, r]) => r === 'owner').map(([p]) => p) : [];
    const rows = await repo.listUsers(this.#store.db, { after: page.after, limit: page.limit + 1, projectIds });
    const items = await this.#toUser(this.#store.db, rows.slice(0, page.limit));
    return { items, next: rows.length > page.limit ? items[items.length - 1].id : null };
  }

  async create(by: Manager, input: { email: unknown; password: unknown; name?: unknown; instanceOwner?: unknown; roles?: unknown }): Promise<ConsoleUser> {
    const email = normalizeEmail(input.email);
    const password = checkPassword(input.password);
    const name = checkName(input.name);
    const roles = await this.#roles(input.roles);
    const instanceOwner = input.instanceOwner === true;
    if (input.instanceOwner !== undefined && typeof input.instanceOwner !== 'boolean') throw invalid('instanceOwner', 'instanceOwner must be true or false');
    if (instanceOwner && !fullPower(by)) throw new MaruError('forbidden', 'only an instance owner may create an instance owner');
    for (const r of roles)
      if (!ownsProject(by, r.projectId)) throw new MaruError('forbidden', `you are not an owner of project ${r.projectId}`, { field: 'roles' });
    if (!instanceOwner && roles.length === 0 && !fullPower(by)) throw invalid('roles', 'roles must give the user a role in at least one project you own');
    const hash = await hashPassword(password);
    const now = this.#clock.now();
    const id = newId();
    await this.#store.write(async (tx) => {
      if (await repo.findUserByEmail(tx, email)) throw new MaruError('conflict', `a console user with email ${email} exists`, { field: 'email' });
      await repo.insertUser(tx, { id, email, name, password_hash: hash, instance_owner: instanceOwner ? 1 : 0, created_at: now, updated_at: now });
      for (const r of roles) await repo.setRole(tx, { user_id: id, project_id: r.projectId, role: r.role, created_at: now });
      await this.#recordUser(
        tx,
        by,
        'user.created',
        { id, email },
        roles.map((r) => r.projectId),
        { instanceOwner, roles },
      );
    });
    return this.get(id);
  }

  async #recordUser(
    tx: Db,
    by: Manager,
    action: 'user.created' | 'user.changed' | 'user.deleted' | 'role.changed',
    user: { id: string; email: string },
    projectIds: string[],
    details: Record<string, unknown>,
  ) {
    const actor = by.type === 'cli' ? { type: 'cli' as const } : actorOf(by);
    const target = `user:${user.email}`;
    await this.#audit.record(tx, { projectId: null, actor, action, target, details: { userId: user.id, ...details } });
    for (const projectId of new Set(projectIds)) await this.#audit.record(tx, { projectId, actor, action, target, details: { userId: user.id, ...details } });
  }

  #mayManage(by: Manager, user: ConsoleUser) {
    if (fullPower(by)) return;
    if (user.instanceOwner) throw new MaruError('forbidden', 'only an instance owner may change an instance owner');
    for (const r of user.roles)
      if (!ownsProject(by, r.projectId)) throw new MaruError('forbidden', `the user also has a role in project ${r.projectId}, which you do not own`);
  }

  /**
   * Changes a user. `roles` sets one role per listed project; `removeRoles` lists projects whose role is removed.
   * `password` sets a new password and ends the user's sessions. Roles are managed by owners of the projects involved;
   * `password`, `name` and `instanceOwner` by those who may manage the whole user.
   */
  async update(
    by: Manager,
    id: string,
    patch: { password?: unknown; name?: unknown; roles?: unknown; removeRoles?: unknown; instanceOwner?: unknown },
  ): Promise<ConsoleUser> {
    const user = await this.get(id);
    const roles = patch.roles === undefined ? [] : await this.#roles(patch.roles);
    let remove: string[] = [];
    if (patch.removeRoles !== undefined) {
      if (!Array.isArray(patch.removeRoles) || !patch.removeRoles.every((p) => typeof p === 'string'))
        throw invalid('removeRoles', 'removeRoles must be a list of project ids');
      remove = patch.removeRoles as string[];
    }
    for (const p of [...roles.map((r) => r.projectId), ...remove])
      if (!ownsProject(by, p)) throw new MaruError('forbidden', `you are not an owner of project ${p}`, { field: 'roles' });
    const password = patch.password === undefined ? undefined : checkPassword(patch.password);
    const name = patch.name === undefined ? undefined : checkName(patch.name);
    if (patch.instanceOwner !== undefined && typeof patch.instanceOwner !== 'boolean') throw invalid('instanceOwner', 'instanceOwner must be true or false');
    if (password !== undefined || name !== undefined || patch.instanceOwner !== undefined) this.#mayManage(by, user);
    if (patch.instanceOwner !== undefined && !fullPower(by)) throw new MaruError('forbidden', 'only an instance owner may make or unmake an instance owner');
    const hash = password === undefined ? undefined : await hashPassword(password);
    const now = this.#clock.now();
    await this.#store.write(async (tx) => {
      const changes: Record<string, unknown> = {};
      if (hash !== undefined || name !== undefined || patch.instanceOwner !== undefined) {
        if (patch.instanceOwner === false && user.instanceOwner && (await repo.countInstanceOwners(tx)) <= 1) {
          throw new MaruError('conflict', 'this is the last instance owner', { field: 'instanceOwner' });
        }
        await repo.updateUser(tx, id, {
          updated_at: now,
          ...(hash !== undefined ? { password_hash: hash } : {}),
          ...(name !== undefined ? { name } : {}),
          ...(patch.instanceOwner !== undefined ? { instance_owner: patch.instanceOwner ? 1 : 0 } : {}),
        });
        if (hash !== undefined) {
          await repo.deleteSessionsOf(tx, id);
          changes.password = 'changed';
        }
        if (name !== undefined) changes.name = name;
        if (patch.instanceOwner !== undefined) changes.instanceOwner = patch.instanceOwner;
        await this.#recordUser(tx, by, 'user.changed', user, [], changes);
      }
      for (const r of roles) {
        const before = user.roles.find((x) => x.projectId === r.projectId)?.role ?? null;
        if (before === r.role) continue;
        await repo.setRole(tx, { user_id: id, project_id: r.projectId, role: r.role, created_at: now });
        await this.#recordUser(tx, by, 'role.changed', user, [r.projectId], { projectId: r.projectId, from: before, to: r.role });
      }
      for (const p of remove) {
        const before = user.roles.find((x) => x.projectId === p)?.role ?? null;
        if (before === null) continue;
        await repo.removeRole(tx, id, p);
        await this.#recordUser(tx, by, 'role.changed', user, [p], { projectId: p, from: before, to: null });
      }
    });
    return this.get(id);
  }

  async delete(by: Manager, id: string): Promise<void> {
    const user = await this.get(id);
    this.#mayManage(by, user);
    if (by.type === 'user' && by.id === id) throw new MaruError('conflict', 'you cannot delete your own account');
    await this.#store.write(async (tx) => {
      if (user.instanceOwner && (await repo.countInstanceOwners(tx)) <= 1) throw new MaruError('conflict', 'this is the last instance owner');
      await repo.deleteUser(tx, id);
      await this.#recordUser(
        tx,
        by,
        'user.deleted',
        user,
        user.roles.map((r) => r.projectId),
        {},
      );
    });
  }

  /**
   * While no console user exists: issues a one-time setup token (only its digest is stored; every token issued since
   * the last setup works, so any API node's logged token can be used). Answers undefined once a user exists.
   */
  async issueSetupToken(): Promise<string | undefined> {
    if (await this.any()) return undefined;
    const token = `maru_setup_${randomBytes(24).toString('base64url')}`;
    await this.#store.write((tx) => repo.insertSetupToken(tx, digest(token), this.#clock.now()));
    return token;
  }

  /** Creates the first user, an instance owner, with a setup token; 403 for a wrong token, 409 once a user exists. */
  async completeSetup(input: { setupToken: unknown; email: unknown; password: unknown; name?: unknown }): Promise<ConsoleUser> {
    if (await this.any()) throw new MaruError('conflict', 'setup is done: a console user exists');
    const token = typeof input.setupToken === 'string' ? input.setupToken.trim() : '';
    if (!token || token.length > 200 || !(await repo.findSetupToken(this.#store.db, digest(token)))) {
      throw new MaruError('forbidden', 'the setup token is wrong (it is printed in the server log at start while no console user exists)', {
        field: 'setupToken',
      });
    }
    const email = normalizeEmail(input.email);
    const password = checkPassword(input.password);
    const name = checkName(input.name);
    const hash = await hashPassword(password);
    const now = this.#clock.now();
    const id = newId();
    await this.#store.write(async (tx) => {
      if (await repo.anyUser(tx)) throw new MaruError('conflict', 'setup is done: a console user exists');
      if (!(await repo.findSetupToken(tx, digest(token)))) throw new MaruError('forbidden', 'the setup token is wrong', { field: 'setupToken' });
      await repo.insertUser(tx, { id, email, name, password_hash: hash, instance_owner: 1, created_at: now, updated_at: now });
      await repo.deleteSetupTokens(tx);
      await this.#audit.record(tx, {
        projectId: null,
        actor: { type: 'user', id, email },
        action: 'user.created',
        target: `user:${email}`,
        details: { userId: id, instanceOwner: true, via: 'setup' },
      });
    });
    return this.get(id);
  }
}
