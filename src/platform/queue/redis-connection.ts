import { Redis, type RedisOptions } from 'ioredis';
import { ConfigError } from '../config.ts';

/** ioredis options from a redis:// or rediss:// URL (host, port, credentials, database, TLS). */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname.replace(/^\//, '');
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** A Redis that may evict keys: a configuration error (the CLI prints it as one line and exits 2). */
export class RedisEvictionError extends ConfigError {}

/**
 * BullMQ needs Redis never to evict keys (an evicted job or lock silently loses a wake-up or runs a job twice), so
 * scale mode refuses to start unless `maxmemory-policy` is `noeviction`. A Redis that does not allow CONFIG (some
 * managed services) cannot be checked: that is logged by the caller, and start goes on.
 * Returns the policy, or undefined when it could not be read.
 */
export async function checkRedisEviction(url: string): Promise<string | undefined> {
  const redis = new Redis({ ...redisOptionsFromUrl(url), lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    let policy: string | undefined;
    try {
      const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
      policy = reply[1];
    } catch {
      return undefined; // CONFIG is not allowed here
    }
    if (policy !== undefined && policy !== 'noeviction') {
      throw new RedisEvictionError(
        `Redis maxmemory-policy is "${policy}"; maru's queue (BullMQ) needs "noeviction" so that Redis never drops its keys. ` +
          'Set it with `CONFIG SET maxmemory-policy noeviction` (and `maxmemory-policy noeviction` in redis.conf), or use a Redis of its own for maru.',
      );
    }
    return policy;
  } finally {
    redis.disconnect();
  }
}
