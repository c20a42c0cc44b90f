import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { exited, freePort, startMaru } from '../helpers/process.ts';

/**
 * `/metrics` off the API port (issue 14; docs/operations.md "What you see"): a real `maru start` with
 * MARU_METRICS_PORT serves /metrics only there (the API port answers 404 for it), and with MARU_METRICS_TOKEN only to
 * a request carrying the token.
 */
test('MARU_METRICS_PORT serves /metrics alone on its own port, behind MARU_METRICS_TOKEN', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'maru-metrics-'));
  const [port, metricsPort] = [await freePort(), await freePort()];
  const token = 'metrics-token-0123456789';
  const server = await startMaru({ port, dataDir, env: { MARU_METRICS_PORT: String(metricsPort), MARU_METRICS_TOKEN: token } });
  try {
    const api = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
    const metrics = (path: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${metricsPort}${path}`, { headers });

    expect((await api('/metrics')).status).toBe(404);
    expect((await api('/metrics')).headers.get('content-type')).toMatch(/json/);
    expect((await api('/readyz')).status).toBe(200);

    const open = await metrics('/metrics');
    expect([open.status, open.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
    expect((await metrics('/metrics', { authorization: 'Bearer wrong-token' })).status).toBe(401);
    const ok = await metrics('/metrics', { authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    const body = await ok.text();
    expect(body).toContain('maru_store_writable 1');
    expect(body).toContain('# TYPE maru_store_commits counter');
    // Nothing else is served there: not the API, not health.
    expect((await metrics('/admin/v1/projects', { authorization: `Bearer ${token}` })).status).toBe(404);
    expect((await metrics('/healthz')).status).toBe(404);
  } finally {
    server.kill('SIGTERM');
    const { code } = await exited(server);
    expect(code).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
  }
  // Stopped: the metrics port is released too.
  await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
}, 60_000);
