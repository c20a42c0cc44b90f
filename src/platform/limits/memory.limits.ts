import type { Clock } from '../clock.ts';
import { systemClock } from '../clock.ts';
import type { ConcurrencySlot, LimitDecision, Limits } from './limits.port.ts';

/** In-process limits: exact on one node. */
export class MemoryLimits implements Limits {
  #clock: Clock;
  #windows = new Map<string, { start: number; used: number; expiresAt: number }>();
  #slots = new Map<string, Map<number, number>>();
  #nextSlot = 1;
  #sweepAt = 0;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  async consume(input: { key: string; limit: number; windowMs: number; cost?: number }): Promise<LimitDecision> {
    const now = this.#clock.now();
    this.#sweep(now);
    const cost = input.cost ?? 1;
    const start = Math.floor(now / input.windowMs) * input.windowMs;
    const resetAt = start + input.windowMs;
    let w = this.#windows.get(input.key);
    if (!w || w.start !== start) {
      w = { start, used: 0, expiresAt: resetAt };
      this.#windows.set(input.key, w);
    }
    if (w.used + cost > input.limit) {
      return { allowed: false, limit: input.limit, remaining: Math.max(0, input.limit - w.used), resetAt, retryAfterMs: resetAt - now };
    }
    w.used += cost;
    return { allowed: true, limit: input.limit, remaining: input.limit - w.used, resetAt, retryAfterMs: 0 };
  }

  async acquire(input: { key: string; max: number; ttlMs: number }): Promise<ConcurrencySlot> {
    const now = this.#clock.now();
    const held = this.#slots.get(input.key) ?? new Map<number, number>();
    for (const [id, expiresAt] of held) if (expiresAt <= now) held.delete(id);
    this.#slots.set(input.key, held);
    if (held.size >= input.max) return { ok: false, held: held.size, release: async () => {} };
    const id = this.#nextSlot++;
    held.set(id, now + input.ttlMs);
    return {
      ok: true,
      held: held.size,
      release: async () => {
        held.delete(id);
        if (held.size === 0) this.#slots.delete(input.key);
      },
    };
  }

  #sweep(now: number) {
    if (now < this.#sweepAt) return;
    this.#sweepAt = now + 60_000;
    for (const [k, w] of this.#windows) if (w.expiresAt <= now) this.#windows.delete(k);
  }

  async close(): Promise<void> {
    this.#windows.clear();
    this.#slots.clear();
  }
}
