import { invalid } from '../errors.ts';
import { parseDatetime } from '../taxonomy/values.ts';
import { TemplateError, type TemplateRenderer } from '../templates/templates.ts';
import { placeholdersOf } from '../templates/alimtalk.ts';
import { parseIdentifier } from '../identity/identifiers.ts';
import {
  CAMPAIGN_STATUSES,
  CHANNELS,
  CONDITION_OPS,
  CONSENT_CLASSES,
  NIGHT_ADS_POLICIES,
  TEXT_KINDS,
  type AlimtalkFailover,
  type AlimtalkTemplate,
  type CampaignOptions,
  type CampaignStatus,
  type CampaignTemplate,
  type Channel,
  type ConditionOp,
  type ConsentClass,
  type EmailTemplate,
  type EventCondition,
  type PushTemplate,
  type QuietHours,
  type SendTime,
  type TextKind,
  type TextTemplate,
  type WebPushTemplate,
} from './campaigns.types.ts';

/**
 * The campaign document as the admin API, the CLI (`maru campaign create --file`) and docs/campaigns.md write it.
 * `parseCampaignDocument` checks all of it and names the first bad field; nothing is stored for a bad document.
 */
export interface CampaignDocument {
  name: string;
  channel: Channel;
  consentClass: ConsentClass;
  template: CampaignTemplate;
  sendTime: SendTime;
  statsDimensions: string[];
  status?: CampaignStatus;
  options: CampaignOptions;
}

const TOP_FIELDS = [
  'name',
  'channel',
  'consent_class',
  'template',
  'send_time',
  'stats_dimensions',
  'status',
  'quiet_hours',
  'noisy_window_seconds',
  'fatigue',
  'excluded_user_ids',
  'conversion',
  'max_attempts',
  'night_ads',
] as const;

export const OPTION_FIELDS = ['quiet_hours', 'noisy_window_seconds', 'fatigue', 'excluded_user_ids', 'conversion', 'max_attempts', 'night_ads'] as const;

const NAME = /^[A-Za-z0-9_$][A-Za-z0-9_.$-]{0,127}$/;
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const EMAIL = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+$/;
const MAX_TEMPLATE = 100_000;
const MAX_DELAY_SECONDS = 30 * 86_400;

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function onlyFields(obj: Obj, allowed: readonly string[], at: string) {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k))
      throw invalid(at ? `${at}.${k}` : k, `${at ? `${at}.${k}` : k} is not a field of ${at || 'a campaign'} (allowed: ${allowed.join(', ')})`);
  }
}

