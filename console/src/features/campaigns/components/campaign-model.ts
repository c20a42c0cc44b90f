/**
 * The campaign document as the console edits it: the same snake_case fields as docs/campaigns.md "The campaign
 * document" (the admin API takes it as is and checks it whole). The editor keeps every field; `toApi` leaves out
 * what is empty so the core's defaults apply.
 */
export const CHANNELS = ['push', 'web_push', 'text_message', 'kakao_alimtalk', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];
export const STATUSES = ['draft', 'active', 'paused', 'archived'] as const;
export type Status = (typeof STATUSES)[number];
export const SEND_TIME_TYPES = ['api', 'event', 'scheduled'] as const;
export const CONDITION_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'contains', 'exists', 'not_exists'] as const;
export const TEXT_KINDS = ['sms', 'lms', 'mms'] as const;

/**
 * Campaigns that hold a project's direct messages (src/core/messaging/direct-campaigns.ts): their content comes with
 * each request, so they have no editable message; pausing or archiving one turns that kind of direct message off.
 */
export const DIRECT_PREFIX = 'direct_';

/** Allowed status changes (docs/campaigns.md): draft → active, active ⇄ paused, anything but archived → archived. */
export const TRANSITIONS: Record<Status, ('active' | 'paused' | 'archived')[]> = {
  draft: ['active', 'archived'],
  active: ['paused', 'archived'],
  paused: ['active', 'archived'],
  archived: [],
};

export interface Condition {
  param: string;
  op: (typeof CONDITION_OPS)[number];
  value?: string | number | boolean;
}
export type SendTime =
  | { type: 'api' }
  | { type: 'event'; event: string; conditions: Condition[]; delay_seconds: number; cancel_event?: string }
  | { type: 'scheduled'; at: string; audience_id?: string };

export interface CampaignDoc {
  name: string;
  channel: Channel;
  consent_class: 'informational' | 'advertising';
  template: Record<string, unknown>;
  send_time: SendTime;
  stats_dimensions: string[];
  quiet_hours?: { start: string; end: string } | null;
  noisy_window_seconds?: number;
  fatigue?: boolean;
  excluded_user_ids?: string[];
  conversion?: { event: string; window_hours: number };
  max_attempts?: number;
  night_ads?: 'skip' | 'hold';
}

export const EMPTY_TEMPLATES: Record<Channel, Record<string, unknown>> = {
  push: { title: '', body: '', deep_link: '', image_url: '' },
  web_push: { title: '', body: '', url: '', icon_url: '', image_url: '' },
  text_message: { kind: 'sms', body: '', title: '', from: '' },
  kakao_alimtalk: { template_code: '', content: '', parameters: {}, sender_key: '' },
  email: { subject: '', html: '', text: '', from_name: '', from_address: '' },
};

export const emptyDoc = (): CampaignDoc => ({
  name: '',
  channel: 'push',
  consent_class: 'informational',
  template: { ...EMPTY_TEMPLATES.push },
  send_time: { type: 'api' },
  stats_dimensions: [],
});

/** A stored campaign as the editor holds it: every template field of its channel present (empty when unset). */
export function fromStored(c: Record<string, unknown>): CampaignDoc {
  const { id: _id, status: _s, created_at: _c, updated_at: _u, ...rest } = c;
  const doc = rest as unknown as CampaignDoc;
  return { ...doc, template: { ...EMPTY_TEMPLATES[doc.channel], ...doc.template } };
}

const clean = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '' && v !== undefined));

/** The template without empty optional fields (an SMS has no title; an alimtalk failover only when it has a body). */
export function templateToApi(channel: Channel, t: Record<string, unknown>): Record<string, unknown> {
  const out = clean(t);
  if (channel === 'text_message' && out.kind === 'sms') delete out.title;
  if (channel === 'kakao_alimtalk') {
    const fo = t.failover as Record<string, unknown> | undefined;
    if (!fo || !fo.body) delete out.failover;
    else out.failover = clean(fo);
    out.template_code = t.template_code ?? '';
    out.content = t.content ?? '';
  }
  return out;
}

/** The document the API is sent (create or PATCH): empty optional fields left out, null quiet hours kept. */
export function toApi(doc: CampaignDoc): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: doc.name,
    channel: doc.channel,
    consent_class: doc.consent_class,
    template: templateToApi(doc.channel, doc.template),
    send_time: sendTimeToApi(doc.send_time),
    stats_dimensions: doc.stats_dimensions,
  };
  if (doc.quiet_hours !== undefined) out.quiet_hours = doc.quiet_hours;
  for (const k of ['noisy_window_seconds', 'fatigue', 'conversion', 'max_attempts', 'night_ads'] as const) if (doc[k] !== undefined) out[k] = doc[k];
  if (doc.excluded_user_ids && doc.excluded_user_ids.length > 0) out.excluded_user_ids = doc.excluded_user_ids;
  return out;
}

function sendTimeToApi(s: SendTime): SendTime {
  if (s.type === 'event') {
    const e: SendTime = { type: 'event', event: s.event, conditions: s.conditions, delay_seconds: s.delay_seconds };
    if (s.cancel_event) e.cancel_event = s.cancel_event;
    return e;
  }
  if (s.type === 'scheduled') return s.audience_id ? { type: 'scheduled', at: s.at, audience_id: s.audience_id } : { type: 'scheduled', at: s.at };
  return { type: 'api' };
}

/** The `#{variable}`s of an alimtalk body, in order (the same rule as the core's src/core/templates/alimtalk.ts). */
export const placeholdersOf = (content: string): string[] => [...new Set([...content.matchAll(/#\{([^{}]+)\}/g)].map((m) => m[1]))];

/** A field name the API names (`template.body`, `campaign.template.body`) → the editor's template field (`body`). */
export const templateFieldOf = (field: string | undefined): string | undefined => field?.replace(/^campaign\./, '').match(/^template\.(.+)$/)?.[1];
