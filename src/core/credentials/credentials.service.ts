import type { Clock } from '../../platform/clock.ts';
import type { Db, Store } from '../../platform/db/store.ts';
import type { CredentialRow } from '../../platform/db/schema.ts';
import { newId } from '../../platform/ids.ts';
import { MaruError } from '../errors.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { Actor } from '../accounts/roles.ts';
import * as repo from './credentials.repository.ts';
import { type CredentialKind, digestSecret, digestsEqual, displayPrefix, generateSecret } from './secrets.ts';

/** How long a reissued credential's predecessor keeps working (D14, DFINERY "2 weeks"). */
export const REISSUE_GRACE_MS = 14 * 24 * 60 * 60 * 1000;

/** The secrets of a project in the one response that shows them. */
export interface IssuedCredentials {
  import_token: string;
  export_token: string;
  api_key: string;
  access_key: string;
  secret_key: string;
}

export interface VerifiedCredential {
  id: string;
  projectId: string | null;
  kind: CredentialKind;
}

const PROJECT_KINDS: { kind: CredentialKind; field: keyof IssuedCredentials }[] = [
  { kind: 'import', field: 'import_token' },
  { kind: 'export', field: 'export_token' },
  { kind: 'api-key', field: 'api_key' },
  { kind: 'access-key', field: 'access_key' },
  { kind: 'secret-key', field: 'secret_key' },
];

/** Reissuing one of a pair reissues both. */
export const REISSUE_GROUPS: Record<string, CredentialKind[]> = {
  import: ['import'],
  export: ['export'],
  'api-key': ['api-key'],
  'access-key': ['access-key', 'secret-key'],
  'secret-key': ['access-key', 'secret-key'],
  admin: ['admin'],
};

/**
 * Scoped secrets (D14): random, prefixed per kind, stored only as SHA-256 digests, shown once,
 * valid only for their own project and kind. Verified credentials are cached briefly by digest.
 */
export class CredentialsService {
  #store: Store;
  #clock: Clock;
  #cache = new Map<string, { row: CredentialRow | undefined; at: number }>();
  #cacheTtlMs: number;

  #audit: AuditService | undefined;

  constructor(deps: { store: Store; clock: Clock; cacheTtlMs?: number; audit?: AuditService }) {
    this.#audit = deps.audit;
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#cacheTtlMs = deps.cacheTtlMs ?? 10_000;
  }

  /** Issues every project credential (inside the project's creation unit). */
  async issueAll(tx: Db, projectId: string, now: number): Promise<IssuedCredentials> {
    const out = {} as IssuedCredentials;
    for (const { kind, field } of PROJECT_KINDS) out[field] = await this.#issue(tx, projectId, kind, now);
    return out;
  }

  async #issue(tx: Db, projectId: string | null, kind: CredentialKind, now: number): Promise<string> {
    const secret = generateSecret(kind);
    await repo.insertCredential(tx, {
      id: newId(),
      project_id: projectId,
      kind,
      digest: digestSecret(secret),
      prefix: displayPrefix(secret),
      created_at: now,
      expires_at: null,
    });
    return secret;
  }

  /**
   * Issues new secrets for a kind (and its pair); the old ones keep working for REISSUE_GRACE_MS.
   * Returns the new secrets by kind.
   */
  async reissue(projectId: string | null, kind: CredentialKind, actor?: Actor): Promise<Partial<Record<CredentialKind, string>>> {
    const now = this.#clock.now();
    const kinds = REISSUE_GROUPS[kind];
    const out = await this.#store.write(async (tx) => {
      const issued: Partial<Record<CredentialKind, string>> = {};
      for (const k of kinds) {
        await repo.expireCredentials(tx, projectId, k, now + REISSUE_GRACE_MS);
        issued[k] = await this.#issue(tx, projectId, k, now);
      }
      await this.#audit?.record(tx, {
        projectId,
        actor,
        action: 'credential.reissued',
        target: `credential:${kind}`,
        details: { kinds, graceUntil: new Date(now + REISSUE_GRACE_MS).toISOString() },
      });
      return issued;
    });
    this.#cache.clear();
    return out;
  }

  /**
   * Issues a credential of a kind (and its pair) that has no working one left — all expired — e.g. after a leak was
   * answered by letting the grace period run out. A kind that still has a working credential is a conflict: reissue it.
   */
  async issue(projectId: string, kind: CredentialKind, actor?: Actor): Promise<Partial<Record<CredentialKind, string>>> {
    const now = this.#clock.now();
    const kinds = REISSUE_GROUPS[kind];
    const out = await this.#store.write(async (tx) => {
      const rows = (await repo.listCredentials(tx, projectId)).filter((r) => kinds.includes(r.kind as CredentialKind));
      if (rows.some((r) => r.expires_at === null || r.expires_at > now)) {
        throw new MaruError('conflict', `the project has a working ${kind} credential: reissue it instead`, { field: 'kind' });
      }
      const issued: Partial<Record<CredentialKind, string>> = {};
      for (const k of kinds) issued[k] = await this.#issue(tx, projectId, k, now);
      await this.#audit?.record(tx, { projectId, actor, action: 'credential.issued', target: `credential:${kind}`, details: { kinds } });
      return issued;
    });
    this.#cache.clear();
    return out;
  }

  /** Forgets cached lookups (after a project and its credentials were erased). */
  forgetCached(): void {
    this.#cache.clear();
  }

  /** Creates a server-wide admin credential. */
  async createAdmin(): Promise<string> {
    return this.#store.write((tx) => this.#issue(tx, null, 'admin', this.#clock.now()));
  }

  /**
   * Checks a presented secret. Returns the credential when it exists, is not expired, has one of `kinds`,
   * and (when `projectId` is given) belongs to that project; otherwise undefined. Never throws for a bad secret.
   */
  async verify(secret: string | undefined, expect: { kinds: readonly CredentialKind[]; projectId?: string }): Promise<VerifiedCredential | undefined> {
    if (!secret || secret.length > 512) return undefined;
    const digest = digestSecret(secret);
    const row = await this.#lookup(digest);
    if (!row || !digestsEqual(row.digest, digest)) return undefined;
    if (row.expires_at !== null && row.expires_at <= this.#clock.now()) return undefined;
    if (!expect.kinds.includes(row.kind as CredentialKind)) return undefined;
    if (expect.projectId !== undefined && row.project_id !== expect.projectId) return undefined;
    return { id: row.id, projectId: row.project_id, kind: row.kind as CredentialKind };
  }

  /** Like verify, but throws `unauthenticated`. */
  async require(secret: string | undefined, expect: { kinds: readonly CredentialKind[]; projectId?: string }): Promise<VerifiedCredential> {
    const c = await this.verify(secret, expect);
    if (!c) throw new MaruError('unauthenticated', 'invalid credentials');
    return c;
  }

  async #lookup(digest: string): Promise<CredentialRow | undefined> {
    const now = this.#clock.now();
    const hit = this.#cache.get(digest);
    if (hit && now - hit.at < this.#cacheTtlMs) return hit.row;
    const row = await repo.findByDigest(this.#store.db, digest);
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(digest, { row, at: now });
    return row;
  }

  list(projectId: string) {
    return repo.listCredentials(this.#store.db, projectId);
  }
}
