import { createHash } from 'node:crypto';
import { MaruError, invalid } from '../errors.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Store } from '../../platform/db/store.ts';
import * as repo from './idempotency.repository.ts';

const MAX_KEY_LENGTH = 200;
const KEY = new RegExp(`^[\\x21-\\x7e]{1,${MAX_KEY_LENGTH}}$`);

/**
 * An Idempotency-Key is 1–200 visible ASCII characters (a UUID, say): it is echoed in a response header
 * (X-Maru-Request-Id), which cannot carry other text, and stored as text on both stores (no NUL). Anything else is
 * refused naming the header, before anything is written.
 */
export function checkIdempotencyKey(key: string | undefined): void {
  if (key !== undefined && !KEY.test(key)) throw invalid('Idempotency-Key', `the Idempotency-Key header must be 1-${MAX_KEY_LENGTH} visible ASCII characters`);
}

/** How long a key is remembered (Stripe's rule: 24 hours). Past it, the key may be used again for anything. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * Idempotency-Key rule of the API sends (Stripe's, and the IETF Idempotency-Key draft's): a key names one request to
 * one operation of one project.
 * - First use: the request runs; when it succeeds, the SHA-256 of its canonical body and its answer are stored.
 * - Same key, same body (a retry): the stored answer is returned and nothing runs again.
 * - Same key, another body: refused with `idempotency_key_reused` (422), naming the key; nothing runs.
 * A request that is refused (any error) stores nothing, so it may be corrected and sent again with the same key.
 * The key is claimed before the request runs, so two concurrent requests with one key and different bodies cannot
 * both run; one with the same body that finds the claim unanswered runs too (the sends it guards are idempotent by
 * their delivery keys, so this records nothing twice). Keys are kept for IDEMPOTENCY_RETENTION_MS.
 */
export class IdempotencyService {
  #store: Store;
  #clock: Clock;

  constructor(deps: { store: Store; clock: Clock }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
  }

  async once<T>(input: { projectId: string; operation: string; key: string | undefined; body: unknown }, run: () => Promise<T>): Promise<T> {
    if (input.key === undefined) return run();
    checkIdempotencyKey(input.key);
    const { projectId, operation, key } = input;
    const digest = bodyDigest(input.body);
    const now = this.#clock.now();
    const row = await this.#store.write(async (tx) => {
      await repo.pruneKeys(tx, projectId, now - IDEMPOTENCY_RETENTION_MS);
      return repo.claimKey(tx, projectId, { operation, key, digest, now });
    });
    if (row.body_digest !== digest) {
      throw new MaruError(
        'idempotency_key_reused',
        `Idempotency-Key ${JSON.stringify(key)} was already used with another request body; use a new key for a new request`,
        { field: 'Idempotency-Key' },
      );
    }
    if (row.result !== null) return JSON.parse(row.result) as T;
    let result: T;
    try {
      result = await run();
    } catch (e) {
      // Refused or failed: forget the claim (unless another request with this body has answered meanwhile). If even
      // that fails (the store is down), the unanswered claim stays: a retry with this body runs again, which is safe.
      await this.#store.write((tx) => repo.releaseKey(tx, projectId, { operation, key })).catch(() => undefined);
      throw e;
    }
    const stored = JSON.stringify(result);
    await this.#store.write((tx) => repo.answerKey(tx, projectId, { operation, key, digest, now, result: stored }));
    return result;
  }
}

/** SHA-256 (hex) of the canonical JSON of a value: object keys sorted at every level, `undefined` members dropped. */
export function bodyDigest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}
