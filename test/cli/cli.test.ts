import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pino } from 'pino';
import { COMMANDS, runCli } from '../../src/cli/commands.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createRuntime } from '../../src/runtime.ts';

/**
 * The `maru` command as a user runs it: a real process (`node src/cli/main.ts ...`) on a temp data dir.
 * Checks exit codes, what goes to stdout and stderr, and what the commands stored.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const NODE = join(ROOT, 'node_modules/.bin/node');
const MAIN = join(ROOT, 'src/cli/main.ts');

let dataDir: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function maru(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      NODE,
      [MAIN, ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MARU_DATA_DIR: dataDir, ...env }, timeout: 20_000 },
      (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** Opens the data dir the CLI wrote, to check stored state through the services. */
async function withRuntime<T>(fn: (rt: Awaited<ReturnType<typeof createRuntime>>) => Promise<T>): Promise<T> {
  const rt = await createRuntime(loadConfig({ MARU_LOG_LEVEL: 'silent' }, { dataDir }), { log: pino({ level: 'silent' }) });
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'maru-cli-'));
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('maru project create --json', () => {
  test('prints exactly one JSON object with the project id and its five credentials; the secrets work', async () => {
    const r = await maru(['project', 'create', '--name', 'Shop', '--timezone', 'Asia/Tokyo', '--json']);
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith('\n')).toBe(true);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const out = JSON.parse(r.stdout);
    expect(out).toEqual({
      project_id: expect.stringMatching(/^[0-9a-z]{10}$/),
      credentials: {
        import_token: expect.stringMatching(/^maru_imp_[0-9A-Za-z]{43}$/),
        export_token: expect.stringMatching(/^maru_exp_[0-9A-Za-z]{43}$/),
        api_key: expect.stringMatching(/^maru_api_[0-9A-Za-z]{43}$/),
        access_key: expect.stringMatching(/^maru_ak_[0-9A-Za-z]{43}$/),
        secret_key: expect.stringMatching(/^maru_sk_[0-9A-Za-z]{43}$/),
      },
    });
    expect(Object.keys(out)).toEqual(['project_id', 'credentials']);
    // No secret on stderr.
    for (const secret of Object.values(out.credentials as Record<string, string>)) expect(r.stderr).not.toContain(secret);

    await withRuntime(async (rt) => {
      const p = await rt.projects.get(out.project_id);
      expect(p).toMatchObject({ name: 'Shop', timezone: 'Asia/Tokyo' });
      expect(await rt.credentials.verify(out.credentials.import_token, { kinds: ['import'], projectId: p.id })).toMatchObject({ kind: 'import' });
      expect(await rt.credentials.verify(out.credentials.export_token, { kinds: ['export'], projectId: p.id })).toMatchObject({ kind: 'export' });
      expect(await rt.credentials.verify(out.credentials.import_token, { kinds: ['export'], projectId: p.id })).toBeUndefined();
    });

    const list = await maru(['project', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).projects.map((p: { id: string }) => p.id)).toContain(out.project_id);
  });

  test('without --json prints the secrets once, for a person', async () => {
    const r = await maru(['project', 'create', '--name', 'Human']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^project [0-9a-z]{10} \(Human, Asia\/Seoul\)\n/);
    expect(r.stdout).toMatch(/import_token\s+maru_imp_/);
    expect(r.stdout).toMatch(/not shown again/);
  });

  test('an invalid timezone exits 1 naming it, and creates nothing', async () => {
    const before = await withRuntime(async (rt) => (await rt.projects.list()).length);
    const r = await maru(['project', 'create', '--name', 'X', '--timezone', 'Mars/Base', '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/timezone "Mars\/Base" is not a known IANA time zone/);
    expect(await withRuntime(async (rt) => (await rt.projects.list()).length)).toBe(before);
  });
});

describe.concurrent('--help', () => {
  // In process (the same runCli bin/maru calls; the tests below start the real process): one node start per command
  // cost a minute and a half of CPU.
  test.each(COMMANDS.map((c) => [c.name]))('maru %s --help exits 0 and prints its usage', async (name) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli([...name.split(' '), '--help'], {
      out: (t) => {
        stdout += t;
      },
      err: (t) => {
        stderr += t;
      },
      env: { MARU_DATA_DIR: dataDir },
    });
    expect(code).toBe(0);
    expect(stdout.startsWith(`Usage: maru ${name}`)).toBe(true);
    expect(stderr).toBe('');
  });

  test('maru --help and maru alone list every command', async () => {
    for (const args of [['--help'], [], ['help'], ['-h']]) {
      const r = await maru(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^maru — /);
      for (const c of COMMANDS) expect(r.stdout).toContain(`  ${c.name}`);
    }
  });

  test('a command group with --help lists its commands; without a subcommand it exits 2', async () => {
    const help = await maru(['taxonomy', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: maru taxonomy <list\|add-event\|add-property\|import>/);
    const bare = await maru(['taxonomy']);
    expect(bare.code).toBe(2);
  });
});

describe.concurrent('bad usage exits 2 and names the problem', () => {
  test.each([
    [['project', 'create', '--name', 'X', '--nmae', 'Y'], /Unknown option '--nmae'/],
    [['project', 'create', '--json'], /--name is required/],
    [['project', 'create', '--name'], /--name/],
    [['token', 'reissue', '--project', 'p', '--kind', 'bogus'], /--kind must be one of import, export, api-key, access-key, secret-key/],
    [['token', 'reissue', '--kind', 'import'], /--project is required/],
    [['taxonomy', 'add-property', '--project', 'p', '--scope', 'device', '--name', 'x', '--type', 'Long'], /--scope must be one of event, item, user/],
    [['taxonomy', 'add-property', '--project', 'p', '--scope', 'user', '--name', 'x', '--type', 'Integer'], /--type is not a known type/],
    [['taxonomy', 'import', '--project', 'p'], /--file is required/],
    [['frobnicate'], /^maru: unknown command "frobnicate" \(see maru --help\)\n$/],
    [['project', 'frobnicate'], /^maru project: unknown subcommand "frobnicate" \(see maru project --help\)\n$/],
    [['start', '--port', 'abc'], /PORT must be an integer/],
    [['project', 'list', 'extra'], /Unexpected argument 'extra'/],
  ])('maru %j', async (args, message) => {
    const r = await maru(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  test('an unknown project exits 1 naming it', async () => {
    const r = await maru(['token', 'reissue', '--project', 'nosuchproj', '--kind', 'import']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/project nosuchproj does not exist/);
  });
});

describe('maru token reissue', () => {
  test('prints the new secret; the old one keeps working (14-day grace), both verified against the data dir', async () => {
    const created = JSON.parse((await maru(['project', 'create', '--name', 'Tokens', '--json'])).stdout);
    const r = await maru(['token', 'reissue', '--project', created.project_id, '--kind', 'import', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toEqual({ project_id: created.project_id, credentials: { import: expect.stringMatching(/^maru_imp_[0-9A-Za-z]{43}$/) } });
    await withRuntime(async (rt) => {
      const expect14 = await rt.store.db
        .selectFrom('credentials')
        .select(['kind', 'expires_at', 'created_at'])
        .where('project_id', '=', created.project_id)
        .where('kind', '=', 'import')
        .orderBy('created_at')
        .execute();
      expect(expect14).toHaveLength(2);
      expect(expect14[0].expires_at! - expect14[1].created_at).toBe(14 * 24 * 60 * 60 * 1000);
      expect(expect14[1].expires_at).toBeNull();
      expect(await rt.credentials.verify(created.credentials.import_token, { kinds: ['import'], projectId: created.project_id })).toBeDefined();
      expect(await rt.credentials.verify(out.credentials.import, { kinds: ['import'], projectId: created.project_id })).toBeDefined();
    });

    const pair = await maru(['token', 'reissue', '--project', created.project_id, '--kind', 'access-key']);
    expect(pair.code).toBe(0);
    expect(pair.stdout).toMatch(/^access-key\s+maru_ak_\S+\nsecret-key\s+maru_sk_\S+\n$/);
  });
});

describe('maru taxonomy', () => {
  let projectId: string;
  beforeAll(async () => {
    projectId = JSON.parse((await maru(['project', 'create', '--name', 'Taxonomy', '--json'])).stdout).project_id;
  });
  const registered = () =>
    withRuntime(async (rt) => {
      const t = await rt.taxonomy.list(projectId);
      return {
        events: t.events.filter((e) => e.origin !== 'standard').map((e) => e.name),
        properties: t.properties.filter((p) => p.origin !== 'standard').map((p) => `${p.scope}:${p.name}:${p.type}`),
      };
    });

  test('import --file registers a JSON document; a conflicting or invalid file registers nothing', async () => {
    const file = join(dataDir, 'taxonomy.json');
    writeFileSync(
      file,
      JSON.stringify({
        events: ['app_open', 'coupon_used'],
        properties: [
          { scope: 'event', name: 'coupon_code', type: 'String' },
          { scope: 'user', name: 'tier', type: 'Long' },
        ],
      }),
    );
    const r = await maru(['taxonomy', 'import', '--project', projectId, '--file', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('registered 2 events and 2 properties (already registered ones unchanged)\n');
    expect(await registered()).toEqual({ events: ['app_open', 'coupon_used'], properties: ['event:coupon_code:string', 'user:tier:long'] });

    const conflict = join(dataDir, 'conflict.json');
    writeFileSync(conflict, JSON.stringify({ events: ['later_event'], properties: [{ scope: 'user', name: 'tier', type: 'String' }] }));
    const c = await maru(['taxonomy', 'import', '--project', projectId, '--file', conflict]);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/user property tier is already registered as long/);

    const broken = join(dataDir, 'broken.json');
    writeFileSync(broken, '{"events": [');
    const b = await maru(['taxonomy', 'import', '--project', projectId, '--file', broken]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/cannot read .*broken\.json as JSON/);

    const missing = await maru(['taxonomy', 'import', '--project', projectId, '--file', join(dataDir, 'nope.json')]);
    expect(missing.code).toBe(2);

    expect(await registered()).toEqual({ events: ['app_open', 'coupon_used'], properties: ['event:coupon_code:string', 'user:tier:long'] });
  });

  test('add-event, add-property and list --json', async () => {
    expect((await maru(['taxonomy', 'add-event', '--project', projectId, '--name', 'level_up'])).stdout).toBe('registered event level_up\n');
    expect((await maru(['taxonomy', 'add-event', '--project', projectId, '--name', 'level_up'])).stdout).toBe('event level_up was already registered\n');
    const p = await maru(['taxonomy', 'add-property', '--project', projectId, '--scope', 'item', '--name', 'sizes', '--type', 'Array of Long']);
    expect([p.code, p.stdout]).toEqual([0, 'registered item property sizes (long[])\n']);
    const conflict = await maru(['taxonomy', 'add-property', '--project', projectId, '--scope', 'item', '--name', 'sizes', '--type', 'String']);
    expect(conflict.code).toBe(1);
    const list = await maru(['taxonomy', 'list', '--project', projectId, '--json']);
    expect(list.code).toBe(0);
    const t = JSON.parse(list.stdout);
    expect(t.events).toEqual(
      expect.arrayContaining([
        { name: 'level_up', origin: 'registered' },
        { name: 'df_purchase', origin: 'standard' },
      ]),
    );
    expect(t.properties).toEqual(expect.arrayContaining([{ scope: 'item', name: 'sizes', type: 'long[]', origin: 'registered' }]));
  });
});

describe('maru admin token', () => {
  test('prints a token that the admin API accepts', async () => {
    const r = await maru(['admin', 'token', '--json']);
    expect(r.code).toBe(0);
    const { admin_token } = JSON.parse(r.stdout);
    expect(admin_token).toMatch(/^maru_adm_[0-9A-Za-z]{43}$/);
    await withRuntime(async (rt) => {
      expect(await rt.credentials.verify(admin_token, { kinds: ['admin'] })).toMatchObject({ kind: 'admin', projectId: null });
    });
  });
});

describe('maru as a newcomer runs it', () => {
  test('--version prints the package version', async () => {
    const r = await maru(['--version']);
    expect(r).toEqual({ code: 0, stdout: `maru ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`, stderr: '' });
  });

  test('bin/maru works through a symlink on PATH (as npm links it for npx)', async () => {
    const binDir = mkdtempSync(join(tmpdir(), 'maru-bin-'));
    try {
      symlinkSync(join(ROOT, 'bin/maru'), join(binDir, 'maru'));
      const r = await new Promise<Run>((done) =>
        execFile(
          'maru',
          ['--version'],
          { cwd: tmpdir(), env: { PATH: `${binDir}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? '' }, timeout: 20_000 },
          (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
        ),
      );
      expect(r).toMatchObject({ code: 0, stdout: expect.stringMatching(/^maru \d+\.\d+\.\d+\n$/) });
    } finally {
      rmSync(binDir, { recursive: true, force: true });
    }
  });

  test("the README's `npm run -s maru -- ... --json` prints only the command's output (no npm banner)", async () => {
    const r = await new Promise<Run>((done) =>
      execFile(
        'npm',
        ['run', '-s', 'maru', '--', 'project', 'list', '--json'],
        { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MARU_DATA_DIR: dataDir }, timeout: 30_000 },
        (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
      ),
    );
    expect(r.code).toBe(0);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
  });

  test('no command module imports the registry (commands.ts), so import order cannot break the CLI', () => {
    for (const file of readdirSync(join(ROOT, 'src/cli')).filter((f) => f.endsWith('.commands.ts') || f === 'support.ts')) {
      expect(readFileSync(join(ROOT, 'src/cli', file), 'utf8'), file).not.toMatch(/from '\.\/commands\.ts'/);
    }
  });
});
