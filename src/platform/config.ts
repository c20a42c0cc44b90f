import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * maru's configuration: parsed and validated once at start-up, then passed down.
 * Nothing else reads process.env. Every setting is documented in docs/configuration.md
 * (a test checks that the two agree).
 */
export interface Config {
  /** HTTP port (PORT). */
  port: number;
  /** Interface to listen on (MARU_HOST). */
  host: string;
  /** Where the embedded store keeps its files (MARU_DATA_DIR). */
  dataDir: string;
  /** PostgreSQL URL; when unset the embedded SQLite store is used (MARU_DATABASE_URL). */
  databaseUrl: string | undefined;
  /** Redis URL; when unset limits and queue are in-process (MARU_REDIS_URL). */
  redisUrl: string | undefined;
  /** Connections each process keeps to PostgreSQL (MARU_DATABASE_POOL_SIZE). */
  databasePoolSize: number;
  /** Prefix of every Redis key maru writes, so several installations can share one Redis (MARU_REDIS_PREFIX). */
  redisPrefix: string;
  /** Seconds a worker that stops renewing (died, hung) keeps a claimed job before another worker takes it (MARU_WORKER_LEASE). */
  workerLeaseSeconds: number;
  /** Which parts this process runs (MARU_ROLE): all | api | worker. */
  role: 'all' | 'api' | 'worker';
  /** Bootstrap admin token for the admin API (MARU_ADMIN_TOKEN); compared by digest. */
  adminToken: string | undefined;
  /** pino level (MARU_LOG_LEVEL). */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Largest accepted request body in bytes (MARU_BODY_LIMIT). */
  bodyLimit: number;
  /** SQLite synchronous mode (MARU_SQLITE_SYNCHRONOUS): FULL (default, durable on power loss) or NORMAL. */
  sqliteSynchronous: 'FULL' | 'NORMAL';
  /** Most units of work grouped into one commit (MARU_COMMIT_GROUP_MAX). */
  commitGroupMax: number;
  /**
   * Key material for encrypting provider credentials at rest (MARU_SECRET_KEY), at least 32 characters; every process
   * must share it. Unset: channel providers cannot be configured (the sandbox still works); see docs/providers.md.
   */
  secretKey: string | undefined;
  /** Most identifiers of one type (other than external_id) a profile holds (MARU_IDENTIFIERS_PER_TYPE). */
  identifiersPerType: number;
  /** Default phone region for identity matching (MARU_DEFAULT_PHONE_REGION). */
  defaultPhoneRegion: string;
  /** Allow provider/webhook URLs on loopback or private networks (MARU_ALLOW_PRIVATE_NETWORKS). */
  allowPrivateNetworks: boolean;
  /** Seconds to wait for in-flight work on SIGTERM before exiting anyway (MARU_SHUTDOWN_TIMEOUT). */
  shutdownTimeoutSeconds: number;
  /** Public base URL used in links maru puts into messages (MARU_PUBLIC_URL). */
  publicUrl: string;
  /**
   * Key for signing session tokens (MARU_TOKEN_SECRET), at least 32 characters; every API node must share it.
   * Unset: a random key is generated on first use and stored in the database (server_secrets), so restarts keep
   * tokens valid. Changing it ends every outstanding token.
   */
  tokenSecret: string | undefined;
  /**
   * Trust X-Forwarded-For/-Proto from a reverse proxy (MARU_TRUST_PROXY): false (default), true, or a comma-separated
   * list of proxy addresses/CIDRs. Per-client-IP limits use the forwarded address only when trusted.
   */
  trustProxy: boolean | string;
  /** Deliveries one worker process sends at once (MARU_DELIVERY_CONCURRENCY). */
  deliveryConcurrency: number;
  /** Seconds a client has to send a whole request, headers and body; then 408 (MARU_REQUEST_TIMEOUT). */
  requestTimeoutSeconds: number;
  /** Seconds a client has to send the request headers; then 408 (MARU_HEADERS_TIMEOUT). */
  headersTimeoutSeconds: number;
  /** Seconds an idle keep-alive connection stays open between requests (MARU_IDLE_TIMEOUT). */
  idleTimeoutSeconds: number;
  /** Share of successful requests written to the access log, 0–1; 401, 403, 429 and 5xx are always written (MARU_ACCESS_LOG_SAMPLE). */
  accessLogSample: number;
  /** Bearer token /metrics requires when set (MARU_METRICS_TOKEN). */
  metricsToken: string | undefined;
  /** Serve /metrics on this port (on MARU_HOST) instead of the API port; 0 = on the API port (MARU_METRICS_PORT). */
  metricsPort: number;
  /** Most accepted Marketap event batches waiting to be stored before new ones are answered 503 (MARU_BACKLOG_MAX_BATCHES). */
  backlogMaxBatches: number;
  /** Most delivery jobs waiting before new sends are answered 503 (MARU_BACKLOG_MAX_DELIVERIES). */
  backlogMaxDeliveries: number;
  /** Seconds a console session stays valid without a request (MARU_SESSION_IDLE_TIMEOUT). */
  sessionIdleSeconds: number;
  /** Seconds a console session stays valid at most, however active (MARU_SESSION_MAX_AGE). */
  sessionMaxAgeSeconds: number;
  /** Folder of the built web console served at /console (MARU_CONSOLE_DIR; default console/dist of this checkout). */
  consoleDir: string;
}

