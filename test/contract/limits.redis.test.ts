import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Redis } from 'ioredis';
import { Counter, Registry } from 'prom-client';
import { pino } from 'pino';
import { ManualClock } from '../../src/platform/clock.ts';
import { RedisLimits } from '../../src/platform/limits/redis.limits.ts';
import { describeLimitsContract } from './limits.contract.ts';
import { TEST_REDIS_URL, deleteRedisKeys, startTcpProxy, testRedisPrefix } from '../helpers/scale.ts';

// Runs when MARU_TEST_REDIS_URL is set (.ci/scale.sh). Every run uses its own key prefix and deletes it afterwards.
describe.skipIf(!TEST_REDIS_URL)('redis limits', () => {
  const prefix = testRedisPrefix();
  const url = TEST_REDIS_URL!;
  let raw: Redis;
  beforeAll(() => {
    raw = new Redis(url);
  });
  afterAll(async () => {
    await deleteRedisKeys(url, prefix);
    raw.disconnect();
  });

  describeLimitsContract('redis', async (clock) => {
    const limits = new RedisLimits({ url, prefix, clock });
    await limits.connect();
    return { limits, cleanup: () => limits.close() };
  });

  describe('across processes and in Redis itself', () => {
    const opened: RedisLimits[] = [];
    const open = async (options: Partial<ConstructorParameters<typeof RedisLimits>[0]> = {}) => {
      const l = new RedisLimits({ url, prefix, ...options });
      opened.push(l);
      await l.connect(2000);
      return l;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((l) => l.close()));
    });

    test('several instances (processes) share one exact count', async () => {
      const clock = new ManualClock();
      const nodes = await Promise.all([open({ clock }), open({ clock }), open({ clock })]);
      const decisions = await Promise.all(Array.from({ length: 300 }, (_, i) => nodes[i % 3].consume({ key: 'shared', limit: 120, windowMs: 60_000 })));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(120);
      const slots = await Promise.all(Array.from({ length: 9 }, (_, i) => nodes[i % 3].acquire({ key: 'export', max: 4, ttlMs: 60_000 })));
      expect(slots.filter((s) => s.ok)).toHaveLength(4);
    });

    test('every key it stores has an expiry no longer than its window or slot ttl (plus grace)', async () => {
      const clock = new ManualClock(Date.UTC(2025, 0, 6, 1, 0, 30));
      const limits = await open({ clock, graceMs: 1000 });
      await limits.consume({ key: 'ttl-check', limit: 10, windowMs: 60_000 });
      await limits.acquire({ key: 'ttl-check', max: 2, ttlMs: 5000 });
      const keys = await raw.keys(`${prefix}:limits:*ttl-check*`);
      expect(keys).toHaveLength(2);
      for (const k of keys) {
        const ttl = await raw.pttl(k);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(k.includes(':w:') ? 31_000 : 6000);
      }
    });

    test('Redis unreachable: decisions fall back to this process (fail open, still limited), counted and logged; shared again when it returns', async () => {
      const target = new URL(url);
      const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
      const registry = new Registry();
      const counter = new Counter({ name: 'maru_limits_fallback_total', help: 'x', labelNames: ['operation'] as const, registers: [registry] });
      const lines: string[] = [];
      const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
      const clock = new ManualClock();
      const limits = await open({ url: proxy.url('redis'), clock, log, fallbackCounter: counter, commandTimeoutMs: 300 });
      const other = await open({ clock });
      try {
        expect((await limits.consume({ key: 'outage', limit: 5, windowMs: 60_000 })).remaining).toBe(4);
        proxy.cut();
        const during = [];
        for (let i = 0; i < 7; i++) during.push(await limits.consume({ key: 'outage', limit: 5, windowMs: 60_000 }));
        // Local counting starts from zero: 5 allowed, then refused — never unlimited.
        expect(during.map((d) => d.allowed)).toEqual([true, true, true, true, true, false, false]);
        const slot = await limits.acquire({ key: 'outage', max: 1, ttlMs: 60_000 });
        expect(slot.ok).toBe(true);
        expect((await limits.acquire({ key: 'outage', max: 1, ttlMs: 60_000 })).ok).toBe(false);
        await slot.release();
        expect(limits.degraded).toBe(true);
        expect((await counter.get()).values.reduce((n, v) => n + v.value, 0)).toBe(9); // 7 consume + 2 acquire
        expect(lines.filter((l) => l.includes('redis unreachable'))).toHaveLength(1);
        // The shared count was not touched while this process was cut off.
        expect((await other.consume({ key: 'outage', limit: 5, windowMs: 60_000 })).remaining).toBe(3);

        proxy.restore();
        expect(await limits.connect(5000)).toBe(true);
        expect((await limits.consume({ key: 'outage', limit: 5, windowMs: 60_000 })).remaining).toBe(2);
        expect(limits.degraded).toBe(false);
      } finally {
        await proxy.close();
      }
    });
  });
});
