import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { buildTestApp, createProject, type TestApp } from '../helpers/app.ts';
import { PASSWORD, signIn } from '../helpers/console.ts';

const ROOT = resolve(import.meta.dirname, '../..');
let t: TestApp;
afterEach(async () => t?.close());

/** Runs the real `maru` CLI against the test app's store, with `stdin` piped in. */
function maru(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(resolve(ROOT, 'node_modules/.bin/node'), ['src/cli/main.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MARU_DATA_DIR: t.dataDir, MARU_LOG_LEVEL: 'silent', ...t.storeEnv },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('maru user', () => {
  test('create (password on stdin), list, set-role, delete; the user can sign in; every change is audited', async () => {
    t = await buildTestApp();
    const { project } = await createProject(t.runtime);
    const created = await maru(['user', 'create', '--email', 'Boss@Example.com', '--role', 'owner', '--password-stdin', '--json'], `${PASSWORD}\n`);
    expect(created.code, created.stderr).toBe(0);
    const boss = JSON.parse(created.stdout);
    expect(boss).toMatchObject({ email: 'boss@example.com', instanceOwner: true, roles: [] });
    await signIn(t.app, 'boss@example.com', boss.id);

    const m = await maru(['user', 'create', '--email', 'm@example.com', '--role', 'marketer', '--project', project.id, '--password-stdin'], PASSWORD);
    expect(m.code, m.stderr).toBe(0);
    const noProject = await maru(['user', 'create', '--email', 'v@example.com', '--role', 'viewer', '--password-stdin'], PASSWORD);
    expect(noProject.code).toBe(2);
    expect(noProject.stderr).toContain('--project is required');
    const short = await maru(['user', 'create', '--email', 'v@example.com', '--role', 'owner', '--password-stdin'], 'short');
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('at least 10 characters');
    const noTty = await maru(['user', 'create', '--email', 'v@example.com', '--role', 'owner']);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toContain('--password-stdin');

    const set = await maru(['user', 'set-role', '--email', 'm@example.com', '--project', project.id, '--role', 'viewer']);
    expect(set.code, set.stderr).toBe(0);
    const list = JSON.parse((await maru(['user', 'list', '--json'])).stdout);
    expect(list.map((u: { email: string; roles: unknown }) => [u.email, u.roles]).sort()).toEqual([
      ['boss@example.com', []],
      ['m@example.com', [{ projectId: project.id, role: 'viewer' }]],
    ]);
    expect((await maru(['user', 'delete', '--email', 'm@example.com'])).code).toBe(0);
    expect((await maru(['user', 'delete', '--email', 'boss@example.com'])).stderr).toContain('last instance owner');
    expect((await t.runtime.users.list({ type: 'cli' }, { limit: 10 })).items.map((u) => u.email)).toEqual(['boss@example.com']);

    const audit = await t.runtime.audit.list(project.id, { limit: 10 });
    expect(audit.items.map((e) => e.action)).toEqual(['user.deleted', 'role.changed', 'user.created', 'project.created']);
    expect(audit.items[1]).toMatchObject({ actor: { type: 'cli' }, target: 'user:m@example.com', details: { from: 'marketer', to: 'viewer' } });
  }, 300_000);
});