function str(obj: Obj, key: string, at: string, opts: { required?: boolean; max?: number } = {}): string | undefined {
  const v = obj[key];
  const field = `${at}.${key}`;
  if (v === undefined || v === null) {
    if (opts.required) throw invalid(field, `${field} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw invalid(field, `${field} must be a string`);
  if (opts.required && v.trim().length === 0) throw invalid(field, `${field} must not be empty`);
  if (v.length > (opts.max ?? MAX_TEMPLATE)) throw invalid(field, `${field} is longer than ${opts.max ?? MAX_TEMPLATE} characters`);
  return v;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], field: string): T {
  if (!allowed.includes(v as T)) throw invalid(field, `${field} must be one of ${allowed.join(', ')}`);
  return v as T;
}

function int(v: unknown, field: string, min: number, max: number): number {
  if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) throw invalid(field, `${field} must be an integer from ${min} to ${max}`);
  return v as number;
}

function checkLiquid(renderer: TemplateRenderer, source: string | undefined, field: string, mode: 'text' | 'html' = 'text') {
  if (source === undefined) return;
  try {
    renderer.parse(source, mode);
  } catch (e) {
    if (e instanceof TemplateError) throw invalid(field, `${field} is not a valid Liquid template: ${e.message}`);
    throw e;
  }
}

export function parseTemplate(channel: Channel, raw: unknown, renderer: TemplateRenderer): CampaignTemplate {
  const at = 'template';
  if (!isObject(raw)) throw invalid(at, "template must be an object with the fields of the channel's message");
  const liquid = (fields: string[], obj: Obj, base = at) => {
    for (const f of fields) checkLiquid(renderer, obj[f] as string | undefined, `${base}.${f}`);
  };
  switch (channel) {
    case 'push': {
      onlyFields(raw, ['title', 'body', 'deep_link', 'image_url'], at);
      const t: PushTemplate = { title: str(raw, 'title', at, { max: 1000 }) ?? '', body: str(raw, 'body', at, { required: true, max: 4000 })! };
      const deep = str(raw, 'deep_link', at, { max: 2000 });
      const image = str(raw, 'image_url', at, { max: 2000 });
      if (deep !== undefined) t.deep_link = deep;
      if (image !== undefined) t.image_url = image;
      liquid(['title', 'body', 'deep_link', 'image_url'], raw);
      return t;
    }
    case 'web_push': {
      onlyFields(raw, ['title', 'body', 'url', 'icon_url', 'image_url'], at);
      const t: WebPushTemplate = { title: str(raw, 'title', at, { required: true, max: 1000 })!, body: str(raw, 'body', at, { required: true, max: 4000 })! };
      for (const k of ['url', 'icon_url', 'image_url'] as const) {
        const v = str(raw, k, at, { max: 2000 });
        if (v !== undefined) t[k] = v;
      }
      liquid(['title', 'body', 'url', 'icon_url', 'image_url'], raw);
      return t;
    }
    case 'email': {
      onlyFields(raw, ['subject', 'html', 'text', 'from_name', 'from_address'], at);
      const t: EmailTemplate = { subject: str(raw, 'subject', at, { required: true, max: 2000 })! };
      const html = str(raw, 'html', at);
      const text = str(raw, 'text', at);
      if (html === undefined && text === undefined) throw invalid(`${at}.html`, 'template needs html, text or both');
      if (html !== undefined) t.html = html;
      if (text !== undefined) t.text = text;
      const fromName = str(raw, 'from_name', at, { max: 200 });
      if (fromName !== undefined) t.from_name = fromName;
      const fromAddress = str(raw, 'from_address', at, { max: 320 });
      if (fromAddress !== undefined) {
        if (!EMAIL.test(fromAddress)) throw invalid(`${at}.from_address`, `${at}.from_address must be an email address`);
        t.from_address = fromAddress;
      }
      liquid(['subject', 'text', 'from_name'], raw);
      checkLiquid(renderer, html, `${at}.html`, 'html');
      return t;
    }
    case 'text_message': {
      onlyFields(raw, ['kind', 'body', 'title', 'from'], at);
      const t: TextTemplate = {
        kind: raw.kind === undefined ? 'sms' : oneOf(raw.kind, TEXT_KINDS, `${at}.kind`),
        body: str(raw, 'body', at, { required: true, max: 4000 })!,
      };
      const title = str(raw, 'title', at, { max: 200 });
      if (title !== undefined) t.title = title;
      const from = str(raw, 'from', at, { max: 30 });
      if (from !== undefined) t.from = from;
      liquid(['body', 'title'], raw);
      return t;
    }
    case 'kakao_alimtalk': {
      onlyFields(raw, ['template_code', 'content', 'parameters', 'sender_key', 'failover'], at);
      const content = str(raw, 'content', at, { required: true, max: 4000 })!;
      const params = raw.parameters ?? {};
      if (!isObject(params)) throw invalid(`${at}.parameters`, `${at}.parameters must be an object of #{variable} name to Liquid template`);
      const parameters: Record<string, string> = {};
      for (const [k, v] of Object.entries(params)) {
        if (typeof v !== 'string') throw invalid(`${at}.parameters.${k}`, `${at}.parameters.${k} must be a string (a Liquid template)`);
        checkLiquid(renderer, v, `${at}.parameters.${k}`);
        parameters[k] = v;
      }
      const missing = placeholdersOf(content).filter((n) => !Object.hasOwn(parameters, n));
      if (missing.length > 0) throw invalid(`${at}.parameters`, `${at}.parameters has no value for #{${missing.join('}, #{')}} used in ${at}.content`);
      const t: AlimtalkTemplate = { template_code: str(raw, 'template_code', at, { required: true, max: 100 })!, content, parameters };
      const senderKey = str(raw, 'sender_key', at, { max: 200 });
      if (senderKey !== undefined) t.sender_key = senderKey;
      if (raw.failover !== undefined && raw.failover !== null) {
        const fo = raw.failover;
        const fat = `${at}.failover`;
        if (!isObject(fo)) throw invalid(fat, `${fat} must be an object {kind, body, title?, from?}`);
        onlyFields(fo, ['kind', 'body', 'title', 'from'], fat);
        const failover: AlimtalkFailover = {
          kind: fo.kind === undefined ? 'lms' : oneOf(fo.kind as TextKind, TEXT_KINDS, `${fat}.kind`),
          body: str(fo, 'body', fat, { required: true, max: 4000 })!,
        };
        const title = str(fo, 'title', fat, { max: 200 });
        if (title !== undefined) failover.title = title;
        const from = str(fo, 'from', fat, { max: 30 });
        if (from !== undefined) failover.from = from;
        liquid(['body', 'title'], fo, fat);
        t.failover = failover;
      }
      return t;
    }
  }
}

