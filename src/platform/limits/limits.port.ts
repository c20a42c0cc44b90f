/**
 * The limits port: exact counting of quotas and concurrency slots.
 *
 * Behaviour every adapter keeps (proven by test/contract/limits.contract.ts):
 * - `consume` counts in fixed windows aligned to multiples of `windowMs` since the epoch. It either takes all of
 *   `cost` from the key's window and answers allowed, or takes nothing and answers not allowed. Counting is exact:
 *   N concurrent calls against a limit L allow exactly min(N, L) (for cost 1), across every process sharing the adapter.
 * - `remaining` is what is left after this call; `resetAt` is when the window ends (epoch ms);
 *   `retryAfterMs` is 0 when allowed, otherwise the time until the window ends.
 * - `acquire` takes one of `max` concurrency slots for a key, held until `release()` or until `ttlMs` passes
 *   (so a crashed holder cannot keep a slot forever). `release()` is idempotent.
 * - Keys from different callers never interfere; every stored key expires by itself.
 */
export interface LimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetAt: number;
  retryAfterMs: number;
}

export interface ConcurrencySlot {
  ok: boolean;
  /** How many slots are held, including this one when ok. */
  held: number;
  release(): Promise<void>;
}

export interface Limits {
  consume(input: { key: string; limit: number; windowMs: number; cost?: number }): Promise<LimitDecision>;
  acquire(input: { key: string; max: number; ttlMs: number }): Promise<ConcurrencySlot>;
  close(): Promise<void>;
}