export type ConfigKey = keyof Config;

/** Environment variable for each setting, with its default as documented. */
export const CONFIG_ENV: Record<ConfigKey, { env: string; default: string }> = {
  port: { env: 'PORT', default: '8080' },
  host: { env: 'MARU_HOST', default: '0.0.0.0' },
  dataDir: { env: 'MARU_DATA_DIR', default: './data' },
  databaseUrl: { env: 'MARU_DATABASE_URL', default: '' },
  redisUrl: { env: 'MARU_REDIS_URL', default: '' },
  databasePoolSize: { env: 'MARU_DATABASE_POOL_SIZE', default: '10' },
  redisPrefix: { env: 'MARU_REDIS_PREFIX', default: 'maru' },
  workerLeaseSeconds: { env: 'MARU_WORKER_LEASE', default: '30' },
  role: { env: 'MARU_ROLE', default: 'all' },
  adminToken: { env: 'MARU_ADMIN_TOKEN', default: '' },
  logLevel: { env: 'MARU_LOG_LEVEL', default: 'info' },
  bodyLimit: { env: 'MARU_BODY_LIMIT', default: '1048576' },
  sqliteSynchronous: { env: 'MARU_SQLITE_SYNCHRONOUS', default: 'FULL' },
  commitGroupMax: { env: 'MARU_COMMIT_GROUP_MAX', default: '256' },
  secretKey: { env: 'MARU_SECRET_KEY', default: '' },
  identifiersPerType: { env: 'MARU_IDENTIFIERS_PER_TYPE', default: '5' },
  defaultPhoneRegion: { env: 'MARU_DEFAULT_PHONE_REGION', default: 'KR' },
  allowPrivateNetworks: { env: 'MARU_ALLOW_PRIVATE_NETWORKS', default: 'false' },
  shutdownTimeoutSeconds: { env: 'MARU_SHUTDOWN_TIMEOUT', default: '25' },
  publicUrl: { env: 'MARU_PUBLIC_URL', default: 'http://localhost:8080' },
  tokenSecret: { env: 'MARU_TOKEN_SECRET', default: '' },
  trustProxy: { env: 'MARU_TRUST_PROXY', default: 'false' },
  deliveryConcurrency: { env: 'MARU_DELIVERY_CONCURRENCY', default: '64' },
  requestTimeoutSeconds: { env: 'MARU_REQUEST_TIMEOUT', default: '30' },
  headersTimeoutSeconds: { env: 'MARU_HEADERS_TIMEOUT', default: '10' },
  idleTimeoutSeconds: { env: 'MARU_IDLE_TIMEOUT', default: '5' },
  accessLogSample: { env: 'MARU_ACCESS_LOG_SAMPLE', default: '1' },
  metricsToken: { env: 'MARU_METRICS_TOKEN', default: '' },
  metricsPort: { env: 'MARU_METRICS_PORT', default: '0' },
  backlogMaxBatches: { env: 'MARU_BACKLOG_MAX_BATCHES', default: '10000' },
  backlogMaxDeliveries: { env: 'MARU_BACKLOG_MAX_DELIVERIES', default: '1000000' },
  sessionIdleSeconds: { env: 'MARU_SESSION_IDLE_TIMEOUT', default: '3600' },
  sessionMaxAgeSeconds: { env: 'MARU_SESSION_MAX_AGE', default: '43200' },
  consoleDir: { env: 'MARU_CONSOLE_DIR', default: '' },
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function integer(key: ConfigKey, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${CONFIG_ENV[key].env} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function fraction(key: ConfigKey, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new ConfigError(`${CONFIG_ENV[key].env} must be a number from 0 to 1, got "${raw}"`);
  return n;
}

function oneOf<T extends string>(key: ConfigKey, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${CONFIG_ENV[key].env} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function bool(key: ConfigKey, raw: string): boolean {
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', ''].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${CONFIG_ENV[key].env} must be true or false, got "${raw}"`);
}

/**
 * Builds the configuration from environment variables, with explicit overrides (CLI flags, tests) on top.
 * Throws ConfigError naming the variable for any invalid value.
 */
export function loadConfig(env: NodeJS.ProcessEnv = {}, overrides: Partial<Config> = {}): Config {
  const raw = (key: ConfigKey): string => env[CONFIG_ENV[key].env] ?? CONFIG_ENV[key].default;
  const optional = (key: ConfigKey): string | undefined => raw(key) || undefined;
  const config: Config = {
    port: integer('port', raw('port'), 0, 65535),
    host: raw('host'),
    dataDir: resolve(raw('dataDir')),
    databaseUrl: optional('databaseUrl'),
    redisUrl: optional('redisUrl'),
    databasePoolSize: integer('databasePoolSize', raw('databasePoolSize'), 2, 1000),
    redisPrefix: raw('redisPrefix'),
    workerLeaseSeconds: integer('workerLeaseSeconds', raw('workerLeaseSeconds'), 1, 86_400),
    role: oneOf('role', raw('role'), ['all', 'api', 'worker'] as const),
    adminToken: optional('adminToken'),
    logLevel: oneOf('logLevel', raw('logLevel'), ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    bodyLimit: integer('bodyLimit', raw('bodyLimit'), 1024, 1024 * 1024 * 1024),
    sqliteSynchronous: oneOf('sqliteSynchronous', raw('sqliteSynchronous').toUpperCase(), ['FULL', 'NORMAL'] as const),
    commitGroupMax: integer('commitGroupMax', raw('commitGroupMax'), 1, 100_000),
    secretKey: optional('secretKey'),
    identifiersPerType: integer('identifiersPerType', raw('identifiersPerType'), 1, 1000),
    defaultPhoneRegion: raw('defaultPhoneRegion').toUpperCase(),
    allowPrivateNetworks: bool('allowPrivateNetworks', raw('allowPrivateNetworks')),
    shutdownTimeoutSeconds: integer('shutdownTimeoutSeconds', raw('shutdownTimeoutSeconds'), 0, 3600),
    publicUrl: raw('publicUrl').replace(/\/+$/, ''),
    tokenSecret: optional('tokenSecret'),
    deliveryConcurrency: integer('deliveryConcurrency', raw('deliveryConcurrency'), 1, 10_000),
    requestTimeoutSeconds: integer('requestTimeoutSeconds', raw('requestTimeoutSeconds'), 1, 3600),
    headersTimeoutSeconds: integer('headersTimeoutSeconds', raw('headersTimeoutSeconds'), 1, 3600),
    idleTimeoutSeconds: integer('idleTimeoutSeconds', raw('idleTimeoutSeconds'), 1, 3600),
    accessLogSample: fraction('accessLogSample', raw('accessLogSample')),
    metricsToken: optional('metricsToken'),
    metricsPort: integer('metricsPort', raw('metricsPort'), 0, 65535),
    backlogMaxBatches: integer('backlogMaxBatches', raw('backlogMaxBatches'), 1, 1_000_000_000),
    backlogMaxDeliveries: integer('backlogMaxDeliveries', raw('backlogMaxDeliveries'), 1, 1_000_000_000),
    sessionIdleSeconds: integer('sessionIdleSeconds', raw('sessionIdleSeconds'), 60, 30 * 86_400),
    sessionMaxAgeSeconds: integer('sessionMaxAgeSeconds', raw('sessionMaxAgeSeconds'), 60, 365 * 86_400),
    consoleDir: raw('consoleDir') ? resolve(raw('consoleDir')) : fileURLToPath(new URL('../../console/dist', import.meta.url)),
    trustProxy: ['true', 'false', '1', '0', 'yes', 'no', ''].includes(raw('trustProxy').toLowerCase())
      ? bool('trustProxy', raw('trustProxy'))
      : raw('trustProxy'),
  };
  if (config.databaseUrl && !/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    throw new ConfigError(`MARU_DATABASE_URL must start with postgres:// or postgresql://`);
  }
  if (config.secretKey !== undefined && config.secretKey.length < 32) {
    throw new ConfigError('MARU_SECRET_KEY must be at least 32 characters (e.g. `openssl rand -base64 32`)');
  }
  if (config.tokenSecret !== undefined && config.tokenSecret.length < 32) {
    throw new ConfigError('MARU_TOKEN_SECRET must be at least 32 characters');
  }
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(config.redisPrefix)) {
    throw new ConfigError('MARU_REDIS_PREFIX must be 1 to 64 letters, digits, dots, dashes or underscores');
  }
  if (config.redisUrl && !/^rediss?:\/\//.test(config.redisUrl)) {
    throw new ConfigError(`MARU_REDIS_URL must start with redis:// or rediss://`);
  }
  if (config.headersTimeoutSeconds > config.requestTimeoutSeconds) {
    throw new ConfigError('MARU_HEADERS_TIMEOUT must not be longer than MARU_REQUEST_TIMEOUT');
  }
  return { ...config, ...overrides };
}