export function parseSendTime(raw: unknown): SendTime {
  const at = 'send_time';
  if (raw === undefined) return { type: 'api' };
  if (!isObject(raw)) throw invalid(at, `${at} must be an object with a type: api, event or scheduled`);
  const type = oneOf(raw.type, ['api', 'event', 'scheduled'] as const, `${at}.type`);
  if (type === 'api') {
    onlyFields(raw, ['type'], at);
    return { type };
  }
  if (type === 'scheduled') {
    onlyFields(raw, ['type', 'at', 'audience_id'], at);
    const when = raw.at;
    if (parseDatetime(when) === undefined)
      throw invalid(`${at}.at`, `${at}.at must be an ISO 8601 datetime with Z or an offset, e.g. 2025-01-06T09:00:00+09:00`);
    const audience = str(raw, 'audience_id', at, { max: 100 });
    return audience === undefined ? { type, at: when as string } : { type, at: when as string, audience_id: audience };
  }
  onlyFields(raw, ['type', 'event', 'conditions', 'delay_seconds', 'cancel_event'], at);
  const event = raw.event;
  if (typeof event !== 'string' || !NAME.test(event)) throw invalid(`${at}.event`, `${at}.event must be an event name`);
  const delay = raw.delay_seconds === undefined ? 0 : int(raw.delay_seconds, `${at}.delay_seconds`, 0, MAX_DELAY_SECONDS);
  let cancel: string | undefined;
  if (raw.cancel_event !== undefined && raw.cancel_event !== null) {
    if (typeof raw.cancel_event !== 'string' || !NAME.test(raw.cancel_event)) throw invalid(`${at}.cancel_event`, `${at}.cancel_event must be an event name`);
    if (raw.cancel_event === event) throw invalid(`${at}.cancel_event`, `${at}.cancel_event must differ from ${at}.event`);
    cancel = raw.cancel_event;
  }
  const conditions: EventCondition[] = [];
  if (raw.conditions !== undefined && raw.conditions !== null) {
    if (!Array.isArray(raw.conditions) || raw.conditions.length > 20)
      throw invalid(`${at}.conditions`, `${at}.conditions must be an array of at most 20 conditions`);
    raw.conditions.forEach((c, i) => {
      const cat = `${at}.conditions[${i}]`;
      if (!isObject(c)) throw invalid(cat, `${cat} must be an object {param, op, value}`);
      onlyFields(c, ['param', 'op', 'value'], cat);
      if (typeof c.param !== 'string' || c.param.length === 0 || c.param.length > 128)
        throw invalid(`${cat}.param`, `${cat}.param must be an event parameter name`);
      const op = oneOf(c.op as ConditionOp, CONDITION_OPS, `${cat}.op`);
      const needsValue = op !== 'exists' && op !== 'not_exists';
      if (needsValue && !['string', 'number', 'boolean'].includes(typeof c.value))
        throw invalid(`${cat}.value`, `${cat}.value must be a string, number or boolean`);
      if (['gt', 'gte', 'lt', 'lte'].includes(op) && typeof c.value !== 'number') throw invalid(`${cat}.value`, `${cat}.value must be a number for ${op}`);
      conditions.push(needsValue ? { param: c.param, op, value: c.value as string | number | boolean } : { param: c.param, op });
    });
  }
  return cancel === undefined ? { type, event, conditions, delay_seconds: delay } : { type, event, conditions, delay_seconds: delay, cancel_event: cancel };
}

export function parseQuietHours(raw: unknown, field: string): QuietHours | null {
  if (raw === null) return null;
  if (!isObject(raw)) throw invalid(field, `${field} must be {"start": "HH:mm", "end": "HH:mm"} or null`);
  onlyFields(raw, ['start', 'end'], field);
  for (const k of ['start', 'end'] as const) {
    if (typeof raw[k] !== 'string' || !HHMM.test(raw[k] as string)) throw invalid(`${field}.${k}`, `${field}.${k} must be a local time HH:mm`);
  }
  if (raw.start === raw.end) throw invalid(field, `${field}.start and ${field}.end must differ`);
  return { start: raw.start as string, end: raw.end as string };
}

