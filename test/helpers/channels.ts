import type { InjectOptions } from 'fastify';
import { adminHeaders, buildTestApp, createProject, ManualClock, type TestApp } from './app.ts';
import type { Project } from '../../src/core/projects/projects.types.ts';
import type { IssuedCredentials } from '../../src/core/credentials/credentials.service.ts';
import type { Runtime } from '../../src/runtime.ts';
import type { Config } from '../../src/platform/config.ts';

/** The MARU_SECRET_KEY of channel tests (32+ characters). */
export const TEST_SECRET_KEY = 'maru-test-secret-key-0123456789abcdef';
export const PUBLIC_URL = 'https://maru.example.com';

export interface Reply {
  status: number;
  body: any;
  headers: Record<string, unknown>;
  text: string;
}

/** One project on a fresh runtime (ManualClock, MARU_SECRET_KEY set, private networks allowed for loopback fakes). */
export interface ChannelWorld {
  t: TestApp;
  runtime: Runtime;
  clock: ManualClock;
  project: Project;
  credentials: IssuedCredentials;
  inject(method: InjectOptions['method'], url: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  admin(method: InjectOptions['method'], path: string, body?: unknown): Promise<Reply>;
  /** Notifly campaign send (seed 004 §5) with a fresh session token. */
  send(campaignId: string, recipients: unknown[]): Promise<Reply>;
  close(): Promise<void>;
}

export async function channelWorld(options: { config?: Partial<Config>; settings?: Record<string, unknown> } = {}): Promise<ChannelWorld> {
  const clock = new ManualClock('2025-01-06T01:00:00.000Z'); // 10:00 in Seoul
  const t = await buildTestApp({ clock, config: { secretKey: TEST_SECRET_KEY, allowPrivateNetworks: true, publicUrl: PUBLIC_URL, ...options.config } });
  const { project, credentials } = await createProject(t.runtime, { settings: options.settings });
  const inject = async (method: InjectOptions['method'], url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const r = await t.app.inject({
      method,
      url,
      headers,
      ...(body === undefined ? {} : typeof body === 'string' ? { payload: body } : { payload: body as object }),
    });
    let parsed: unknown = r.body;
    try {
      parsed = r.json();
    } catch {
      // not JSON
    }
    return { status: r.statusCode, body: parsed, headers: r.headers as Record<string, unknown>, text: r.body };
  };
  return {
    t,
    runtime: t.runtime,
    clock,
    project,
    credentials,
    inject,
    admin: (method, path, body) => inject(method, `/admin/v1/projects/${project.id}${path}`, body, adminHeaders),
    async send(campaignId, recipients) {
      const auth = await inject('POST', '/authenticate', { accessKey: credentials.access_key, secretKey: credentials.secret_key });
      if (auth.status !== 200) throw new Error(`authenticate: ${auth.text}`);
      return inject('POST', `/campaign/${project.id}/${campaignId}/send`, { recipients }, { authorization: auth.body.data });
    },
    close: () => t.close(),
  };
}

/** Creates an active API-triggered campaign; returns its id. */
export async function campaign(
  w: ChannelWorld,
  doc: { channel: string; template: Record<string, unknown>; consent_class?: 'informational' | 'advertising'; name?: string },
): Promise<string> {
  const r = await w.admin('POST', '/campaigns', {
    name: doc.name ?? `${doc.channel} campaign`,
    status: 'active',
    consent_class: doc.consent_class ?? 'informational',
    send_time: { type: 'api' },
    ...doc,
  });
  if (r.status !== 201) throw new Error(`campaign create failed: ${r.status} ${r.text}`);
  return r.body.campaign.id as string;
}

/** A profile with a user id, properties, identifiers and devices. */
export async function user(
  w: ChannelWorld,
  u: {
    userId: string;
    properties?: Record<string, unknown>;
    phone?: string;
    email?: string;
    devices?: { deviceId: string; platform: 'android' | 'ios' | 'web'; pushToken?: string; webPush?: unknown }[];
  },
): Promise<string> {
  const identifiers: { type: 'external_id' | 'phone' | 'email'; value: unknown }[] = [{ type: 'external_id', value: u.userId }];
  if (u.phone) identifiers.push({ type: 'phone', value: u.phone });
  if (u.email) identifiers.push({ type: 'email', value: u.email });
  const [r] = await w.runtime.profiles.upsert({ projectId: w.project.id, strict: false, updates: [{ identifiers, properties: u.properties ?? {} }] });
  if (u.devices?.length) {
    await w.runtime.devices.upsert({
      projectId: w.project.id,
      devices: u.devices.map((d) => ({
        deviceId: d.deviceId,
        externalId: u.userId,
        platform: d.platform,
        pushToken: d.pushToken,
        webPush: d.webPush,
        fields: { deviceId: 'device_id', externalId: 'user_id', platform: 'platform', pushToken: 'push_token', webPush: 'web_push', properties: 'properties' },
      })),
    });
  }
  return r.profileId;
}

export async function deliveries(w: ChannelWorld, campaignId: string): Promise<any[]> {
  const r = await w.admin('GET', `/campaigns/${campaignId}/deliveries?limit=1000`);
  if (r.status !== 200) throw new Error(r.text);
  return r.body.deliveries;
}

/** totalCount of each metric of a campaign (non-zero ones). */
export async function totals(w: ChannelWorld, campaignId: string): Promise<Record<string, number>> {
  const r = await w.admin('GET', `/campaigns/${campaignId}/stats?start=2024-06-01T00:00:00.000Z&end=2025-05-31T23:59:59.999Z`);
  if (r.status !== 200) throw new Error(r.text);
  const stats = (r.body.data?.stats ?? r.body.stats) as { metricName: string; totalCount: number }[];
  return Object.fromEntries(stats.filter((s) => s.totalCount > 0).map((s) => [s.metricName, s.totalCount]));
}

/** Runs every due queue job until none is left. */
export const drain = (w: ChannelWorld) => w.runtime.queue.drain();
