import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/platform/clock.ts';
import type { Limits } from '../../src/platform/limits/limits.port.ts';

/**
 * The limits port's contract (src/platform/limits/limits.port.ts). Every adapter runs it unchanged:
 *
 *   describeLimitsContract('memory', async (clock) => ({ limits: new MemoryLimits(clock), cleanup }))
 *
 * The adapter must take its time from the given clock (a ManualClock), so windows and TTLs are tested without sleeping.
 */
export interface LimitsUnderTest {
  limits: Limits;
  cleanup(): Promise<void>;
}

const MINUTE = 60_000;
// Aligned to a minute boundary, so the window arithmetic below is exact.
const START = Date.UTC(2025, 0, 6, 1, 0, 0);

export function describeLimitsContract(name: string, makeLimits: (clock: ManualClock) => Promise<LimitsUnderTest>) {
  describe(`limits contract: ${name}`, () => {
    let clock: ManualClock;
    let sut: LimitsUnderTest;
    let limits: Limits;
    let n = 0;
    // Keys are unique per test so adapters with shared state (Redis) do not see earlier tests.
    const key = (k: string) => `contract:${process.pid}:${Date.now()}:${n}:${k}`;

    beforeEach(async () => {
      n++;
      clock = new ManualClock(START);
      sut = await makeLimits(clock);
      limits = sut.limits;
    });
    afterEach(async () => {
      await sut.cleanup();
    });

    describe('consume', () => {
      test('counts down within a window and reports remaining, reset and retry-after', async () => {
        const k = key('basic');
        clock.set(START + 15_000);
        expect(await limits.consume({ key: k, limit: 3, windowMs: MINUTE })).toEqual({
          allowed: true,
          limit: 3,
          remaining: 2,
          resetAt: START + MINUTE,
          retryAfterMs: 0,
        });
        expect((await limits.consume({ key: k, limit: 3, windowMs: MINUTE })).remaining).toBe(1);
        expect((await limits.consume({ key: k, limit: 3, windowMs: MINUTE })).remaining).toBe(0);
        clock.set(START + 20_000);
        expect(await limits.consume({ key: k, limit: 3, windowMs: MINUTE })).toEqual({
          allowed: false,
          limit: 3,
          remaining: 0,
          resetAt: START + MINUTE,
          retryAfterMs: 40_000,
        });
      });

      test('is exact under concurrency: N concurrent calls against limit L allow exactly min(N, L)', async () => {
        const k = key('exact');
        const decisions = await Promise.all(Array.from({ length: 250 }, () => limits.consume({ key: k, limit: 100, windowMs: MINUTE })));
        expect(decisions.filter((d) => d.allowed)).toHaveLength(100);
        expect(decisions.filter((d) => !d.allowed)).toHaveLength(150);
        // The remaining counts of the allowed calls are exactly 99..0, each once.
        expect(
          decisions
            .filter((d) => d.allowed)
            .map((d) => d.remaining)
            .sort((a, b) => a - b),
        ).toEqual(Array.from({ length: 100 }, (_, i) => i));

        const k2 = key('under');
        const fewer = await Promise.all(Array.from({ length: 40 }, () => limits.consume({ key: k2, limit: 100, windowMs: MINUTE })));
        expect(fewer.every((d) => d.allowed)).toBe(true);
        expect(Math.min(...fewer.map((d) => d.remaining))).toBe(60);
      });

      test('a cost is taken all or nothing', async () => {
        const k = key('cost');
        expect(await limits.consume({ key: k, limit: 100, windowMs: MINUTE, cost: 60 })).toMatchObject({ allowed: true, remaining: 40 });
        // 50 does not fit in the 40 left: nothing is taken.
        expect(await limits.consume({ key: k, limit: 100, windowMs: MINUTE, cost: 50 })).toMatchObject({ allowed: false, remaining: 40 });
        expect(await limits.consume({ key: k, limit: 100, windowMs: MINUTE, cost: 40 })).toMatchObject({ allowed: true, remaining: 0 });
        expect(await limits.consume({ key: k, limit: 100, windowMs: MINUTE, cost: 1 })).toMatchObject({ allowed: false, remaining: 0 });
        // A cost larger than the whole limit never passes, even in a fresh window.
        expect(await limits.consume({ key: key('huge'), limit: 100, windowMs: MINUTE, cost: 101 })).toMatchObject({ allowed: false, remaining: 100 });
      });

      test('concurrent costs are exact too: the allowed ones add up to at most the limit', async () => {
        const k = key('costs');
        const decisions = await Promise.all(Array.from({ length: 30 }, () => limits.consume({ key: k, limit: 100, windowMs: MINUTE, cost: 7 })));
        expect(decisions.filter((d) => d.allowed)).toHaveLength(14); // 14 × 7 = 98
        expect((await limits.consume({ key: k, limit: 100, windowMs: MINUTE, cost: 2 })).allowed).toBe(true);
        expect((await limits.consume({ key: k, limit: 100, windowMs: MINUTE, cost: 1 })).allowed).toBe(false);
      });

      test('windows are aligned to multiples of windowMs and reset when the window ends', async () => {
        const k = key('window');
        clock.set(START + MINUTE - 1);
        expect((await limits.consume({ key: k, limit: 2, windowMs: MINUTE })).resetAt).toBe(START + MINUTE);
        expect((await limits.consume({ key: k, limit: 2, windowMs: MINUTE })).allowed).toBe(true);
        expect(await limits.consume({ key: k, limit: 2, windowMs: MINUTE })).toMatchObject({ allowed: false, retryAfterMs: 1 });
        clock.set(START + MINUTE);
        expect(await limits.consume({ key: k, limit: 2, windowMs: MINUTE })).toEqual({
          allowed: true,
          limit: 2,
          remaining: 1,
          resetAt: START + 2 * MINUTE,
          retryAfterMs: 0,
        });
        // An hour window: reset at the top of the next hour.
        clock.set(Date.UTC(2025, 0, 6, 1, 59, 0));
        expect((await limits.consume({ key: key('hour'), limit: 5, windowMs: 3_600_000 })).resetAt).toBe(Date.UTC(2025, 0, 6, 2, 0, 0));
      });

      test('keys do not interfere', async () => {
        const a = key('a');
        const b = key('b');
        expect((await limits.consume({ key: a, limit: 1, windowMs: MINUTE })).allowed).toBe(true);
        expect((await limits.consume({ key: a, limit: 1, windowMs: MINUTE })).allowed).toBe(false);
        expect((await limits.consume({ key: b, limit: 1, windowMs: MINUTE })).allowed).toBe(true);
      });
    });

    describe('acquire (concurrency slots)', () => {
      test('at most `max` slots are held at once; a refused acquire holds nothing', async () => {
        const k = key('slots');
        const slots = await Promise.all(Array.from({ length: 8 }, () => limits.acquire({ key: k, max: 5, ttlMs: MINUTE })));
        expect(slots.filter((s) => s.ok)).toHaveLength(5);
        expect(
          slots
            .filter((s) => s.ok)
            .map((s) => s.held)
            .sort(),
        ).toEqual([1, 2, 3, 4, 5]);
        const refused = slots.filter((s) => !s.ok);
        expect(refused.map((s) => s.held)).toEqual([5, 5, 5]);
        await refused[0].release(); // releasing a refused slot frees nothing
        expect((await limits.acquire({ key: k, max: 5, ttlMs: MINUTE })).ok).toBe(false);
      });

      test('release frees a slot, and is idempotent', async () => {
        const k = key('release');
        const a = await limits.acquire({ key: k, max: 2, ttlMs: MINUTE });
        const b = await limits.acquire({ key: k, max: 2, ttlMs: MINUTE });
        expect([a.ok, b.ok]).toEqual([true, true]);
        expect((await limits.acquire({ key: k, max: 2, ttlMs: MINUTE })).ok).toBe(false);
        await a.release();
        await a.release(); // a second release must not free b's slot
        const c = await limits.acquire({ key: k, max: 2, ttlMs: MINUTE });
        expect(c).toMatchObject({ ok: true, held: 2 });
        expect((await limits.acquire({ key: k, max: 2, ttlMs: MINUTE })).ok).toBe(false);
        await b.release();
        await c.release();
        const d = await limits.acquire({ key: k, max: 2, ttlMs: MINUTE });
        expect(d).toMatchObject({ ok: true, held: 1 });
      });

      test('a slot that is never released expires after its ttl', async () => {
        const k = key('ttl');
        expect((await limits.acquire({ key: k, max: 1, ttlMs: 30_000 })).ok).toBe(true);
        clock.advance(29_999);
        expect((await limits.acquire({ key: k, max: 1, ttlMs: 30_000 })).ok).toBe(false);
        clock.advance(1);
        expect(await limits.acquire({ key: k, max: 1, ttlMs: 30_000 })).toMatchObject({ ok: true, held: 1 });
      });

      test('slots of different keys do not interfere', async () => {
        expect((await limits.acquire({ key: key('x'), max: 1, ttlMs: MINUTE })).ok).toBe(true);
        expect((await limits.acquire({ key: key('y'), max: 1, ttlMs: MINUTE })).ok).toBe(true);
      });
    });
  });
}