export function parseOptions(raw: Obj): CampaignOptions {
  const o: CampaignOptions = {};
  if (raw.quiet_hours !== undefined) o.quiet_hours = parseQuietHours(raw.quiet_hours, 'quiet_hours');
  if (raw.noisy_window_seconds !== undefined && raw.noisy_window_seconds !== null)
    o.noisy_window_seconds = int(raw.noisy_window_seconds, 'noisy_window_seconds', 1, 365 * 86_400);
  if (raw.fatigue !== undefined && raw.fatigue !== null) {
    if (typeof raw.fatigue !== 'boolean') throw invalid('fatigue', 'fatigue must be true or false');
    o.fatigue = raw.fatigue;
  }
  if (raw.excluded_user_ids !== undefined && raw.excluded_user_ids !== null) {
    const ids = raw.excluded_user_ids;
    if (!Array.isArray(ids) || ids.length > 10_000) throw invalid('excluded_user_ids', 'excluded_user_ids must be an array of at most 10000 user ids');
    // Each is a user id by the one identifier rule (identifiers.ts: length, D16 text), trimmed as stored.
    o.excluded_user_ids = [
      ...new Set(
        ids.map((x, i) => {
          const field = `excluded_user_ids[${i}]`;
          if (typeof x !== 'string' || x.trim() === '') throw invalid(field, `${field} must be a user id (a non-empty string)`);
          return parseIdentifier('external_id', x, { field, region: 'KR' })!.raw;
        }),
      ),
    ];
  }
  if (raw.conversion !== undefined && raw.conversion !== null) {
    const c = raw.conversion;
    if (!isObject(c)) throw invalid('conversion', 'conversion must be {"event": name, "window_hours": n}');
    onlyFields(c, ['event', 'window_hours'], 'conversion');
    if (typeof c.event !== 'string' || !NAME.test(c.event)) throw invalid('conversion.event', 'conversion.event must be an event name');
    o.conversion = { event: c.event, window_hours: c.window_hours === undefined ? 72 : int(c.window_hours, 'conversion.window_hours', 1, 720) };
  }
  if (raw.max_attempts !== undefined && raw.max_attempts !== null) o.max_attempts = int(raw.max_attempts, 'max_attempts', 1, 20);
  if (raw.night_ads !== undefined && raw.night_ads !== null) o.night_ads = oneOf(raw.night_ads, NIGHT_ADS_POLICIES, 'night_ads');
  return o;
}

/** A campaign's channel (`channel` must be one of CHANNELS). */
export const parseChannel = (raw: unknown): Channel => oneOf(raw, CHANNELS, 'channel');

/** `informational` or `advertising` (D10). */
export const parseConsentClass = (raw: unknown): ConsentClass => oneOf(raw, CONSENT_CLASSES, 'consent_class');

/** Checks a whole campaign document. */
export function parseCampaignDocument(raw: unknown, renderer: TemplateRenderer): CampaignDocument {
  if (!isObject(raw)) throw invalid('body', 'a campaign must be a JSON object');
  onlyFields(raw, TOP_FIELDS, '');
  if (typeof raw.name !== 'string' || raw.name.trim().length === 0 || raw.name.length > 200) throw invalid('name', 'name is required (1-200 characters)');
  const channel = parseChannel(raw.channel);
  const consentClass = parseConsentClass(raw.consent_class);
  if (channel === 'kakao_alimtalk' && consentClass === 'advertising') {
    throw invalid('consent_class', 'Kakao alimtalk carries informational messages only (Kakao policy); an advertising campaign needs another channel');
  }
  const template = parseTemplate(channel, raw.template, renderer);
  const sendTime = parseSendTime(raw.send_time);
  let statsDimensions: string[] = [];
  if (raw.stats_dimensions !== undefined && raw.stats_dimensions !== null) {
    const d = raw.stats_dimensions;
    if (!Array.isArray(d) || d.length > 10) throw invalid('stats_dimensions', 'stats_dimensions must be an array of at most 10 user property names');
    d.forEach((n, i) => {
      if (typeof n !== 'string' || !NAME.test(n)) throw invalid(`stats_dimensions[${i}]`, `stats_dimensions[${i}] must be a user property name`);
    });
    statsDimensions = [...new Set(d as string[])];
  }
  let status: CampaignStatus | undefined;
  if (raw.status !== undefined) {
    status = oneOf(raw.status, CAMPAIGN_STATUSES, 'status');
    if (status !== 'draft' && status !== 'active') throw invalid('status', 'a new campaign starts as draft or active');
  }
  return { name: raw.name.trim(), channel, consentClass, template, sendTime, statsDimensions, status, options: parseOptions(raw) };
}
