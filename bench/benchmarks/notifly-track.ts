import type { RunContext } from '../lib/context.ts';
import { routeExists, startMaru } from '../lib/maru.ts';
import { cpuSeconds } from '../lib/proc.ts';
import type { Benchmark } from './types.ts';

const UNLIMITED = 1_000_000_000;

/**
 * Notifly track-event (seed 004): `POST /authenticate` {accessKey, secretKey} → {data: token}, then
 * `POST /track-event` with `Authorization: <token>` and one event per request.
 */
export const notiflyTrack: Benchmark = {
  name: 'notifly',
  summary: 'Notifly POST /track-event: 1 event per request, 50 connections, after POST /authenticate',
  async run(ctx: RunContext) {
    const bench = 'notifly-track-event';
    const dir = ctx.dir('notifly');
    const maru = await startMaru({ dir, nodeArgs: ctx.serverNodeArgs(dir) });
    let load: Awaited<ReturnType<typeof ctx.load>>;
    let serverCores: number | undefined;
    try {
      if (!(await routeExists(maru.url, 'POST', '/authenticate')) || !(await routeExists(maru.url, 'POST', '/track-event'))) {
        ctx.skip(bench, 'not available yet (maru has no POST /authenticate and /track-event routes; src/faces/notifly/ is not wired)');
        return;
      }
      const { project_id, credentials } = await maru.createProject('bench-notifly');
      // Default quotas are 5,000 requests/s per project and per client key (D2); the target is above that.
      await maru.admin('PATCH', `/admin/v1/projects/${project_id}`, {
        settings: { limits: { project_requests: UNLIMITED, client_requests: UNLIMITED, auth_requests: UNLIMITED, event_ingest: UNLIMITED } },
      });
      const auth = await fetch(`${maru.url}/authenticate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ accessKey: credentials.access_key, secretKey: credentials.secret_key }),
      });
      const authBody = (await auth.json()) as { data?: string; error?: unknown };
      if (auth.status !== 200 || typeof authBody.data !== 'string') throw new Error(`POST /authenticate answered ${auth.status} ${JSON.stringify(authBody)}`);
      ctx.log(`${bench}: maru pid ${maru.pid}, project ${project_id}`);

      const cpuBefore = cpuSeconds(maru.pid);
      const wallBefore = performance.now();
      load = await ctx.load({
        url: maru.url,
        path: '/track-event',
        headers: { authorization: authBody.data },
        body: { kind: 'notifly-track', projectId: project_id },
        accept: { status: 200, bodyIncludes: '"error":null' },
        unitsPerRequest: 1,
      });
      const cpuAfter = cpuSeconds(maru.pid);
      if (cpuBefore !== undefined && cpuAfter !== undefined) serverCores = (cpuAfter - cpuBefore) / ((performance.now() - wallBefore) / 1000);
    } finally {
      await maru.stop();
      ctx.reportProfile(bench, dir);
    }
    if (load.rejected > 0)
      ctx.note(`${bench}: ${load.rejected} requests not accepted; first: HTTP ${load.firstRejection?.status} ${load.firstRejection?.body}`);

    const http = await ctx.httpCeiling('notifly-track', { path: '/track-event', body: { kind: 'notifly-track', projectId: 'bare' }, unitsPerRequest: 1 });
    const rps = load.reqPerSec;
    ctx.add({
      bench,
      metric: 'requests/s',
      value: rps,
      unit: 'req/s',
      baseline: http.reqPerSec,
      ratio: rps / http.reqPerSec,
      target: '≥10,000 req/s and ≥0.4× HTTP ceiling',
      met: rps >= 10_000 && rps / http.reqPerSec >= 0.4,
    });
    ctx.add({ bench, metric: 'latency p50', value: load.latencyMs.p50, unit: 'ms', baseline: http.latencyMs.p50, ratio: null, target: null, met: null });
    ctx.add({
      bench,
      metric: 'latency p99',
      value: load.latencyMs.p99,
      unit: 'ms',
      baseline: http.latencyMs.p99,
      ratio: null,
      target: '< 20 ms',
      met: load.latencyMs.p99 < 20,
    });
    ctx.note(
      `${bench}: ${load.accepted} requests accepted in ${load.durationSec.toFixed(1)}s; server used ${serverCores?.toFixed(2) ?? '?'} cores, load generator ${(load.loadCpuSec / load.durationSec).toFixed(2)} cores; ` +
        `every connection answered after ${load.allConnectedSec?.toFixed(1) ?? '—'}s of warm-up`,
    );
  },
};
