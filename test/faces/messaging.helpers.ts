import type { InjectOptions } from 'fastify';
import { adminHeaders, buildTestApp, createProject, ManualClock, type TestApp } from '../helpers/app.ts';
import type { Project } from '../../src/core/projects/projects.types.ts';
import type { Runtime } from '../../src/runtime.ts';

/**
 * A runtime on a fresh data dir with a ManualClock (10:00 KST on a Monday unless told otherwise), one project, a
 * Notifly token for it, and a server key so real providers (pointed at loopback fakes) can be configured.
 */
export interface MessagingWorld {
  t: TestApp;
  runtime: Runtime;
  clock: ManualClock;
  project: Project;
  token: string;
  admin(method: InjectOptions['method'], path: string, body?: unknown): Promise<Reply>;
  /** A Notifly call with the project's token (`headers` may override it). */
  notifly(method: InjectOptions['method'], url: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  reauth(): Promise<void>;
  close(): Promise<void>;
}

export interface Reply {
  status: number;
  body: any;
  headers: Record<string, unknown>;
  raw: string;
}

/** 2025-01-06 10:00 KST, a Monday. */
export const DAYTIME = '2025-01-06T01:00:00.000Z';
export const SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

export async function messagingWorld(
  options: { start?: string; timezone?: string; settings?: Record<string, unknown>; env?: Record<string, string> } = {},
): Promise<MessagingWorld> {
  const clock = new ManualClock(options.start ?? DAYTIME);
  const t = await buildTestApp({
    clock,
    env: { MARU_SECRET_KEY: SECRET_KEY, MARU_ALLOW_PRIVATE_NETWORKS: 'true', MARU_PUBLIC_URL: 'https://maru.example.com', ...options.env },
  });
  const { project, credentials } = await createProject(t.runtime, { timezone: options.timezone, settings: options.settings });
  const call = async (opts: InjectOptions): Promise<Reply> => {
    const r = await t.app.inject(opts);
    let parsed: unknown = r.body;
    try {
      parsed = r.json();
    } catch {
      // not JSON
    }
    return { status: r.statusCode, body: parsed as any, headers: r.headers as Record<string, unknown>, raw: r.body };
  };
  const authenticate = async () => {
    const auth = await t.app.inject({
      method: 'POST',
      url: '/authenticate',
      payload: { accessKey: credentials.access_key, secretKey: credentials.secret_key },
    });
    if (auth.statusCode !== 200) throw new Error(`authenticate failed: ${auth.body}`);
    return auth.json().data as string;
  };
  let token = await authenticate();
  return {
    t,
    runtime: t.runtime,
    clock,
    project,
    get token() {
      return token;
    },
    admin: (method, path, body) =>
      call({ method, url: `/admin/v1/projects/${project.id}${path}`, headers: adminHeaders, ...(body === undefined ? {} : { payload: body as object }) }),
    notifly: (method, url, body, headers = {}) =>
      call({ method, url, headers: { authorization: token, ...headers }, ...(body === undefined ? {} : { payload: body as object }) }),
    async reauth() {
      token = await authenticate();
    },
    close: () => t.close(),
  };
}

/** Registers sender numbers, Kakao channels and (optionally) sandbox text sending through the admin API. */
export async function setUp(
  w: MessagingWorld,
  s: {
    senderNumbers?: string[];
    kakaoChannels?: { channelId: string; senderKey: string }[];
    sandboxTextSending?: boolean;
    templates?: Record<string, unknown>[];
  },
): Promise<void> {
  for (const number of s.senderNumbers ?? []) expectOk(await w.admin('POST', '/messaging/sender-numbers', { number }), 201);
  for (const c of s.kakaoChannels ?? []) expectOk(await w.admin('POST', '/messaging/kakao-channels', c), 201);
  if (s.sandboxTextSending !== undefined) expectOk(await w.admin('PATCH', '/messaging', { sandboxTextSending: s.sandboxTextSending }), 200);
  for (const t of s.templates ?? []) expectOk(await w.admin('POST', '/messaging/alimtalk-templates', t), 201);
}

/** Configures a channel's provider through the admin API (sealed with the server key). */
export async function configureChannel(w: MessagingWorld, channel: string, vendor: string, config: Record<string, unknown>): Promise<void> {
  expectOk(await w.admin('PUT', `/channels/${channel}`, { vendor, config }), 200);
}

export function expectOk(r: Reply, status: number): Reply {
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${r.raw}`);
  return r;
}

export async function setSandbox(w: MessagingWorld, failures: unknown[]): Promise<void> {
  expectOk(await w.admin('PUT', '/sandbox', { failures }), 200);
}

/** Deliveries of a campaign (direct-message campaigns included), oldest first. */
export async function deliveriesOf(w: MessagingWorld, campaignId: string): Promise<any[]> {
  const r = expectOk(await w.admin('GET', `/campaigns/${campaignId}/deliveries?limit=1000`), 200);
  return (r.body.deliveries as any[])
    .slice()
    .sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.address < b.address ? -1 : 1));
}

export async function outboxOf(w: MessagingWorld, campaignId: string): Promise<any[]> {
  const r = expectOk(await w.admin('GET', `/outbox?campaign_id=${campaignId}&limit=1000`), 200);
  return r.body.outbox as any[];
}

/** totalCount of each metric of a campaign with a count, as the Notifly stats endpoint reports it. */
export async function totals(w: MessagingWorld, campaignId: string): Promise<Record<string, number>> {
  await w.reauth();
  const r = await w.notifly('GET', `/projects/${w.project.id}/campaigns/${campaignId}/stats?start=2024-06-01T00:00:00.000Z&end=2025-05-31T23:59:59.999Z`);
  if (r.status !== 200) throw new Error(r.raw);
  const out: Record<string, number> = {};
  for (const s of r.body.data.stats) if (s.totalCount !== 0) out[s.metricName] = s.totalCount;
  return out;
}

/** A profile with a user id, a phone identifier and properties. */
export async function addUser(
  runtime: Runtime,
  projectId: string,
  u: { userId: string; phone?: string; properties?: Record<string, unknown> },
): Promise<string> {
  const identifiers: { type: 'external_id' | 'phone'; value: unknown }[] = [{ type: 'external_id', value: u.userId }];
  if (u.phone) identifiers.push({ type: 'phone', value: u.phone });
  const [r] = await runtime.profiles.upsert({ projectId, strict: false, updates: [{ identifiers, properties: u.properties ?? {} }] });
  return r.profileId;
}

export const drain = (w: MessagingWorld) => w.runtime.queue.drain();

export const hangul = (n: number) => '가'.repeat(n);
