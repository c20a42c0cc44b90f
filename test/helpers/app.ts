import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/platform/config.ts';
import { ManualClock, systemClock, type Clock } from '../../src/platform/clock.ts';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/runtime.ts';
import { buildApp } from '../../src/server/app.ts';
import type { IssuedCredentials } from '../../src/core/credentials/credentials.service.ts';
import type { Project } from '../../src/core/projects/projects.types.ts';
import { scaleTestEnv } from './scale.ts';
import { checkResponses } from './response-check.ts';

export const ADMIN_TOKEN = 'maru_adm_test-admin-token-for-tests-only';

export interface TestApp {
  app: FastifyInstance;
  runtime: Runtime;
  dataDir: string;
  clock: Clock;
  /** Environment a child process (e.g. the CLI) needs to reach the same store and Redis: empty when embedded. */
  storeEnv: Record<string, string>;
  /** Answers that do not match the route's documented responses (test/helpers/response-check.ts); close() fails on any. */
  responseViolations: string[];
  close(): Promise<void>;
}

/**
 * A real runtime on a fresh SQLite file in a temp dir, with the Fastify app built (not listening).
 * Use app.inject() for HTTP. Pass a ManualClock to control time.
 */
export async function buildTestApp(
  options: { config?: Partial<Config>; env?: NodeJS.ProcessEnv; clock?: Clock } & Omit<RuntimeOptions, 'clock'> = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'maru-test-'));
  // Scale mode (.ci/scale.sh): a fresh PostgreSQL database and Redis key prefix per app when MARU_TEST_* are set.
  const scale = await scaleTestEnv(options.config?.dataDir);
  const config = loadConfig({ MARU_LOG_LEVEL: 'silent', MARU_ADMIN_TOKEN: ADMIN_TOKEN, ...scale.env, ...options.env }, { dataDir, ...options.config });
  const clock = options.clock ?? systemClock;
  const runtime = await createRuntime(config, { ...options, clock, log: options.log ?? pino({ level: 'silent' }) });
  let responseViolations: string[] = [];
  const app = await buildApp(runtime, { instrument: (a) => (responseViolations = checkResponses(a)) });
  await app.ready();
  return {
    app,
    runtime,
    dataDir,
    clock,
    storeEnv: scale.env,
    responseViolations,
    async close() {
      try {
        await app.close();
        await runtime.close();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
        await scale.cleanup();
      }
      if (responseViolations.length > 0) {
        throw new Error(`answers the OpenAPI document does not declare:\n${[...new Set(responseViolations)].join('\n')}`);
      }
    },
  };
}

/** A fresh project with its credentials (isolation per test, not truncation). */
export async function createProject(
  runtime: Runtime,
  input: { name?: string; timezone?: string; settings?: Record<string, unknown> } = {},
): Promise<{ project: Project; credentials: IssuedCredentials }> {
  return runtime.projects.create({ name: input.name ?? 'test project', timezone: input.timezone, settings: input.settings });
}

export { ManualClock };

export const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` };
