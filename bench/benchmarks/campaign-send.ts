import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { RunContext } from '../lib/context.ts';
import { routeExists, startMaru } from '../lib/maru.ts';
import { cpuSeconds } from '../lib/proc.ts';
import type { Benchmark } from './types.ts';

const UNLIMITED = 1_000_000_000;
const RECIPIENTS = 1000;
const FINAL = ['sent', 'failed', 'skipped', 'cancelled'];

/**
 * Campaign send of 1,000 recipients to the sandbox provider, end to end: from the Notifly campaign-send request
 * (`POST /campaign/{projectId}/{campaignId}/send`, 1,000 user-id recipients with event params) until every delivery
 * has reached a final state (rendered with the profile's and the request's values, recorded in the sandbox outbox).
 *
 * Setup (not timed): a project, 1,000 profiles with an email (Notifly set-user-properties), an active API-triggered
 * informational email campaign (admin API). Completion is watched by reading the deliveries table of the store
 * read-only (WAL lets it run beside the server), so polling adds no HTTP load to the server being measured.
 */
export const campaignSend: Benchmark = {
  name: 'campaign',
  summary: 'Campaign send of 1,000 recipients to the sandbox provider, end to end (deliveries/s)',
  async run(ctx: RunContext) {
    const bench = 'campaign-send';
    const dir = ctx.dir('campaign');
    const maru = await startMaru({ dir, nodeArgs: ctx.serverNodeArgs(dir) });
    let seconds: number;
    let states: Record<string, number>;
    let serverCores: number | undefined;
    let firstFinalMs: number | undefined;
    try {
      if (!(await routeExists(maru.url, 'POST', '/campaign/x/y/send')) || !(await routeExists(maru.url, 'POST', '/admin/v1/projects/x/campaigns'))) {
        ctx.skip(bench, 'not available yet (maru has no POST /campaign/{projectId}/{campaignId}/send or admin campaigns API)');
        return;
      }
      const { project_id: projectId, credentials } = await maru.createProject('bench-campaign');
      await maru.admin('PATCH', `/admin/v1/projects/${projectId}`, {
        settings: { limits: { project_requests: UNLIMITED, client_requests: UNLIMITED, auth_requests: UNLIMITED, event_ingest: UNLIMITED } },
      });
      const token = await authenticate(maru.url, credentials.access_key, credentials.secret_key);

      const users = Array.from({ length: RECIPIENTS }, (_, i) => ({
        projectId,
        userId: `user-${i}`,
        userProperties: { $email: `user-${i}@example.com`, name: `User ${i}` },
      }));
      await post(`${maru.url}/set-user-properties`, users, { authorization: token }, 'set-user-properties');

      const { campaign } = await maru.admin<{ campaign: { id: string } }>('POST', `/admin/v1/projects/${projectId}/campaigns`, {
        name: 'bench_receipt',
        channel: 'email',
        consent_class: 'informational',
        send_time: { type: 'api' },
        template: {
          subject: 'Your order {{ event_params["order_id"] }}',
          text: '{{ user["name"] }}님, order {{ event_params["order_id"] }} ships today.',
        },
      });
      await maru.admin('POST', `/admin/v1/projects/${projectId}/campaigns/${campaign.id}/status`, { status: 'active' });
      ctx.log(`${bench}: maru pid ${maru.pid}, project ${projectId}, campaign ${campaign.id}`);

      const db = new DatabaseSync(join(maru.dataDir, 'maru.db'), { readOnly: true });
      const count = db.prepare('select state, count(*) as n from deliveries where project_id = ? and campaign_id = ? group by state');
      const recipients = users.map((u, i) => ({ userId: u.userId, eventParams: { order_id: `o-${100000 + i}` } }));
      const cpuBefore = cpuSeconds(maru.pid);
      const started = performance.now();
      await post(`${maru.url}/campaign/${projectId}/${campaign.id}/send`, { recipients }, { authorization: token }, 'campaign send', '"success":true');
      const deadline = started + 120_000;
      for (;;) {
        states = Object.fromEntries((count.all(projectId, campaign.id) as { state: string; n: number }[]).map((r) => [r.state, Number(r.n)]));
        const done = FINAL.reduce((n, s) => n + (states[s] ?? 0), 0);
        if (done > 0 && firstFinalMs === undefined) firstFinalMs = performance.now() - started;
        if (done >= RECIPIENTS) break;
        if (performance.now() > deadline) throw new Error(`only ${done} of ${RECIPIENTS} deliveries final after 120 s: ${JSON.stringify(states)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      seconds = (performance.now() - started) / 1000;
      const cpuAfter = cpuSeconds(maru.pid);
      if (cpuBefore !== undefined && cpuAfter !== undefined) serverCores = (cpuAfter - cpuBefore) / seconds;
      db.close();
    } finally {
      await maru.stop();
      ctx.reportProfile(bench, dir);
    }
    const rate = RECIPIENTS / seconds;
    ctx.add({
      bench,
      metric: `deliveries/s (${RECIPIENTS} recipients, end to end)`,
      value: rate,
      unit: 'deliveries/s',
      baseline: null,
      ratio: null,
      target: '≥5,000 deliveries/s',
      met: rate >= 5000,
    });
    if ((states.sent ?? 0) !== RECIPIENTS) ctx.note(`${bench}: delivery states ${JSON.stringify(states)} (expected all ${RECIPIENTS} sent)`);
    ctx.note(
      `${bench}: ${RECIPIENTS} deliveries final in ${(seconds * 1000).toFixed(0)} ms (first after ${firstFinalMs?.toFixed(0) ?? '?'} ms); server used ${serverCores?.toFixed(2) ?? '?'} cores`,
    );
  },
};

async function post(url: string, body: unknown, headers: Record<string, string>, what: string, expect?: string): Promise<string> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await r.text();
  if (r.status !== 200 || (expect && !text.includes(expect))) throw new Error(`${what} answered ${r.status}: ${text.slice(0, 500)}`);
  return text;
}

export async function authenticate(url: string, accessKey: string, secretKey: string): Promise<string> {
  const text = await post(`${url}/authenticate`, { accessKey, secretKey }, {}, 'POST /authenticate');
  const body = JSON.parse(text) as { data?: unknown };
  if (typeof body.data !== 'string') throw new Error(`POST /authenticate answered ${text}`);
  return body.data;
}
