import type { Db } from '../../platform/db/store.ts';
import './deliveries.tables.ts';
import type { DeliveryRow } from './deliveries.tables.ts';
import type { Delivery, DeliveryState, ProfileCondition } from './deliveries.types.ts';

const parse = <T>(s: string | null): T | null => (s === null ? null : (JSON.parse(s) as T));

export const toDelivery = (r: DeliveryRow): Delivery => ({
  id: r.id,
  projectId: r.project_id,
  campaignId: r.campaign_id,
  channel: r.channel as Delivery['channel'],
  trigger: r.trigger as Delivery['trigger'],
  requestId: r.request_id,
  idempotencyKey: r.idempotency_key,
  recipientType: r.recipient_type as Delivery['recipientType'],
  recipientValue: r.recipient_value,
  profileId: r.profile_id,
  addressKind: r.address_kind as Delivery['addressKind'],
  address: r.address,
  deviceId: r.device_id,
  platform: r.platform,
  eventParams: parse<Record<string, unknown>>(r.event_params) ?? {},
  consentClass: r.consent_class as Delivery['consentClass'],
  state: r.state as DeliveryState,
  metric: r.metric,
  reason: r.reason,
  attempts: r.attempts,
  provider: r.provider,
  providerMessageId: r.provider_message_id,
  providerResponse: parse(r.provider_response),
  rendered: parse(r.rendered),
  dimensions: parse(r.dimensions),
  parentId: r.parent_id,
  runAt: r.run_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  sendingAt: r.sending_at,
  finishedAt: r.finished_at,
  deliveredAt: r.delivered_at,
  openedAt: r.opened_at,
  clickedAt: r.clicked_at,
  convertedAt: r.converted_at,
});

// ---- deliveries ----

export async function existingKeys(db: Db, projectId: string, keys: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await db
      .selectFrom('deliveries')
      .select('idempotency_key')
      .where('project_id', '=', projectId)
      .where('idempotency_key', 'in', keys.slice(i, i + 500))
      .execute();
    for (const r of rows) out.add(r.idempotency_key);
  }
  return out;
}

export async function insertDeliveries(db: Db, rows: DeliveryRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 50)
    await db
      .insertInto('deliveries')
      .values(rows.slice(i, i + 50))
      .execute();
}

export async function findDelivery(db: Db, projectId: string, id: string): Promise<Delivery | undefined> {
  const r = await db.selectFrom('deliveries').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
  return r && toDelivery(r);
}

/** Changes a delivery only if it is in one of `from` (so two workers never both move it); returns whether it did. */
export async function transition(
  db: Db,
  projectId: string,
  id: string,
  from: DeliveryState[],
  set: Partial<Omit<DeliveryRow, 'id' | 'project_id'>>,
): Promise<boolean> {
  const r = await db.updateTable('deliveries').set(set).where('project_id', '=', projectId).where('id', '=', id).where('state', 'in', from).executeTakeFirst();
  return Number(r.numUpdatedRows ?? 0n) > 0;
}

export async function setTimestamp(
  db: Db,
  projectId: string,
  id: string,
  column: 'delivered_at' | 'opened_at' | 'clicked_at' | 'converted_at',
  at: number,
): Promise<boolean> {
  const r = await db
    .updateTable('deliveries')
    .set({ [column]: at })
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .where(column, 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows ?? 0n) > 0;
}

/**
 * Deliveries newest first (created_at, then id), of one campaign or of some profiles. `before` keeps every delivery
 * created before that instant; `after` is a keyset position (the last row of the previous page): rows created at the
 * same millisecond are told apart by id, so paging never skips or repeats one.
 */
export async function listDeliveries(
  db: Db,
  projectId: string,
  filter: { campaignId?: string; profileIds?: string[]; state?: string; limit: number; before?: number; after?: { createdAt: number; id: string } },
): Promise<Delivery[]> {
  let q = db.selectFrom('deliveries').selectAll().where('project_id', '=', projectId);
  if (filter.campaignId) q = q.where('campaign_id', '=', filter.campaignId);
  if (filter.profileIds) q = q.where('profile_id', 'in', filter.profileIds);
  if (filter.state) q = q.where('state', '=', filter.state);
  if (filter.before !== undefined) q = q.where('created_at', '<', filter.before);
  const after = filter.after;
  if (after) q = q.where((eb) => eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)])]));
  return (await q.orderBy('created_at', 'desc').orderBy('id').limit(filter.limit).execute()).map(toDelivery);
}

/** Whether a (live) profile exists. */
export async function profileExists(db: Db, projectId: string, profileId: string): Promise<boolean> {
  return (await db.selectFrom('profiles').select('id').where('project_id', '=', projectId).where('id', '=', profileId).executeTakeFirst()) !== undefined;
}

