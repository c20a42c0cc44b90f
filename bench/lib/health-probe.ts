import { request, Agent } from 'node:http';

export interface ProbeResult {
  samples: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * Sends `GET /healthz` one at a time on one kept-alive connection from `startAfterMs` for `durationMs`, and reports
 * the latency quantiles: how long the server's event loop keeps a trivial request waiting while it is loaded. Runs
 * in the benchmark runner process, which is idle while the load generator (its own process) drives the load.
 */
export async function probeHealth(url: string, input: { startAfterMs: number; durationMs: number }): Promise<ProbeResult> {
  await new Promise((r) => setTimeout(r, input.startAfterMs));
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  const end = performance.now() + input.durationMs;
  try {
    while (performance.now() < end) {
      const t0 = performance.now();
      await new Promise<void>((resolve, reject) => {
        const req = request(`${url}/healthz`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        });
        req.setTimeout(30_000, () => req.destroy(new Error('healthz probe timed out')));
        req.on('error', reject);
        req.end();
      });
      latencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    agent.destroy();
  }
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { samples: latencies.length, p50: q(0.5), p99: q(0.99), max: latencies[latencies.length - 1] ?? NaN };
}
