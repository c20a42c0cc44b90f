import type { InjectOptions } from 'fastify';
import { adminHeaders, buildTestApp, createProject, ManualClock, type TestApp } from '../helpers/app.ts';
import type { Project } from '../../src/core/projects/projects.types.ts';
import type { IssuedCredentials } from '../../src/core/credentials/credentials.service.ts';
import type { Runtime } from '../../src/runtime.ts';

/** A runtime on a fresh data dir with a ManualClock, one project, and a Notifly token for it. */
export interface CampaignWorld {
  t: TestApp;
  runtime: Runtime;
  clock: ManualClock;
  project: Project;
  credentials: IssuedCredentials;
  token: string;
  admin(
    method: InjectOptions['method'],
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  notifly(
    method: InjectOptions['method'],
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  /** Exchanges the keys for a fresh token (tokens last one hour of the ManualClock). */
  reauth(): Promise<void>;
  close(): Promise<void>;
}

/** The advertiser identity every test project starts with (advertising text needs an 080 number). */
export const ADVERTISER = { senderName: '마루샵', optOutNumber: '080-123-4567' };

/** 2025-01-06 10:00 KST (a Monday, daytime in Seoul) unless told otherwise. */
export const DAYTIME = '2025-01-06T01:00:00.000Z';

export async function campaignWorld(
  options: { start?: string; timezone?: string; settings?: Record<string, unknown>; dataDir?: string } = {},
): Promise<CampaignWorld> {
  const clock = new ManualClock(options.start ?? DAYTIME);
  const t = await buildTestApp({ clock, config: options.dataDir ? { dataDir: options.dataDir } : {} });
  const { project, credentials } = await createProject(t.runtime, { timezone: options.timezone, settings: { advertising: ADVERTISER, ...options.settings } });
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
  const call = async (method: InjectOptions['method'], url: string, body: unknown, headers: Record<string, string>) => {
    const r = await t.app.inject({ method, url, headers, ...(body === undefined ? {} : { payload: body as object }) });
    let parsed: unknown = r.body;
    try {
      parsed = r.json();
    } catch {
      // not JSON
    }
    return { status: r.statusCode, body: parsed as any, headers: r.headers as Record<string, unknown> };
  };
  return {
    t,
    runtime: t.runtime,
    clock,
    project,
    credentials,
    get token() {
      return token;
    },
    async reauth() {
      token = await authenticate();
    },
    admin: (method, path, body, headers = {}) => call(method, `/admin/v1/projects/${project.id}${path}`, body, { ...adminHeaders, ...headers }),
    notifly: (method, path, body, headers = {}) => call(method, path, body, { authorization: token, ...headers }),
    close: () => t.close(),
  };
}

/** Creates a campaign through the admin API (active unless the document says otherwise); returns its id. */
export async function createCampaign(w: CampaignWorld, doc: Record<string, unknown>): Promise<string> {
  const r = await w.admin('POST', '/campaigns', { status: 'active', consent_class: 'informational', ...doc });
  if (r.status !== 201) throw new Error(`campaign create failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.campaign.id as string;
}

/** A profile with a user id, properties, and optionally phone/email identifiers and devices. */
export async function addUser(
  runtime: Runtime,
  projectId: string,
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
  const [r] = await runtime.profiles.upsert({ projectId, strict: false, updates: [{ identifiers, properties: u.properties ?? {} }] });
  if (u.devices?.length) {
    await runtime.devices.upsert({
      projectId,
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

/** Runs every due job of the campaign queues (deliveries, triggers, scheduled sends) until none is left. */
export async function drain(w: CampaignWorld): Promise<number> {
  return w.runtime.queue.drain();
}

export async function deliveriesOf(w: CampaignWorld, campaignId: string) {
  const r = await w.admin('GET', `/campaigns/${campaignId}/deliveries?limit=1000`);
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  return r.body.deliveries as any[];
}

export async function outboxOf(w: CampaignWorld, campaignId: string) {
  const r = await w.admin('GET', `/outbox?campaign_id=${campaignId}&limit=1000`);
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  return r.body.outbox as any[];
}

/** totalCount of each metric of a campaign over a wide range, as the Notifly stats endpoint reports it. */
export async function totals(w: CampaignWorld, campaignId: string): Promise<Record<string, number>> {
  await w.reauth(); // the ManualClock may have moved past the token's hour
  const r = await w.notifly('GET', `/projects/${w.project.id}/campaigns/${campaignId}/stats?start=2024-06-01T00:00:00.000Z&end=2025-05-31T23:59:59.999Z`);
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  const out: Record<string, number> = {};
  for (const s of r.body.data.stats) if (s.totalCount > 0) out[s.metricName] = s.totalCount;
  return out;
}

export const PUSH_TEMPLATE = { title: '{{ event_params["messageTitle"] }}', body: '{{ user["name"] }}님 안녕하세요' };
