import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { startServer, stopOnSignals } from '../server/server.ts';
import { CREDENTIAL_KINDS, type CredentialKind } from '../core/credentials/secrets.ts';
import { parsePropertyType, PROPERTY_SCOPES, type PropertyScope } from '../core/taxonomy/taxonomy.types.ts';
import { isMaruError } from '../core/errors.ts';
import { storeFault } from '../platform/db/store-faults.ts';
import { UsageError, configFrom, printJson as printDoc, requireString, withRuntime, type Command, type Io } from './support.ts';
import { AUDIENCE_COMMANDS, EXPORT_COMMANDS } from './export.commands.ts';
import { PARTITION_COMMANDS } from './partitions.commands.ts';
import { CAMPAIGN_COMMANDS } from './campaign.commands.ts';
import { MESSAGING_COMMANDS } from './messaging.commands.ts';
import { SEND_COMMANDS } from './send.commands.ts';
import { CHANNEL_COMMANDS } from './channel.commands.ts';
import { USER_COMMANDS } from './user.commands.ts';
import { JOBS_COMMANDS } from './jobs.commands.ts';

export type { Command, Io } from './support.ts';

const common: ParseArgsOptionsConfig = {
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

const printJson = (io: Io, value: unknown) => printDoc(io, value, 0);

/**
 * The one registry of commands. Command modules import only ./support.ts (never this file), so the CLI does not depend
 * on its modules' import order.
 */
export const COMMANDS: Command[] = [
  {
    name: 'start',
    summary: 'Start the server (API and workers in one process by default)',
    usage: `maru start [--port N] [--host H] [--data-dir DIR] [--role all|api|worker]

Starts maru. With no database or Redis configured it runs embedded: one SQLite file under the data
directory and an in-process queue. Stops gracefully on SIGTERM/SIGINT.

Environment: PORT (8080), MARU_DATA_DIR (./data), MARU_ROLE (all), MARU_ADMIN_TOKEN, ... (docs/configuration.md)`,
    options: { ...common, port: { type: 'string' }, host: { type: 'string' }, role: { type: 'string' } },
    async run(args, io) {
      const env = { ...io.env };
      if (typeof args.port === 'string') env.PORT = args.port;
      if (typeof args.host === 'string') env.MARU_HOST = args.host;
      if (typeof args.role === 'string') env.MARU_ROLE = args.role;
      const config = configFrom(args, io, env);
      let server: Awaited<ReturnType<typeof startServer>>;
      try {
        server = await startServer(config);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') {
          io.err(`maru: cannot listen on ${config.host}:${config.port}: the port is already in use (set PORT or --port)\n`);
          return 1;
        }
        if (code === 'EACCES' || code === 'EADDRNOTAVAIL') {
          io.err(`maru: cannot listen on ${config.host}:${config.port}: ${code}\n`);
          return 1;
        }
        throw e;
      }
      stopOnSignals(server, config.shutdownTimeoutSeconds);
      io.err(`maru listening on ${boundUrl(server.app.server.address()) ?? server.url} (data: ${config.dataDir})\n`);
      return 'running';
    },
  },
  {
    name: 'migrate',
    summary: 'Apply pending database migrations and exit',
    usage: `maru migrate [--data-dir DIR]

Applies pending migrations to the configured store (SQLite under the data directory, or MARU_DATABASE_URL).
maru start also applies them; run this first when several processes start together.`,
    options: { ...common },
    async run(args, io) {
      await withRuntime(args, io, async () => undefined);
      io.err('migrations applied\n');
      return 0;
    },
  },
  {
    name: 'project create',
    summary: 'Create a project and print its credentials (shown once)',
    usage: `maru project create --name NAME [--timezone TZ] [--json] [--data-dir DIR]

Creates a project with the standard taxonomy and a full set of credentials. The secrets are printed
once and only their digests are stored. With --json, stdout is exactly one JSON object:
{"project_id": "...", "credentials": {"import_token", "export_token", "api_key", "access_key", "secret_key"}}

  --name NAME      project name (required)
  --timezone TZ    IANA time zone for dates shown to users (default Asia/Seoul)
  --json           machine-readable output`,
    options: { ...common, name: { type: 'string' }, timezone: { type: 'string' }, json: { type: 'boolean' } },
    async run(args, io) {
      const name = requireString(args, 'name');
      const { project, credentials } = await withRuntime(args, io, (rt) => rt.projects.create({ name, timezone: args.timezone }));
      if (args.json) printJson(io, { project_id: project.id, credentials });
      else {
        io.out(`project ${project.id} (${project.name}, ${project.timezone})\n`);
        for (const [k, v] of Object.entries(credentials)) io.out(`  ${k.padEnd(13)} ${v}\n`);
        io.out('Store these now: they are not shown again.\n');
      }
      return 0;
    },
  },
  {
    name: 'project list',
    summary: 'List projects',
    usage: 'maru project list [--json] [--data-dir DIR]',
    options: { ...common, json: { type: 'boolean' } },
    async run(args, io) {
      const projects = await withRuntime(args, io, (rt) => rt.projects.list());
      if (args.json) printJson(io, { projects });
      else for (const p of projects) io.out(`${p.id}  ${p.name}  ${p.timezone}\n`);
      return 0;
    },
  },
  {
    name: 'project delete',
    summary: 'Delete a project and all its data (asks for --yes)',
    usage: `maru project delete ID [--yes] [--json] [--data-dir DIR]

Erases the project and everything it holds, on either store: events, profiles and identifiers, devices, consent
records, audiences, campaigns, deliveries and their statistics, queued jobs, messaging setup, credentials. It cannot
be undone. Without --yes it only shows the project and changes nothing (exit code 1). Prints the rows deleted per
table. The audit log keeps one entry (project.deleted).`,
    options: { ...common, yes: { type: 'boolean' }, json: { type: 'boolean' } },
    positionals: true,
    async run(args, io) {
      const ids = (args._ as string[] | undefined) ?? [];
      if (ids.length !== 1) throw new UsageError('give exactly one project id');
      const id = ids[0];
      if (!args.yes) {
        const p = await withRuntime(args, io, (rt) => rt.projects.get(id));
        io.err(`maru project delete: this erases project ${p.id} (${p.name}) and all its data for good; run again with --yes to delete it\n`);
        return 1;
      }
      const rows = await withRuntime(args, io, (rt) => rt.projects.delete(id));
      if (args.json) printJson(io, { deleted: true, project_id: id, rows });
      else
        io.out(
          `deleted project ${id}: ${Object.entries(rows)
            .filter(([, n]) => n > 0)
            .map(([t, n]) => `${n} ${t}`)
            .join(', ')}\n`,
        );
      return 0;
    },
  },
  {
    name: 'token reissue',
    summary: 'Issue a new credential; the old one keeps working for 14 days',
    usage: `maru token reissue --project ID --kind KIND [--json] [--data-dir DIR]

KIND is one of: import, export, api-key, access-key, secret-key (access-key and secret-key are
reissued together). The previous secret stays valid for 14 days.`,
    options: { ...common, project: { type: 'string' }, kind: { type: 'string' }, json: { type: 'boolean' } },
    async run(args, io) {
      const projectId = requireString(args, 'project');
      const kind = requireString(args, 'kind') as CredentialKind;
      if (!CREDENTIAL_KINDS.includes(kind) || kind === 'admin')
        throw new UsageError(`--kind must be one of ${CREDENTIAL_KINDS.filter((k) => k !== 'admin').join(', ')}`);
      const issued = await withRuntime(args, io, async (rt) => {
        await rt.projects.get(projectId);
        return rt.credentials.reissue(projectId, kind);
      });
      if (args.json) printJson(io, { project_id: projectId, credentials: issued });
      else for (const [k, v] of Object.entries(issued)) io.out(`${k.padEnd(11)} ${v}\n`);
      return 0;
    },
  },
  {
    name: 'admin token',
    summary: 'Create an admin API token (shown once)',
    usage: `maru admin token [--json] [--data-dir DIR]

Creates a token for the admin API (Authorization: Bearer ...). Alternatively set MARU_ADMIN_TOKEN.`,
    options: { ...common, json: { type: 'boolean' } },
    async run(args, io) {
      const token = await withRuntime(args, io, (rt) => rt.credentials.createAdmin());
      if (args.json) printJson(io, { admin_token: token });
      else io.out(`${token}\n`);
      return 0;
    },
  },
  {
    name: 'taxonomy list',
    summary: "Show a project's registered events and properties",
    usage: 'maru taxonomy list --project ID [--json] [--data-dir DIR]',
    options: { ...common, project: { type: 'string' }, json: { type: 'boolean' } },
    async run(args, io) {
      const projectId = requireString(args, 'project');
      const t = await withRuntime(args, io, async (rt) => {
        await rt.projects.get(projectId);
        return rt.taxonomy.list(projectId);
      });
      if (args.json) printJson(io, t);
      else {
        io.out('events:\n');
        for (const e of t.events) io.out(`  ${e.name}  (${e.origin})\n`);
        io.out('properties:\n');
        for (const p of t.properties) io.out(`  ${p.scope.padEnd(5)} ${p.name}  ${p.type}  (${p.origin})\n`);
      }
      return 0;
    },
  },
  {
    name: 'taxonomy add-event',
    summary: 'Register an event name',
    usage: 'maru taxonomy add-event --project ID --name EVENT [--data-dir DIR]',
    options: { ...common, project: { type: 'string' }, name: { type: 'string' } },
    async run(args, io) {
      const projectId = requireString(args, 'project');
      const name = requireString(args, 'name');
      const r = await withRuntime(args, io, async (rt) => {
        await rt.projects.get(projectId);
        return rt.taxonomy.registerEvent(projectId, name);
      });
      io.out(r.created ? `registered event ${name}\n` : `event ${name} was already registered\n`);
      return 0;
    },
  },
  {
    name: 'taxonomy add-property',
    summary: 'Register an event, item or user property with its type',
    usage: `maru taxonomy add-property --project ID --scope event|item|user --name NAME --type TYPE [--data-dir DIR]

TYPE: String, Long, Double, Boolean, Datetime, Date, "Array of String", "Array of Long", "Array of Double"
(or string, long, double, boolean, datetime, date, string[], long[], double[]).`,
    options: { ...common, project: { type: 'string' }, scope: { type: 'string' }, name: { type: 'string' }, type: { type: 'string' } },
    async run(args, io) {
      const projectId = requireString(args, 'project');
      const scope = requireString(args, 'scope') as PropertyScope;
      if (!PROPERTY_SCOPES.includes(scope)) throw new UsageError(`--scope must be one of ${PROPERTY_SCOPES.join(', ')}`);
      const type = parsePropertyType(requireString(args, 'type'));
      if (!type) throw new UsageError('--type is not a known type (see --help)');
      const name = requireString(args, 'name');
      const r = await withRuntime(args, io, async (rt) => {
        await rt.projects.get(projectId);
        return rt.taxonomy.registerProperty({ projectId, scope, name, type });
      });
      io.out(r.created ? `registered ${scope} property ${name} (${type})\n` : `${scope} property ${name} was already registered\n`);
      return 0;
    },
  },
  {
    name: 'taxonomy import',
    summary: 'Register events and properties from a JSON file',
    usage: `maru taxonomy import --project ID --file taxonomy.json [--data-dir DIR]

The file holds {"events": ["name", ...], "properties": [{"scope": "event|item|user", "name": "...", "type": "Long"}, ...]}.
The whole file is checked first; nothing is registered if any entry is invalid or conflicts.`,
    options: { ...common, project: { type: 'string' }, file: { type: 'string' } },
    async run(args, io) {
      const projectId = requireString(args, 'project');
      const file = requireString(args, 'file');
      let doc: unknown;
      try {
        doc = JSON.parse(await readFile(file, 'utf8'));
      } catch (e) {
        throw new UsageError(`cannot read ${file} as JSON: ${(e as Error).message}`);
      }
      const r = await withRuntime(args, io, async (rt) => {
        await rt.projects.get(projectId);
        return rt.taxonomy.apply(projectId, doc);
      });
      io.out(`registered ${r.events} events and ${r.properties} properties (already registered ones unchanged)\n`);
      return 0;
    },
  },
  ...EXPORT_COMMANDS,
  ...AUDIENCE_COMMANDS,
  ...PARTITION_COMMANDS,
  ...CAMPAIGN_COMMANDS,
  ...JOBS_COMMANDS,
  ...MESSAGING_COMMANDS,
  ...SEND_COMMANDS,
  ...CHANNEL_COMMANDS,
  ...USER_COMMANDS,
];

