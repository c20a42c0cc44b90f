import type { Db } from '../../platform/db/store.ts';
import './campaigns.tables.ts';
import type { CampaignRow } from './campaigns.tables.ts';
import type { Campaign, CampaignStatus } from './campaigns.types.ts';

export const toCampaign = (r: CampaignRow): Campaign => ({
  id: r.id,
  projectId: r.project_id,
  name: r.name,
  channel: r.channel as Campaign['channel'],
  consentClass: r.consent_class as Campaign['consentClass'],
  status: r.status as CampaignStatus,
  sendTime: JSON.parse(r.send_time),
  template: JSON.parse(r.template),
  options: JSON.parse(r.options),
  statsDimensions: JSON.parse(r.stats_dimensions),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toRow = (c: Campaign): CampaignRow => ({
  project_id: c.projectId,
  id: c.id,
  name: c.name,
  channel: c.channel,
  consent_class: c.consentClass,
  status: c.status,
  send_time: JSON.stringify(c.sendTime),
  template: JSON.stringify(c.template),
  options: JSON.stringify(c.options),
  stats_dimensions: JSON.stringify(c.statsDimensions),
  created_at: c.createdAt,
  updated_at: c.updatedAt,
});

export async function insertCampaign(db: Db, c: Campaign): Promise<void> {
  await db.insertInto('campaigns').values(toRow(c)).execute();
}

export async function saveCampaign(db: Db, c: Campaign): Promise<void> {
  const { project_id, id, created_at, ...rest } = toRow(c);
  await db.updateTable('campaigns').set(rest).where('project_id', '=', project_id).where('id', '=', id).execute();
}

export async function findCampaign(db: Db, projectId: string, id: string): Promise<Campaign | undefined> {
  const r = await db.selectFrom('campaigns').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
  return r && toCampaign(r);
}

export async function listCampaigns(db: Db, projectId: string, filter: { status?: CampaignStatus } = {}): Promise<Campaign[]> {
  let q = db.selectFrom('campaigns').selectAll().where('project_id', '=', projectId);
  if (filter.status) q = q.where('status', '=', filter.status);
  return (await q.orderBy('created_at').orderBy('id').execute()).map(toCampaign);
}
