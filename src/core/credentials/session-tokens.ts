import { randomBytes, createSecretKey, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';
import type { Clock } from '../../platform/clock.ts';
import type { Store } from '../../platform/db/store.ts';
import type { Limits, LimitDecision } from '../../platform/limits/limits.port.ts';
import { MaruError, invalid } from '../errors.ts';
import type { RateDecision, RateLimiter } from '../limits/rate-limits.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import type { CredentialsService } from './credentials.service.ts';
import * as repo from './session-tokens.repository.ts';

/** How long a session token is valid (D9: one hour). */
export const SESSION_TOKEN_TTL_MS = 60 * 60 * 1000;

/**
 * Failed key-pair exchanges allowed per client (IP address) and window. Past it, every exchange from that client —
 * even one with correct keys — answers rate_limited until the window ends, so a key guesser is throttled without
 * spending any project's quota (D14: failed authentication consumes no quota).
 */
export const FAILED_EXCHANGE_LIMIT = { limit: 30, windowMs: 60_000 } as const;

/** Name of the stored signing key in `server_secrets` when MARU_TOKEN_SECRET is not configured. */
export const SIGNING_KEY_NAME = 'session-token-signing-key';

const ISSUER = 'maru';
const TOKEN_TYPE = 'maru-session+jwt';
const MAX_TOKEN_LENGTH = 4096;

/** What a valid session token says. */
export interface Session {
  projectId: string;
  /** The access-key credential the token was exchanged for (rate limits per client count against it). */
  credentialId: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface IssuedSession extends Session {
  token: string;
  /** The project's token-exchange quota after this exchange (for X-RateLimit-* headers). */
  rate: RateDecision;
}

/** `details` of a rate_limited error thrown here, so a face can render X-RateLimit-* headers. */
export interface RateLimitDetails {
  limit: number;
  remaining: number;
  resetAt: number;
}

/**
 * Session tokens: a project's access key and secret key are exchanged for a short-lived signed token (D9), which
 * then authenticates data requests. Tokens are JWTs (HS256) carrying the project id (`sub`) and the access-key
 * credential id (`cid`), valid SESSION_TOKEN_TTL_MS from issue (`exp` rounded up to the second).
 *
 * Signing key: the configured secret (MARU_TOKEN_SECRET), or else a random key generated on first use and stored in
 * the database (`server_secrets`), so restarts and every process sharing the database accept each other's tokens.
 * Tokens are not revocable one by one: changing the key ends every outstanding token.
 */
export class SessionTokenService {
  #store: Store;
  #clock: Clock;
  #credentials: CredentialsService;
  #projects: ProjectsService;
  #rateLimiter: RateLimiter;
  #limits: Limits;
  #configuredSecret: string | undefined;
  #failedLimit: { limit: number; windowMs: number };
  /** Imported once: jose would import a raw byte key again on every sign and verify. */
  #key: Promise<KeyObject> | undefined;

  constructor(deps: {
    store: Store;
    clock: Clock;
    credentials: CredentialsService;
    projects: ProjectsService;
    rateLimiter: RateLimiter;
    limits: Limits;
    /** MARU_TOKEN_SECRET; undefined: generate and store one. */
    secret?: string;
    failedExchangeLimit?: { limit: number; windowMs: number };
  }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#credentials = deps.credentials;
    this.#projects = deps.projects;
    this.#rateLimiter = deps.rateLimiter;
    this.#limits = deps.limits;
    this.#configuredSecret = deps.secret || undefined;
    this.#failedLimit = deps.failedExchangeLimit ?? FAILED_EXCHANGE_LIMIT;
  }

  /**
   * Exchanges an access key and a secret key of the same project for a session token.
   * Order: the client's failure budget (rate_limited when spent), field checks (invalid_input naming the field),
   * both keys (unauthenticated, counted against the client's failure budget only), then the project's
   * `auth_requests` quota (rate_limited), then the token.
   * `client` identifies the caller for the failure budget (the face passes the client IP).
   */
  async exchange(input: { accessKey: unknown; secretKey: unknown; client: string; fields?: { accessKey: string; secretKey: string } }): Promise<IssuedSession> {
    const fields = input.fields ?? { accessKey: 'accessKey', secretKey: 'secretKey' };
    const failureKey = `rl:failed_exchange:${input.client}`;
    // Peek: cost 0 against limit-1 is refused exactly when `limit` failures are already counted (limits port contract).
    const budget = await this.#limits.consume({ key: failureKey, limit: this.#failedLimit.limit - 1, windowMs: this.#failedLimit.windowMs, cost: 0 });
    if (!budget.allowed)
      throw this.#rateLimited('too many failed authentication attempts from this client', { ...budget, limit: this.#failedLimit.limit, remaining: 0 });

    for (const [name, value] of [
      [fields.accessKey, input.accessKey],
      [fields.secretKey, input.secretKey],
    ] as const) {
      if (typeof value !== 'string' || value.length === 0) throw invalid(name, `${name} is required and must be a string`);
    }
    const access = await this.#credentials.verify(input.accessKey as string, { kinds: ['access-key'] });
    const secret = await this.#credentials.verify(input.secretKey as string, { kinds: ['secret-key'] });
    const project = access?.projectId ? await this.#projects.find(access.projectId) : undefined;
    if (!access || !secret || !project || access.projectId !== secret.projectId) {
      await this.#limits.consume({ key: failureKey, limit: this.#failedLimit.limit, windowMs: this.#failedLimit.windowMs });
      throw new MaruError('unauthenticated', 'Invalid access key or secret key');
    }

    const rate = await this.#rateLimiter.check({ project, policy: 'auth_requests' });
    if (!rate.allowed) throw this.#rateLimited('token requests limit exceeded for this project', rate);
    const { token, expiresAt } = await this.issue({ projectId: project.id, credentialId: access.id });
    return { token, expiresAt, projectId: project.id, credentialId: access.id, rate };
  }

  /** Signs a token for a project and credential (no checks: callers have authenticated). */
  async issue(input: { projectId: string; credentialId: string }): Promise<{ token: string; expiresAt: number }> {
    const now = this.#clock.now();
    const exp = Math.ceil((now + SESSION_TOKEN_TTL_MS) / 1000);
    const token = await new SignJWT({ cid: input.credentialId })
      .setProtectedHeader({ alg: 'HS256', typ: TOKEN_TYPE })
      .setIssuer(ISSUER)
      .setSubject(input.projectId)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(exp)
      .setJti(randomBytes(9).toString('base64url'))
      .sign(await this.#signingKey());
    return { token, expiresAt: exp * 1000 };
  }

  /** Checks a presented token (signature, type, issuer, expiry by the injected clock). Throws unauthenticated. */
  async verify(token: string | undefined): Promise<Session> {
    const fail = () => new MaruError('unauthenticated', 'Invalid token');
    if (!token || token.length > MAX_TOKEN_LENGTH) throw fail();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await this.#signingKey(), {
        algorithms: ['HS256'],
        issuer: ISSUER,
        typ: TOKEN_TYPE,
        currentDate: new Date(this.#clock.now()),
        requiredClaims: ['exp', 'sub'],
      }));
    } catch {
      throw fail();
    }
    if (typeof payload.sub !== 'string' || typeof payload.cid !== 'string' || typeof payload.exp !== 'number') throw fail();
    return { projectId: payload.sub, credentialId: payload.cid, expiresAt: payload.exp * 1000 };
  }

  #rateLimited(message: string, d: LimitDecision): MaruError {
    const details: RateLimitDetails = { limit: d.limit, remaining: d.remaining, resetAt: d.resetAt };
    return new MaruError('rate_limited', message, { retryAfterMs: Math.max(0, d.resetAt - this.#clock.now()), details: { ...details } });
  }

  #signingKey(): Promise<KeyObject> {
    this.#key ??= this.#loadKey()
      .then((bytes) => createSecretKey(bytes))
      .catch((e: unknown) => {
        this.#key = undefined;
        throw e;
      });
    return this.#key;
  }

  async #loadKey(): Promise<Uint8Array> {
    if (this.#configuredSecret) return new TextEncoder().encode(this.#configuredSecret);
    let stored = await repo.findServerSecret(this.#store.db, SIGNING_KEY_NAME);
    if (!stored) {
      const fresh = randomBytes(32).toString('base64url');
      stored = await this.#store.write(async (tx) => {
        await repo.insertServerSecretIfAbsent(tx, { name: SIGNING_KEY_NAME, value: fresh, created_at: this.#clock.now() });
        return (await repo.findServerSecret(tx, SIGNING_KEY_NAME)) ?? fresh;
      });
    }
    return Buffer.from(stored, 'base64url');
  }
}
