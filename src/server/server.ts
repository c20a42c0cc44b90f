import type { FastifyInstance } from 'fastify';
import type { Config } from '../platform/config.ts';
import { createRuntime, type Runtime } from '../runtime.ts';
import Fastify from 'fastify';
import { buildApp } from './app.ts';
import { metricsRoute } from './health.routes.ts';

export interface RunningServer {
  app: FastifyInstance;
  runtime: Runtime;
  url: string;
  /** Stops accepting connections, finishes in-flight requests and queued commits, then closes the store. */
  stop(): Promise<void>;
}

/** Starts one maru process: HTTP (API role or health-only worker role) and, where the role says so, the workers. */
export async function startServer(config: Config): Promise<RunningServer> {
  const runtime = await createRuntime(config);
  const app = await buildApp(runtime, { surfaces: config.role === 'worker' ? 'operations' : 'all', metrics: config.metricsPort === 0 });
  let url: string;
  try {
    url = await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    // A busy port (EADDRINUSE) or a host that is not ours: release what was opened, so the caller can exit cleanly.
    await app.close().catch(() => undefined);
    await runtime.close().catch(() => undefined);
    throw error;
  }
  // MARU_METRICS_PORT: /metrics alone on its own port (e.g. reachable only from the monitoring network).
  let metricsApp: FastifyInstance | undefined;
  if (config.metricsPort !== 0) {
    metricsApp = Fastify({ requestTimeout: 10_000 });
    await metricsApp.register(metricsRoute, { runtime });
    await metricsApp.listen({ port: config.metricsPort, host: config.host });
  }
  // The api role never runs workers; all and worker do.
  if (config.role !== 'api') await runtime.queue.start();
  runtime.log.info({ url, role: config.role, dataDir: config.dataDir, store: runtime.store.dialect }, 'maru started');
  // First run of the web console (docs/console.md "First sign-in"): while no console user exists, a one-time setup
  // token is printed here, so only someone who can read this log claims the install.
  if (config.role !== 'worker') {
    const setupToken = await runtime.users.issueSetupToken();
    if (setupToken)
      runtime.log.warn(
        { setupToken, setupUrl: `${config.publicUrl}/console/` },
        `no console user exists yet: open ${config.publicUrl}/console/ and enter the setup token ${setupToken} (or run: maru user create --email ... --role owner)`,
      );
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      runtime.log.info('shutting down: finishing in-flight requests');
      await app.close(); // stops listening, waits for in-flight requests
      await metricsApp?.close();
      await runtime.close(); // stops workers (running jobs finish), then waits for queued commits
      runtime.log.info('stopped');
    })());
  return { app, runtime, url, stop };
}

/**
 * SIGTERM/SIGINT: graceful stop within the configured timeout, then exit. A repeated signal while stopping is
 * ignored (npm forwards the signal its process group already delivered, so node can see it twice).
 */
export function stopOnSignals(server: RunningServer, timeoutSeconds: number) {
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) {
      server.runtime.log.info({ signal }, 'signal received while stopping; still finishing in-flight work');
      return;
    }
    stopping = true;
    server.runtime.log.info({ signal }, 'signal received');
    const timer = setTimeout(() => {
      server.runtime.log.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, timeoutSeconds * 1000);
    timer.unref();
    server.stop().then(
      () => process.exit(0),
      (err) => {
        server.runtime.log.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}
