import { createInterface } from 'node:readline';
import { ROLES, isRole, type Role } from '../core/accounts/roles.ts';
import type { ConsoleUser } from '../core/accounts/users.service.ts';
import { UsageError, commonOptions, optionalString, printJson, requireString, withRuntime, type Args, type Command, type Io } from './support.ts';

/** The password: from stdin with --password-stdin (a trailing newline dropped), else asked for on the terminal. */
async function readPassword(args: Args, io: Io): Promise<string> {
  if (args['password-stdin']) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  if (!process.stdin.isTTY) throw new UsageError('no terminal to ask for the password on: pass it on stdin with --password-stdin');
  const ask = (question: string) =>
    new Promise<string>((resolve) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
      // Echo nothing while the password is typed.
      (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
        if (s.startsWith(question)) process.stderr.write(question);
      };
      rl.question(question, (answer) => {
        rl.close();
        io.err('\n');
        resolve(answer);
      });
    });
  const first = await ask('Password: ');
  const second = await ask('Password again: ');
  if (first !== second) throw new UsageError('the two passwords differ');
  return first;
}

function roleArg(args: Args): Role {
  const role = requireString(args, 'role');
  if (!isRole(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  return role;
}

const describeUser = (u: ConsoleUser) =>
  `${u.id}  ${u.email}${u.instanceOwner ? '  instance owner' : ''}${u.roles.length ? '  ' + u.roles.map((r) => `${r.projectId}:${r.role}`).join(' ') : ''}\n`;

const toJson = (u: ConsoleUser) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  instanceOwner: u.instanceOwner,
  roles: u.roles,
  createdAt: new Date(u.createdAt).toISOString(),
});

/** `maru user ...`: console accounts from the command line (docs/console.md "Accounts"). Recorded in the audit log as the CLI. */
export const USER_COMMANDS: Command[] = [
  {
    name: 'user create',
    summary: 'Create a web console user (owner of every project without --project)',
    usage: `maru user create --email EMAIL --role owner|marketer|viewer [--project ID] [--name NAME] [--password-stdin] [--json]

Creates a console user. Without --project the role must be owner and the user is an instance owner: owner of every
project, present and future (the first user of an install). With --project the user gets that role in that project.
The password (at least 10 characters) is asked for on the terminal, or read from stdin with --password-stdin:
  printf '%s' "$PASSWORD" | maru user create --email a@example.com --role owner --password-stdin`,
    options: {
      ...commonOptions,
      email: { type: 'string' },
      role: { type: 'string' },
      project: { type: 'string' },
      name: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    async run(args, io) {
      const email = requireString(args, 'email');
      const role = roleArg(args);
      const project = optionalString(args, 'project');
      if (!project && role !== 'owner') throw new UsageError('--project is required for a marketer or viewer (without it the user owns every project)');
      const password = await readPassword(args, io);
      const user = await withRuntime(args, io, (rt) =>
        rt.users.create(
          { type: 'cli' },
          { email, password, name: optionalString(args, 'name'), instanceOwner: !project, roles: project ? [{ projectId: project, role }] : [] },
        ),
      );
      if (args.json) printJson(io, toJson(user), 0);
      else io.out(describeUser(user));
      return 0;
    },
  },
  {
    name: 'user list',
    summary: 'List web console users and their roles',
    usage: 'maru user list [--json] [--data-dir DIR]',
    options: { ...commonOptions, json: { type: 'boolean' } },
    async run(args, io) {
      const users = await withRuntime(args, io, async (rt) => {
        const out: ConsoleUser[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await rt.users.list({ type: 'cli' }, { after, limit: 200 });
          out.push(...page.items);
          if (page.next === null) return out;
          after = page.next;
        }
      });
      if (args.json) printJson(io, users.map(toJson), 0);
      else for (const u of users) io.out(describeUser(u));
      return 0;
    },
  },
  {
    name: 'user set-role',
    summary: "Set (or with --remove, remove) a console user's role in a project",
    usage: `maru user set-role --email EMAIL --project ID --role owner|marketer|viewer [--data-dir DIR]
maru user set-role --email EMAIL --project ID --remove
maru user set-role --email EMAIL --instance-owner true|false`,
    options: {
      ...commonOptions,
      email: { type: 'string' },
      project: { type: 'string' },
      role: { type: 'string' },
      remove: { type: 'boolean' },
      'instance-owner': { type: 'string' },
    },
    async run(args, io) {
      const email = requireString(args, 'email');
      const instanceOwner = optionalString(args, 'instance-owner');
      if (instanceOwner !== undefined && !['true', 'false'].includes(instanceOwner)) throw new UsageError('--instance-owner must be true or false');
      const project = instanceOwner === undefined ? requireString(args, 'project') : optionalString(args, 'project');
      const role = args.remove || instanceOwner !== undefined ? undefined : roleArg(args);
      const user = await withRuntime(args, io, async (rt) => {
        const u = await rt.users.findByEmail(email);
        if (!u) throw new UsageError(`no console user with email ${email}`);
        return rt.users.update({ type: 'cli' }, u.id, {
          ...(instanceOwner !== undefined ? { instanceOwner: instanceOwner === 'true' } : {}),
          ...(project && role ? { roles: [{ projectId: project, role }] } : {}),
          ...(project && args.remove ? { removeRoles: [project] } : {}),
        });
      });
      io.out(describeUser(user));
      return 0;
    },
  },
  {
    name: 'user delete',
    summary: 'Delete a web console user (their sessions end at once)',
    usage: 'maru user delete --email EMAIL [--data-dir DIR]',
    options: { ...commonOptions, email: { type: 'string' } },
    async run(args, io) {
      const email = requireString(args, 'email');
      await withRuntime(args, io, async (rt) => {
        const u = await rt.users.findByEmail(email);
        if (!u) throw new UsageError(`no console user with email ${email}`);
        await rt.users.delete({ type: 'cli' }, u.id);
      });
      io.err(`deleted ${email}\n`);
      return 0;
    },
  },
];
