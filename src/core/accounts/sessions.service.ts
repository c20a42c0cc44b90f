import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import type { Store } from '../../platform/db/store.ts';
import type { Limits } from '../../platform/limits/limits.port.ts';
import { MaruError } from '../errors.ts';
import * as repo from './accounts.repository.ts';
import type { ConsoleUser, UsersService } from './users.service.ts';
import type { Principal } from './roles.ts';

/** Sign-in attempts allowed per account (email as typed, lower-cased) per window, and per client address. */
export const SIGN_IN_LIMITS = { perAccount: 10, perAddress: 50, windowMs: 15 * 60_000 } as const;

/** A session's last-seen time is written at most this often (an idle expiry of minutes does not need more). */
const TOUCH_EVERY_MS = 60_000;

export interface SessionInfo {
  user: ConsoleUser;
  principal: Principal;
  csrfToken: string;
  /** The earlier of the idle and the absolute expiry, as of now. */
  expiresAt: number;
}

const digest = (id: string) => createHash('sha256').update(id, 'utf8').digest('hex');
/** The CSRF token of a session: derived from the session id, so it needs no storage and dies with the session. */
const csrfOf = (id: string) => createHmac('sha256', id).update('maru-console-csrf').digest('base64url');

/**
 * Console sessions (docs/console.md "Sessions"): a random 256-bit id in the cookie, only its SHA-256 digest in the
 * database (shared by every API node), an idle expiry and an absolute one, sign-out. Sign-in is throttled per account
 * and per client address through the limits port (shared through Redis in scale mode), counting every attempt.
 */
export class ConsoleSessionsService {
  #store: Store;
  #clock: Clock;
  #limits: Limits;
  #users: UsersService;
  #idleMs: number;
  #maxAgeMs: number;
  #lastSweep = 0;

  constructor(deps: { store: Store; clock: Clock; limits: Limits; users: UsersService; idleSeconds: number; maxAgeSeconds: number }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#limits = deps.limits;
    this.#users = deps.users;
    this.#idleMs = deps.idleSeconds * 1000;
    this.#maxAgeMs = deps.maxAgeSeconds * 1000;
  }

  get maxAgeMs() {
    return this.#maxAgeMs;
  }

  /**
   * Signs in: 429 `rate_limited` when the account's or the address's attempts are used up (same for every email),
   * 401 `invalid_credentials` for an unknown email or a wrong password alike; otherwise a new session.
   */
  async signIn(input: { email: unknown; password: unknown; address: string; userAgent?: string }): Promise<{ sessionId: string; info: SessionInfo }> {
    const account = typeof input.email === 'string' ? input.email.trim().toLowerCase().slice(0, 254) : '';
    const w = SIGN_IN_LIMITS.windowMs;
    const byAddress = await this.#limits.consume({ key: `signin:addr:${input.address}`, limit: SIGN_IN_LIMITS.perAddress, windowMs: w });
    const byAccount = byAddress.allowed
      ? await this.#limits.consume({ key: `signin:acct:${digest(account)}`, limit: SIGN_IN_LIMITS.perAccount, windowMs: w })
      : byAddress;
    if (!byAddress.allowed || !byAccount.allowed) {
      throw new MaruError('rate_limited', 'too many sign-in attempts; try again later', {
        retryAfterMs: Math.max(byAddress.retryAfterMs, byAccount.retryAfterMs),
      });
    }
    const user = await this.#users.authenticate(input.email, input.password);
    if (!user) throw new MaruError('invalid_credentials', 'wrong email or password');
    return this.create(user.id, { address: input.address, userAgent: input.userAgent });
  }

  async create(userId: string, meta: { address?: string; userAgent?: string } = {}): Promise<{ sessionId: string; info: SessionInfo }> {
    const now = this.#clock.now();
    const sessionId = randomBytes(32).toString('base64url');
    await this.#store.write(async (tx) => {
      if (now - this.#lastSweep > 10 * 60_000) {
        this.#lastSweep = now;
        await repo.deleteExpiredSessions(tx, now, now - this.#idleMs);
      }
      await repo.insertSession(tx, {
        id_digest: digest(sessionId),
        user_id: userId,
        created_at: now,
        last_seen_at: now,
        expires_at: now + this.#maxAgeMs,
        address: meta.address?.slice(0, 100) ?? null,
        user_agent: meta.userAgent?.slice(0, 300) ?? null,
      });
    });
    const info = await this.resolve(sessionId);
    if (!info) throw new MaruError('internal', 'session vanished right after sign-in');
    return { sessionId, info };
  }

  /** The session behind a cookie value, or undefined when there is none or it expired (an expired row is removed). */
  async resolve(sessionId: string | undefined): Promise<SessionInfo | undefined> {
    if (!sessionId || sessionId.length > 100) return undefined;
    const d = digest(sessionId);
    const row = await repo.findSession(this.#store.db, d);
    if (!row) return undefined;
    const now = this.#clock.now();
    if (row.expires_at <= now || row.last_seen_at + this.#idleMs <= now) {
      await this.#store.write((tx) => repo.deleteSession(tx, d));
      return undefined;
    }
    const principal = await this.#users.principal(row.user_id);
    if (!principal || principal.type !== 'user') return undefined;
    if (now - row.last_seen_at >= TOUCH_EVERY_MS) await this.#store.write((tx) => repo.touchSession(tx, d, now));
    const lastSeen = now - row.last_seen_at >= TOUCH_EVERY_MS ? now : row.last_seen_at;
    return { user: await this.#users.get(row.user_id), principal, csrfToken: csrfOf(sessionId), expiresAt: Math.min(row.expires_at, lastSeen + this.#idleMs) };
  }

  /** Constant-time check of the X-CSRF-Token header against the session's token. */
  csrfValid(sessionId: string, presented: string | undefined): boolean {
    if (!presented) return false;
    const a = Buffer.from(csrfOf(sessionId));
    const b = Buffer.from(presented);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  async signOut(sessionId: string | undefined): Promise<void> {
    if (!sessionId || sessionId.length > 100) return;
    await this.#store.write((tx) => repo.deleteSession(tx, digest(sessionId)));
  }
}
