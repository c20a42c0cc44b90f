import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NODE, ROOT, stopChild, waitForLine } from './proc.ts';

const execFileAsync = promisify(execFile);

export interface ProjectCredentials {
  import_token: string;
  export_token: string;
  api_key: string;
  access_key: string;
  secret_key: string;
}

export interface MaruProcess {
  url: string;
  pid: number;
  dataDir: string;
  adminToken: string;
  child: ChildProcess;
  /** Server log (stdout + stderr), for when something goes wrong. */
  logFile: string;
  /** `maru project create --json` against this data directory. */
  createProject(name: string): Promise<{ project_id: string; credentials: ProjectCredentials }>;
  /** A JSON request to the admin API; throws on a non-2xx answer. */
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** The Prometheus /metrics page, each metric name summed over its labels. */
  metrics(): Promise<Map<string, number>>;
  /** Graceful stop (SIGTERM); resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface StartOptions {
  /** A directory of its own under the run's temp dir. */
  dir: string;
  /** Extra Node flags for the server (e.g. --cpu-prof). */
  nodeArgs?: string[];
  env?: NodeJS.ProcessEnv;
}

/** Environment every maru process of a run gets: no inherited MARU_* settings, quiet logs. */
function maruEnv(dataDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MARU_') && k !== 'PORT') env[k] = v;
  return { ...env, MARU_DATA_DIR: dataDir, MARU_LOG_LEVEL: 'warn', ...extra };
}

/**
 * Starts a real `maru start` process (embedded mode unless MARU_DATABASE_URL is given) on a free loopback port
 * with a fresh data directory, and waits until it answers /healthz.
 */
export async function startMaru(options: StartOptions): Promise<MaruProcess> {
  const dataDir = join(options.dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const adminToken = `bench-admin-${randomBytes(12).toString('hex')}`;
  const logFile = join(options.dir, 'server.log');
  const log = createWriteStream(logFile);
  const env = maruEnv(dataDir, { PORT: '0', MARU_HOST: '127.0.0.1', MARU_ADMIN_TOKEN: adminToken, ...options.env });
  const child = spawn(NODE, [...(options.nodeArgs ?? []), join(ROOT, 'src/cli/main.ts'), 'start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const describe = () => {
    try {
      return readFileSync(logFile, 'utf8').slice(-4000);
    } catch {
      return '';
    }
  };
  let url: string;
  try {
    const m = await waitForLine(child, /maru listening on (http:\/\/\S+)/, 30_000, describe);
    url = m[1].replace('0.0.0.0', '127.0.0.1');
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  for (let i = 0; i < 100; i++) {
    const r = await fetch(`${url}/healthz`).catch(() => undefined);
    if (r?.ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }

  const admin = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`admin ${method} ${path} answered ${r.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };

  return {
    url,
    pid: child.pid!,
    dataDir,
    adminToken,
    child,
    logFile,
    async createProject(name: string) {
      const { stdout } = await execFileAsync(NODE, [join(ROOT, 'src/cli/main.ts'), 'project', 'create', '--name', name, '--json'], {
        cwd: ROOT,
        env: maruEnv(dataDir, options.env),
      });
      return JSON.parse(stdout) as { project_id: string; credentials: ProjectCredentials };
    },
    admin,
    async metrics() {
      const text = await (await fetch(`${url}/metrics`)).text();
      const out = new Map<string, number>();
      for (const line of text.split('\n')) {
        const m = /^([a-zA-Z_:][\w:]*)(?:\{[^}]*\})? (\S+)$/.exec(line);
        if (m) out.set(m[1], (out.get(m[1]) ?? 0) + Number(m[2]));
      }
      return out;
    },
    async stop() {
      const code = await stopChild(child);
      log.end();
      return code;
    },
  };
}

/** Runs a maru CLI command against a data directory (no server needed); returns stdout. */
export async function maruCli(dataDir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const { stdout } = await execFileAsync(NODE, [join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, env: maruEnv(dataDir, env) });
  return stdout;
}

/** Probes whether a route exists: Fastify answers an unknown route with 404 "Route <METHOD>:<path> not found". */
export async function routeExists(url: string, method: string, path: string, body: unknown = {}): Promise<boolean> {
  const r = await fetch(`${url}${path}`, {
    method,
    headers: method === 'GET' ? {} : { 'content-type': 'application/json' },
    body: method === 'GET' ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return !(r.status === 404 && /Route .* not found/.test(text));
}
