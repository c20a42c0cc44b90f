import { readFile } from 'node:fs/promises';
import type { ParseArgsOptionsConfig } from 'node:util';
import { pino } from 'pino';
import { loadConfig, type Config } from '../platform/config.ts';
import { createRuntime, type Runtime } from '../runtime.ts';

/** What a command prints: machine output to stdout, everything else to stderr. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
}

export type Args = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: ParseArgsOptionsConfig;
  /** Takes positional arguments (given to run as `args._`). */
  positionals?: boolean;
  run(args: Args, io: Io): Promise<number | 'running'>;
}

/** A mistake in how a command was called: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Options every command takes. */
export const commonOptions: ParseArgsOptionsConfig = {
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export function requireString(args: Args, name: string): string {
  const v = args[name];
  if (typeof v !== 'string' || v.length === 0) throw new UsageError(`--${name} is required`);
  return v;
}

export const optionalString = (args: Args, name: string): string | undefined => (typeof args[name] === 'string' ? (args[name] as string) : undefined);

export async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file} is not JSON: ${(e as Error).message}`);
  }
}

/** One JSON document on stdout (indented unless `space` is 0). */
export const printJson = (io: Io, value: unknown, space = 2) => io.out(JSON.stringify(value, null, space) + '\n');

/** The configuration from the environment, with --data-dir on top. */
export function configFrom(args: Args, io: Io, env: NodeJS.ProcessEnv = io.env): Config {
  return loadConfig(typeof args['data-dir'] === 'string' ? { ...env, MARU_DATA_DIR: args['data-dir'] } : env);
}

/** Runs fn with a runtime whose logs go to stderr (stdout stays clean for --json), closing it afterwards. */
export async function withRuntime<T>(args: Args, io: Io, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const log = pino({ level: io.env.MARU_LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const rt = await createRuntime(configFrom(args, io), { log });
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

/** Like withRuntime, for commands on one project: --project is required and must exist. */
export function withProject<T>(args: Args, io: Io, fn: (rt: Runtime, projectId: string) => Promise<T>): Promise<T> {
  const projectId = requireString(args, 'project');
  return withRuntime(args, io, async (rt) => {
    await rt.projects.get(projectId);
    return fn(rt, projectId);
  });
}
