import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CONFIG_ENV, ConfigError, loadConfig, type ConfigKey } from './config.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** The settings table of docs/configuration.md: `| \`VAR\` | \`key\` | \`default\` or (unset) | meaning |`. */
function documentedSettings() {
  const doc = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8');
  const rows = doc.split('\n').filter((l) => /^\| `[A-Z_]+` \|/.test(l));
  return rows.map((l) => {
    const cells = l
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    const unquote = (c: string) => (c === '(unset)' ? '' : c.replace(/^`|`$/g, ''));
    return { env: unquote(cells[0]), key: unquote(cells[1]), default: unquote(cells[2]), meaning: cells[3] };
  });
}

describe('docs/configuration.md agrees with CONFIG_ENV', () => {
  const documented = documentedSettings();

  test('every setting is documented with its variable and default', () => {
    const fromCode = Object.entries(CONFIG_ENV)
      .map(([key, { env, default: d }]) => ({ env, key, default: d }))
      .sort((a, b) => a.env.localeCompare(b.env));
    const fromDocs = documented.map(({ env, key, default: d }) => ({ env, key, default: d })).sort((a, b) => a.env.localeCompare(b.env));
    expect(fromDocs).toEqual(fromCode);
  });

  test('every documented setting says what it means', () => {
    for (const row of documented) expect(row.meaning.length, row.env).toBeGreaterThan(10);
  });

  test('the documented defaults are what loadConfig gives with an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.host).toBe('0.0.0.0');
    expect(config.dataDir).toBe(resolve('./data'));
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.role).toBe('all');
    expect(config.adminToken).toBeUndefined();
    expect(config.logLevel).toBe('info');
    expect(config.bodyLimit).toBe(1048576);
    expect(config.sqliteSynchronous).toBe('FULL');
    expect(config.commitGroupMax).toBe(256);
    expect(config.identifiersPerType).toBe(5);
    expect(config.defaultPhoneRegion).toBe('KR');
    expect(config.allowPrivateNetworks).toBe(false);
    expect(config.shutdownTimeoutSeconds).toBe(25);
    expect(config.publicUrl).toBe('http://localhost:8080');
  });
});

describe('loadConfig', () => {
  test('reads every variable', () => {
    const c = loadConfig({
      PORT: '9000',
      MARU_HOST: '127.0.0.1',
      MARU_DATA_DIR: '/tmp/maru-x',
      MARU_ROLE: 'worker',
      MARU_LOG_LEVEL: 'debug',
      MARU_BODY_LIMIT: '2048',
      MARU_SQLITE_SYNCHRONOUS: 'normal',
      MARU_COMMIT_GROUP_MAX: '16',
      MARU_IDENTIFIERS_PER_TYPE: '3',
      MARU_DEFAULT_PHONE_REGION: 'us',
      MARU_ALLOW_PRIVATE_NETWORKS: 'yes',
      MARU_SHUTDOWN_TIMEOUT: '5',
      MARU_PUBLIC_URL: 'https://maru.example.com/',
      MARU_ADMIN_TOKEN: 'maru_adm_x',
    });
    expect(c).toMatchObject({
      port: 9000,
      host: '127.0.0.1',
      dataDir: '/tmp/maru-x',
      role: 'worker',
      logLevel: 'debug',
      bodyLimit: 2048,
      sqliteSynchronous: 'NORMAL',
      commitGroupMax: 16,
      identifiersPerType: 3,
      defaultPhoneRegion: 'US',
      allowPrivateNetworks: true,
      shutdownTimeoutSeconds: 5,
      publicUrl: 'https://maru.example.com',
      adminToken: 'maru_adm_x',
    });
  });

  test('overrides (CLI flags, tests) win over the environment', () => {
    expect(loadConfig({ PORT: '9000' }, { port: 1234 }).port).toBe(1234);
  });

  const invalid: [string, string][] = [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['MARU_ROLE', 'both'],
    ['MARU_LOG_LEVEL', 'verbose'],
    ['MARU_BODY_LIMIT', '10'],
    ['MARU_BODY_LIMIT', '1mb'],
    ['MARU_SQLITE_SYNCHRONOUS', 'OFF'],
    ['MARU_COMMIT_GROUP_MAX', '0'],
    ['MARU_IDENTIFIERS_PER_TYPE', '0'],
    ['MARU_IDENTIFIERS_PER_TYPE', 'five'],
    ['MARU_ALLOW_PRIVATE_NETWORKS', 'maybe'],
    ['MARU_SHUTDOWN_TIMEOUT', '-5'],
    ['MARU_DATABASE_URL', 'mysql://localhost/maru'],
    ['MARU_REDIS_URL', 'http://localhost:6379'],
    ['MARU_TOKEN_SECRET', 'too-short'],
    ['MARU_SECRET_KEY', 'sixteen-chars-ok'],
    ['MARU_DATABASE_POOL_SIZE', '0'],
    ['MARU_DELIVERY_CONCURRENCY', '0'],
    ['MARU_REDIS_PREFIX', 'has space'],
    ['MARU_WORKER_LEASE', '0'],
    ['MARU_REQUEST_TIMEOUT', '0'],
    ['MARU_HEADERS_TIMEOUT', '31'],
    ['MARU_IDLE_TIMEOUT', 'soon'],
    ['MARU_ACCESS_LOG_SAMPLE', '1.5'],
    ['MARU_ACCESS_LOG_SAMPLE', ''],
    ['MARU_METRICS_PORT', '70000'],
    ['MARU_BACKLOG_MAX_BATCHES', '0'],
    ['MARU_BACKLOG_MAX_DELIVERIES', '-1'],
    ['MARU_SESSION_IDLE_TIMEOUT', '10'],
    ['MARU_SESSION_MAX_AGE', 'a day'],
  ];

  test.each(invalid)('%s=%s is a ConfigError naming the variable', (name, value) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(name);
  });

  test('every setting with a restricted value is covered above', () => {
    const free: ConfigKey[] = ['host', 'dataDir', 'adminToken', 'defaultPhoneRegion', 'publicUrl', 'trustProxy', 'metricsToken', 'consoleDir'];
    const covered = new Set(invalid.map(([name]) => name));
    for (const [key, { env }] of Object.entries(CONFIG_ENV) as [ConfigKey, { env: string }][]) {
      if (!free.includes(key)) expect(covered.has(env), `${env} has no invalid-value test`).toBe(true);
    }
  });
});

test('nothing but the CLI entry point reads process.env', () => {
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('.test.ts')) {
        const code = readFileSync(path, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
        if (/process\.env/.test(code)) offenders.push(path.slice(ROOT.length + 1));
      }
    }
  };
  walk(join(ROOT, 'src'));
  expect(offenders).toEqual(['src/cli/main.ts']);
});