/** Pending event-triggered deliveries of a campaign for a profile (what a cancel event cancels). */
export async function pendingEventDeliveries(db: Db, projectId: string, campaignId: string, profileId: string): Promise<DeliveryRow[]> {
  return db
    .selectFrom('deliveries')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('profile_id', '=', profileId)
    .where('campaign_id', '=', campaignId)
    .where('trigger', '=', 'event')
    .where('state', '=', 'pending')
    .where('sending_at', 'is', null)
    .execute();
}

/** The latest sent delivery of a campaign to a profile since `since` not yet converted. */
export async function latestSentUnconverted(db: Db, projectId: string, campaignId: string, profileId: string, since: number): Promise<DeliveryRow | undefined> {
  return db
    .selectFrom('deliveries')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('profile_id', '=', profileId)
    .where('campaign_id', '=', campaignId)
    .where('state', '=', 'sent')
    .where('sending_at', '>=', since)
    .where('converted_at', 'is', null)
    .orderBy('sending_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Deliveries of a campaign to a profile or an address that went out (sending or sent) after `since`, other than `exceptId`. */
export async function countRecentToRecipient(
  db: Db,
  input: { projectId: string; campaignId: string; profileId: string | null; address: string | null; since: number; exceptId: string },
): Promise<number> {
  let q = db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', input.projectId)
    .where('campaign_id', '=', input.campaignId)
    .where('state', 'in', ['sending', 'sent'])
    .where('sending_at', '>', input.since)
    .where('id', '!=', input.exceptId);
  if (input.profileId) q = q.where('profile_id', '=', input.profileId);
  else if (input.address) q = q.where('address', '=', input.address);
  else return 0;
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/** Advertising messages that went out to a profile after `since` (any campaign, any channel). */
export async function countAdvertisingTo(db: Db, projectId: string, profileId: string, since: number, exceptId: string): Promise<number> {
  const r = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId)
    .where('profile_id', '=', profileId)
    .where('sending_at', '>', since)
    .where('consent_class', '=', 'advertising')
    .where('state', 'in', ['sending', 'sent'])
    .where('id', '!=', exceptId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Deliveries not yet final, for the live `pending` metric. */
export async function unfinished(db: Db, projectId: string, campaignId: string): Promise<{ created_at: number; dimensions: string | null }[]> {
  return db
    .selectFrom('deliveries')
    .select(['created_at', 'dimensions'])
    .where('project_id', '=', projectId)
    .where('campaign_id', '=', campaignId)
    .where('state', 'in', ['pending', 'rendering', 'sending'])
    .execute();
}

/** Erases the deliveries of profiles; returns their idempotency keys (so provider-side records can go too). */
export async function eraseForProfiles(db: Db, projectId: string, profileIds: string[]): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < profileIds.length; i += 500) {
    const chunk = profileIds.slice(i, i + 500);
    const rows = await db.selectFrom('deliveries').select('idempotency_key').where('project_id', '=', projectId).where('profile_id', 'in', chunk).execute();
    keys.push(...rows.map((r) => r.idempotency_key));
    await db.deleteFrom('deliveries').where('project_id', '=', projectId).where('profile_id', 'in', chunk).execute();
  }
  return keys;
}

// ---- metrics and counters ----

export async function incrementMetric(
  db: Db,
  row: { project_id: string; campaign_id: string; metric: string; day: string; dimension_key: string; dimension_value: string },
  by: number,
  now: number,
): Promise<void> {
  await db
    .insertInto('campaign_metrics')
    .values({ ...row, count: by, updated_at: now })
    .onConflict((oc) =>
      oc
        .columns(['project_id', 'campaign_id', 'metric', 'day', 'dimension_key', 'dimension_value'])
        .doUpdateSet((eb) => ({ count: eb('campaign_metrics.count', '+', by), updated_at: now })),
    )
    .execute();
}

export async function metricRows(db: Db, projectId: string, campaignId: string, fromDay: string, toDay: string) {
  return db
    .selectFrom('campaign_metrics')
    .select(['metric', 'day', 'dimension_key', 'dimension_value', 'count'])
    .where('project_id', '=', projectId)
    .where('campaign_id', '=', campaignId)
    .where('day', '>=', fromDay)
    .where('day', '<=', toDay)
    .orderBy('metric')
    .orderBy('day')
    .orderBy('dimension_key')
    .orderBy('dimension_value')
    .execute();
}

/** Per campaign and day, the total count (dimension_key '') of the given metrics of a project from `fromDay` on. */
export async function metricTotalsByCampaign(db: Db, projectId: string, metrics: string[], fromDay: string) {
  return db
    .selectFrom('campaign_metrics')
    .select(['campaign_id', 'day', (eb) => eb.fn.sum<number>('count').as('n')])
    .where('project_id', '=', projectId)
    .where('metric', 'in', metrics)
    .where('dimension_key', '=', '')
    .where('day', '>=', fromDay)
    .groupBy(['campaign_id', 'day'])
    .execute();
}

/** Per campaign, when one of the metrics was last counted (its counters keep the time of the latest count). */
export async function lastMetricAtByCampaign(db: Db, projectId: string, metrics: string[]) {
  return db
    .selectFrom('campaign_metrics')
    .select(['campaign_id', (eb) => eb.fn.max<number>('updated_at').as('at')])
    .where('project_id', '=', projectId)
    .where('metric', 'in', metrics)
    .where('dimension_key', '=', '')
    .groupBy('campaign_id')
    .execute();
}

/**
 * Counts one more send of the day if the count is below `cap`, in one statement (the row lock orders concurrent
 * units on PostgreSQL, so two deliveries cannot both take the last place); answers whether it was counted.
 */
export async function takeSendSlot(db: Db, projectId: string, channel: string, day: string, cap: number): Promise<boolean> {
  if (cap <= 0) return false;
  const r = await db
    .insertInto('send_counters')
    .values({ project_id: projectId, channel, day, count: 1 })
    .onConflict((oc) =>
      oc
        .columns(['project_id', 'channel', 'day'])
        .doUpdateSet((eb) => ({ count: eb('send_counters.count', '+', 1) }))
        .where('send_counters.count', '<', cap),
    )
    .returning('count')
    .executeTakeFirst();
  return r !== undefined;
}

export async function incrementSendCount(db: Db, projectId: string, channel: string, day: string): Promise<void> {
  await db
    .insertInto('send_counters')
    .values({ project_id: projectId, channel, day, count: 1 })
    .onConflict((oc) => oc.columns(['project_id', 'channel', 'day']).doUpdateSet((eb) => ({ count: eb('send_counters.count', '+', 1) })))
    .execute();
}

// ---- tracking keys ----

export async function findTrackingKey(db: Db, projectId: string): Promise<string | undefined> {
  return (await db.selectFrom('tracking_keys').select('secret').where('project_id', '=', projectId).executeTakeFirst())?.secret;
}

export async function insertTrackingKeyIfAbsent(db: Db, projectId: string, secret: string, now: number): Promise<void> {
  await db
    .insertInto('tracking_keys')
    .values({ project_id: projectId, secret, created_at: now })
    .onConflict((oc) => oc.column('project_id').doNothing())
    .execute();
}

// ---- reads of profiles, identifiers and devices (owned by their modules; read here in batches for planning) ----

export async function profilesByExternalId(db: Db, projectId: string, externalIds: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < externalIds.length; i += 500) {
    const rows = await db
      .selectFrom('identifiers')
      .select(['value', 'profile_id'])
      .where('project_id', '=', projectId)
      .where('type', '=', 'external_id')
      .where('value', 'in', externalIds.slice(i, i + 500))
      .execute();
    for (const r of rows) out.set(r.value, r.profile_id);
  }
  return out;
}

export async function profileOwning(db: Db, projectId: string, type: string, value: string): Promise<string | undefined> {
  return (
    await db
      .selectFrom('identifiers')
      .select('profile_id')
      .where('project_id', '=', projectId)
      .where('type', '=', type)
      .where('value', '=', value)
      .executeTakeFirst()
  )?.profile_id;
}

export interface ProfileForSend {
  id: string;
  properties: Record<string, unknown>;
  identifiers: { type: string; value: string }[];
  devices: { deviceId: string; platform: string; pushToken: string | null; webpush: string | null }[];
}

export async function profilesForSend(db: Db, projectId: string, ids: string[], withDevices: boolean): Promise<Map<string, ProfileForSend>> {
  const out = new Map<string, ProfileForSend>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const profiles = await db.selectFrom('profiles').select(['id', 'properties']).where('project_id', '=', projectId).where('id', 'in', chunk).execute();
    for (const p of profiles) out.set(p.id, { id: p.id, properties: JSON.parse(p.properties), identifiers: [], devices: [] });
    const ids2 = await db
      .selectFrom('identifiers')
      .select(['profile_id', 'type', 'value', 'created_at'])
      .where('project_id', '=', projectId)
      .where('profile_id', 'in', chunk)
      .orderBy('created_at')
      .execute();
    for (const r of ids2) out.get(r.profile_id)?.identifiers.push({ type: r.type, value: r.value });
    if (withDevices) {
      const devices = await db
        .selectFrom('devices')
        .select(['profile_id', 'device_id', 'platform', 'push_token', 'webpush'])
        .where('project_id', '=', projectId)
        .where('profile_id', 'in', chunk)
        .orderBy('updated_at', 'desc')
        .execute();
      for (const d of devices)
        out.get(d.profile_id)?.devices.push({ deviceId: d.device_id, platform: d.platform, pushToken: d.push_token, webpush: d.webpush });
    }
  }
  return out;
}

/** Ids of a project's profiles (optionally those an audience selects), in id order, for streaming. */
export function profileIdsQuery(db: Db, projectId: string, audience?: ProfileCondition) {
  let q = db.selectFrom('profiles as ap').select('ap.id').where('ap.project_id', '=', projectId);
  if (audience) q = q.where(audience('ap'));
  return q.orderBy('ap.id');
}

/** Deliveries of every project by state, for the operator's metrics (the only cross-project read here). */
export async function countByState(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('deliveries')
    .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('state')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}
