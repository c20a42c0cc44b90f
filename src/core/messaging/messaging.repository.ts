import type { Db } from '../../platform/db/store.ts';
import './messaging.tables.ts';
import type { AlimtalkTemplateRow, DeliveryResultRow, KakaoChannelRow, SenderNumberRow } from './messaging.tables.ts';
import type { AlimtalkTemplate, KakaoChannel, MessagingSettings, SenderNumber } from './messaging.types.ts';

// ---- settings ----

export async function findSettings(db: Db, projectId: string): Promise<MessagingSettings> {
  const r = await db.selectFrom('messaging_settings').selectAll().where('project_id', '=', projectId).executeTakeFirst();
  return { sandboxTextSending: r?.sandbox_text_sending === 1 };
}

export async function saveSettings(db: Db, projectId: string, s: MessagingSettings, now: number): Promise<void> {
  const values = { sandbox_text_sending: s.sandboxTextSending ? 1 : 0, updated_at: now };
  await db
    .insertInto('messaging_settings')
    .values({ project_id: projectId, ...values })
    .onConflict((oc) => oc.column('project_id').doUpdateSet(values))
    .execute();
}

// ---- sender numbers ----

const toSender = (r: SenderNumberRow): SenderNumber => ({ number: r.number, isDefault: r.is_default === 1, createdAt: r.created_at });

/** The project's sender numbers, the default first (the explicit default, else the earliest registered). */
export async function listSenderNumbers(db: Db, projectId: string): Promise<SenderNumber[]> {
  const rows = await db
    .selectFrom('messaging_sender_numbers')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('is_default', 'desc')
    .orderBy('created_at')
    .orderBy('number')
    .execute();
  return rows.map(toSender);
}

export async function findSenderNumber(db: Db, projectId: string, number: string): Promise<SenderNumber | undefined> {
  const r = await db.selectFrom('messaging_sender_numbers').selectAll().where('project_id', '=', projectId).where('number', '=', number).executeTakeFirst();
  return r && toSender(r);
}

export async function insertSenderNumber(db: Db, projectId: string, number: string, now: number): Promise<void> {
  await db.insertInto('messaging_sender_numbers').values({ project_id: projectId, number, is_default: 0, created_at: now }).execute();
}

export async function setDefaultSenderNumber(db: Db, projectId: string, number: string): Promise<void> {
  await db.updateTable('messaging_sender_numbers').set({ is_default: 0 }).where('project_id', '=', projectId).where('number', '!=', number).execute();
  await db.updateTable('messaging_sender_numbers').set({ is_default: 1 }).where('project_id', '=', projectId).where('number', '=', number).execute();
}

export async function deleteSenderNumber(db: Db, projectId: string, number: string): Promise<boolean> {
  const r = await db.deleteFrom('messaging_sender_numbers').where('project_id', '=', projectId).where('number', '=', number).executeTakeFirst();
  return Number(r.numDeletedRows ?? 0n) > 0;
}

// ---- Kakao channels ----

const toChannel = (r: KakaoChannelRow): KakaoChannel => ({
  channelId: r.channel_id,
  senderKey: r.sender_key,
  isDefault: r.is_default === 1,
  createdAt: r.created_at,
});

/** The project's Kakao channels, the default first (the explicit default, else the earliest registered). */
export async function listKakaoChannels(db: Db, projectId: string): Promise<KakaoChannel[]> {
  const rows = await db
    .selectFrom('messaging_kakao_channels')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('is_default', 'desc')
    .orderBy('created_at')
    .orderBy('channel_id')
    .execute();
  return rows.map(toChannel);
}

export async function findKakaoChannel(db: Db, projectId: string, channelId: string): Promise<KakaoChannel | undefined> {
  const r = await db
    .selectFrom('messaging_kakao_channels')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('channel_id', '=', channelId)
    .executeTakeFirst();
  return r && toChannel(r);
}

export async function upsertKakaoChannel(db: Db, projectId: string, channelId: string, senderKey: string, now: number): Promise<void> {
  await db
    .insertInto('messaging_kakao_channels')
    .values({ project_id: projectId, channel_id: channelId, sender_key: senderKey, is_default: 0, created_at: now })
    .onConflict((oc) => oc.columns(['project_id', 'channel_id']).doUpdateSet({ sender_key: senderKey }))
    .execute();
}

