import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Counter } from 'prom-client';
import type { Clock } from '../clock.ts';
import { systemClock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { ConcurrencySlot, LimitDecision, Limits } from './limits.port.ts';
import { MemoryLimits } from './memory.limits.ts';

/**
 * Fixed window: take `cost` only if it fits, in one atomic step, and give the key an expiry in the same step
 * (so no window key ever lives without one). Returns {allowed 0|1, used after the call}.
 */
const CONSUME = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local limit = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
if used + cost > limit then return {0, used} end
used = redis.call('INCRBY', KEYS[1], cost)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, used}
`;

/**
 * Concurrency slots: a sorted set of slot ids scored by their expiry time. Expired slots are dropped, then a slot is
 * taken if fewer than `max` are held. The set's own expiry is pushed out to cover its longest-lived slot.
 * Returns {ok 0|1, held}.
 */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local held = redis.call('ZCARD', KEYS[1])
if held >= tonumber(ARGV[2]) then return {0, held} end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[5]) then redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
return {1, held + 1}
`;

interface Scripts {
  maruConsume(key: string, limit: number, cost: number, ttlMs: number): Promise<[number, number]>;
  maruAcquire(key: string, now: number, max: number, expiresAt: number, id: string, keyTtlMs: number): Promise<[number, number]>;
}

export interface RedisLimitsOptions {
  url: string;
  /** Prefix of every key (MARU_REDIS_PREFIX). */
  prefix?: string;
  clock?: Clock;
  log?: Logger;
  /** Counts decisions taken without Redis (maru_limits_fallback_total). */
  fallbackCounter?: Counter<'operation'>;
  /** A command not answered within this is treated as Redis being unreachable (ms). */
  commandTimeoutMs?: number;
  /** Extra life given to keys beyond their window or slot ttl, so clocks a little apart still agree (ms). */
  graceMs?: number;
}

/**
 * Limits shared by every process through Redis: exact across processes (each decision is one Lua script, executed
 * atomically by Redis); every key has an expiry.
 *
 * Windows are computed from the injected clock, like MemoryLimits: `floor(now / windowMs)` names the key, and the key
 * expires `resetAt - now + grace` after its last use (a relative expiry, so a test clock and Redis's clock need not
 * agree). Processes whose clocks differ by d may count a few requests in the neighbouring window for d ms around a
 * boundary; keep clocks synchronised (NTP).
 *
 * Redis unreachable (not connected, or no answer within `commandTimeoutMs`): decisions fall back to an in-process
 * MemoryLimits — fail open, per process — with a warning in the log (once per outage) and
 * `maru_limits_fallback_total` counting them. Ingest keeps working and stays limited per process; the shared limit
 * can be exceeded by up to the number of API processes while Redis is down. See docs/deployment.md.
 */
export class RedisLimits implements Limits {
  #redis: Redis & Scripts;
  #prefix: string;
  #clock: Clock;
  #log: Logger | undefined;
  #fallback: MemoryLimits;
  #counter: Counter<'operation'> | undefined;
  #graceMs: number;
  #degraded = false;

  constructor(options: RedisLimitsOptions) {
    this.#prefix = `${options.prefix ?? 'maru'}:limits:`;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log;
    this.#counter = options.fallbackCounter;
    this.#graceMs = options.graceMs ?? 1000;
    this.#fallback = new MemoryLimits(this.#clock);
    this.#redis = new Redis(options.url, {
      // Fail fast instead of queueing commands while disconnected: a rate-limit check must not hold a request.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 500,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(times * 200, 2000),
      lazyConnect: false,
      scripts: {
        maruConsume: { lua: CONSUME, numberOfKeys: 1 },
        maruAcquire: { lua: ACQUIRE, numberOfKeys: 1 },
      },
    }) as Redis & Scripts;
    // Connection errors are reported through the fallback path; without a listener ioredis would log them raw.
    this.#redis.on('error', () => {});
    this.#redis.on('ready', () => {
      if (this.#degraded) {
        this.#degraded = false;
        this.#log?.warn('redis reachable again: rate limits are shared across processes');
      }
    });
  }

  async consume(input: { key: string; limit: number; windowMs: number; cost?: number }): Promise<LimitDecision> {
    const now = this.#clock.now();
    const cost = input.cost ?? 1;
    const start = Math.floor(now / input.windowMs) * input.windowMs;
    const resetAt = start + input.windowMs;
    let reply: [number, number];
    try {
      reply = await this.#redis.maruConsume(`${this.#prefix}w:${input.key}:${start}`, input.limit, cost, resetAt - now + this.#graceMs);
    } catch (err) {
      this.#degrade('consume', err);
      return this.#fallback.consume(input);
    }
    const [allowed, used] = reply.map(Number);
    if (allowed === 1) return { allowed: true, limit: input.limit, remaining: input.limit - used, resetAt, retryAfterMs: 0 };
    return { allowed: false, limit: input.limit, remaining: Math.max(0, input.limit - used), resetAt, retryAfterMs: resetAt - now };
  }

  async acquire(input: { key: string; max: number; ttlMs: number }): Promise<ConcurrencySlot> {
    const now = this.#clock.now();
    const key = `${this.#prefix}s:${input.key}`;
    const id = randomUUID();
    let reply: [number, number];
    try {
      reply = await this.#redis.maruAcquire(key, now, input.max, now + input.ttlMs, id, input.ttlMs + this.#graceMs);
    } catch (err) {
      this.#degrade('acquire', err);
      return this.#fallback.acquire(input);
    }
    const [ok, held] = reply.map(Number);
    if (ok !== 1) return { ok: false, held, release: async () => {} };
    let released = false;
    return {
      ok: true,
      held,
      release: async () => {
        if (released) return;
        released = true;
        try {
          await this.#redis.zrem(key, id);
        } catch (err) {
          // The slot expires with its ttl.
          this.#degrade('release', err);
        }
      },
    };
  }

  #degrade(operation: string, err: unknown) {
    this.#counter?.inc({ operation });
    if (!this.#degraded) {
      this.#degraded = true;
      this.#log?.warn({ err }, 'redis unreachable: rate limits fall back to this process alone until it is back');
    }
  }

  /** Waits until Redis answers, or `timeoutMs` passes (then decisions use the fallback until it does). */
  async connect(timeoutMs = 5000): Promise<boolean> {
    if (this.#redis.status === 'ready') return true;
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.#redis.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#redis.on('ready', onReady);
    });
  }

  /** True while decisions are being taken without Redis. */
  get degraded(): boolean {
    return this.#degraded;
  }

  async close(): Promise<void> {
    await this.#fallback.close();
    this.#redis.disconnect();
  }
}

/** Builds the Redis limits for a process, with its fallback counter on the process's metrics registry. */
export async function openRedisLimits(input: {
  url: string;
  prefix: string;
  clock: Clock;
  log: Logger;
  registry: import('prom-client').Registry;
}): Promise<RedisLimits> {
  const { Counter: PromCounter } = await import('prom-client');
  const fallbackCounter = new PromCounter({
    name: 'maru_limits_fallback_total',
    help: 'Rate-limit decisions taken in this process alone because Redis was unreachable, by operation',
    labelNames: ['operation'] as const,
    registers: [input.registry],
  });
  const limits = new RedisLimits({ url: input.url, prefix: input.prefix, clock: input.clock, log: input.log, fallbackCounter });
  if (!(await limits.connect(5000))) input.log.warn('redis is not reachable at start-up: rate limits are per process until it is');
  return limits;
}