/** The address the socket is bound to, as a URL (`http://0.0.0.0:8080`, `http://[::]:8080`). */
function boundUrl(address: ReturnType<import('node:net').Server['address']>): string | undefined {
  if (!address || typeof address === 'string') return undefined;
  const host = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** The package version (package.json), for `maru --version`. */
async function version(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `maru — self-hosted customer data and messaging platform

Usage: maru <command> [options]      (maru <command> --help for details)

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Docs: README.md, docs/ ; HTTP API reference at /docs on a running server.
`;
}

/** Parses argv, runs the command, returns the exit code ('running' for a server that keeps the process alive). */
export async function runCli(argv: string[], io: Io): Promise<number | 'running'> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(helpText());
    return 0;
  }
  if (argv[0] === '--version' || argv[0] === '-v' || argv[0] === 'version') {
    io.out(`maru ${await version()}\n`);
    return 0;
  }
  const two = `${argv[0]} ${argv[1] ?? ''}`.trim();
  const cmd = COMMANDS.find((c) => c.name === two) ?? COMMANDS.find((c) => c.name === argv[0]);
  if (!cmd) {
    const group = COMMANDS.filter((c) => c.name.startsWith(argv[0] + ' '));
    if (group.length > 0) {
      const usage = `Usage: maru ${argv[0]} <${group.map((c) => c.name.split(' ')[1]).join('|')}> [options]\n\n${group.map((c) => `  ${c.name}  ${c.summary}`).join('\n')}\n`;
      if (argv[1] === '--help' || argv[1] === '-h') {
        io.out(usage);
        return 0;
      }
      io.err(argv[1] === undefined ? usage : `maru ${argv[0]}: unknown subcommand "${argv[1]}" (see maru ${argv[0]} --help)\n`);
      return 2;
    }
    io.err(`maru: unknown command "${argv[0]}" (see maru --help)\n`);
    return 2;
  }
  const rest = argv.slice(cmd.name.split(' ').length);
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: Command['options']; allowPositionals: boolean; strict: true }>>;
  try {
    parsed = parseArgs({ args: rest, options: cmd.options, allowPositionals: cmd.positionals === true, strict: true });
  } catch (e) {
    io.err(`maru ${cmd.name}: ${(e as Error).message}\n\nUsage: ${cmd.usage}\n`);
    return 2;
  }
  if (parsed.values.help) {
    io.out(`Usage: ${cmd.usage}\n`);
    return 0;
  }
  try {
    return await cmd.run(cmd.positionals ? { ...parsed.values, _: parsed.positionals } : parsed.values, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`maru ${cmd.name}: ${e.message}\n\nUsage: ${cmd.usage}\n`);
      return 2;
    }
    if (isMaruError(e)) {
      io.err(`maru ${cmd.name}: ${e.message}\n`);
      return 1;
    }
    if ((e as Error).name === 'ConfigError') {
      io.err(`maru: ${(e as Error).message}\n`);
      return 2;
    }
    const fault = storeFault(e);
    if (fault) {
      const detail = (e as { errstr?: string; message?: string }).errstr ?? (e as Error).message;
      io.err(
        `maru: the database cannot be written (${fault}): ${detail}; check that the data directory (or database) is reachable, writable and has free space\n`,
      );
      return 1;
    }
    throw e;
  }
}