export async function setDefaultKakaoChannel(db: Db, projectId: string, channelId: string): Promise<void> {
  await db.updateTable('messaging_kakao_channels').set({ is_default: 0 }).where('project_id', '=', projectId).where('channel_id', '!=', channelId).execute();
  await db.updateTable('messaging_kakao_channels').set({ is_default: 1 }).where('project_id', '=', projectId).where('channel_id', '=', channelId).execute();
}

export async function deleteKakaoChannel(db: Db, projectId: string, channelId: string): Promise<boolean> {
  const r = await db.deleteFrom('messaging_kakao_channels').where('project_id', '=', projectId).where('channel_id', '=', channelId).executeTakeFirst();
  return Number(r.numDeletedRows ?? 0n) > 0;
}

// ---- alimtalk templates ----

const toTemplate = (r: AlimtalkTemplateRow): AlimtalkTemplate => ({
  templateId: r.template_id,
  templateCode: r.template_code,
  channelId: r.channel_id,
  content: r.content,
  buttons: JSON.parse(r.buttons),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function listTemplates(db: Db, projectId: string): Promise<AlimtalkTemplate[]> {
  const rows = await db.selectFrom('alimtalk_templates').selectAll().where('project_id', '=', projectId).orderBy('template_id').execute();
  return rows.map(toTemplate);
}

export async function countTemplates(db: Db, projectId: string): Promise<number> {
  const r = await db
    .selectFrom('alimtalk_templates')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

export async function findTemplate(db: Db, projectId: string, templateId: string): Promise<AlimtalkTemplate | undefined> {
  const r = await db.selectFrom('alimtalk_templates').selectAll().where('project_id', '=', projectId).where('template_id', '=', templateId).executeTakeFirst();
  return r && toTemplate(r);
}

export async function templatesOfChannel(db: Db, projectId: string, channelId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('alimtalk_templates')
    .select('template_id')
    .where('project_id', '=', projectId)
    .where('channel_id', '=', channelId)
    .orderBy('template_id')
    .execute();
  return rows.map((r) => r.template_id);
}

export async function saveTemplate(db: Db, projectId: string, t: AlimtalkTemplate): Promise<void> {
  const values = { template_code: t.templateCode, channel_id: t.channelId, content: t.content, buttons: JSON.stringify(t.buttons), updated_at: t.updatedAt };
  await db
    .insertInto('alimtalk_templates')
    .values({ project_id: projectId, template_id: t.templateId, created_at: t.createdAt, ...values })
    .onConflict((oc) => oc.columns(['project_id', 'template_id']).doUpdateSet(values))
    .execute();
}

export async function deleteTemplate(db: Db, projectId: string, templateId: string): Promise<boolean> {
  const r = await db.deleteFrom('alimtalk_templates').where('project_id', '=', projectId).where('template_id', '=', templateId).executeTakeFirst();
  return Number(r.numDeletedRows ?? 0n) > 0;
}

// ---- delivery results ----

export async function findResultByMessageId(db: Db, projectId: string, vendor: string, providerMessageId: string): Promise<DeliveryResultRow | undefined> {
  return db
    .selectFrom('delivery_results')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('vendor', '=', vendor)
    .where('provider_message_id', '=', providerMessageId)
    .executeTakeFirst();
}

export async function findResultOfDelivery(db: Db, projectId: string, deliveryId: string): Promise<DeliveryResultRow | undefined> {
  return db.selectFrom('delivery_results').selectAll().where('project_id', '=', projectId).where('delivery_id', '=', deliveryId).executeTakeFirst();
}

export async function insertResult(db: Db, row: DeliveryResultRow): Promise<void> {
  await db.insertInto('delivery_results').values(row).execute();
}

export async function updateResult(
  db: Db,
  key: { projectId: string; vendor: string; providerMessageId: string },
  set: Partial<Omit<DeliveryResultRow, 'project_id' | 'vendor' | 'provider_message_id'>>,
): Promise<void> {
  await db
    .updateTable('delivery_results')
    .set(set)
    .where('project_id', '=', key.projectId)
    .where('vendor', '=', key.vendor)
    .where('provider_message_id', '=', key.providerMessageId)
    .execute();
}
