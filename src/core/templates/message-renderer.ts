import type {
  AlimtalkTemplate,
  Channel,
  EmailTemplate,
  PushTemplate,
  TemplateByChannel,
  TextKind,
  TextTemplate,
  WebPushTemplate,
} from '../campaigns/campaigns.types.ts';
import { fillPlaceholders } from './alimtalk.ts';
import { TemplateError, type RenderScope, type TemplateRenderer } from './templates.ts';

/** A campaign's message rendered for one recipient, per channel. */
export interface RenderedPush {
  title: string;
  body: string;
  deep_link?: string;
  image_url?: string;
}
export interface RenderedWebPush {
  title: string;
  body: string;
  url?: string;
  icon_url?: string;
  image_url?: string;
}
export interface RenderedEmail {
  subject: string;
  html?: string;
  text?: string;
  from_name?: string;
  from_address: string;
}
export interface RenderedText {
  kind: TextKind;
  body: string;
  title?: string;
  from: string;
}
export interface RenderedAlimtalk {
  template_code: string;
  content: string;
  parameters: Record<string, string>;
  sender_key: string;
}
export type RenderedMessage = RenderedPush | RenderedWebPush | RenderedEmail | RenderedText | RenderedAlimtalk;

/** Project-level defaults a template may leave out (`settings.messaging`). */
export interface MessagingDefaults {
  emailFrom?: string;
  emailFromName?: string;
  textFrom?: string;
  kakaoSenderKey?: string;
}

/** A template that failed for this recipient, with the template field at fault (e.g. `template.body`). */
export class RenderFailure extends Error {
  override name = 'RenderFailure';
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/**
 * The `user` object templates see: the profile's properties, plus its identifiers where no property of that name
 * exists — `user["external_id"]` (also `user_id`, `userId`), `user["email"]`, `user["phone_number"]` — and
 * `user["profile_id"]`. For a recipient given by phone number or email (not user-id) it is empty (seed 004 §5).
 */
export function userScope(
  profile: { id: string; properties: Record<string, unknown>; identifiers: { type: string; value: string }[] } | undefined,
): Record<string, unknown> {
  if (!profile) return {};
  const scope: Record<string, unknown> = { ...profile.properties };
  const first = (type: string) => profile.identifiers.find((i) => i.type === type)?.value;
  const set = (k: string, v: unknown) => {
    if (v !== undefined && scope[k] === undefined) scope[k] = v;
  };
  set('external_id', first('external_id'));
  set('user_id', first('external_id'));
  set('userId', first('external_id'));
  set('email', first('email'));
  set('phone_number', first('phone'));
  set('profile_id', profile.id);
  return scope;
}

async function field(
  renderer: TemplateRenderer,
  source: string | undefined,
  name: string,
  scope: RenderScope,
  mode: 'text' | 'html' = 'text',
): Promise<string | undefined> {
  if (source === undefined) return undefined;
  try {
    return await renderer.render(source, scope, mode);
  } catch (e) {
    if (e instanceof TemplateError) throw new RenderFailure(name, e.message);
    throw e;
  }
}

const opt = <T extends object>(obj: T): T => Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;

/** Renders a channel's template for one recipient; throws RenderFailure when any part fails to parse or render. */
export async function renderMessage<C extends Channel>(input: {
  renderer: TemplateRenderer;
  channel: C;
  template: TemplateByChannel[C];
  scope: RenderScope;
  defaults: MessagingDefaults;
}): Promise<RenderedMessage> {
  const { renderer, scope } = input;
  const f = (source: string | undefined, name: string, mode: 'text' | 'html' = 'text') => field(renderer, source, `template.${name}`, scope, mode);
  switch (input.channel) {
    case 'push': {
      const t = input.template as PushTemplate;
      return opt<RenderedPush>({
        title: (await f(t.title, 'title'))!,
        body: (await f(t.body, 'body'))!,
        deep_link: await f(t.deep_link, 'deep_link'),
        image_url: await f(t.image_url, 'image_url'),
      });
    }
    case 'web_push': {
      const t = input.template as WebPushTemplate;
      return opt<RenderedWebPush>({
        title: (await f(t.title, 'title'))!,
        body: (await f(t.body, 'body'))!,
        url: await f(t.url, 'url'),
        icon_url: await f(t.icon_url, 'icon_url'),
        image_url: await f(t.image_url, 'image_url'),
      });
    }
    case 'email': {
      const t = input.template as EmailTemplate;
      return opt<RenderedEmail>({
        subject: (await f(t.subject, 'subject'))!,
        html: await f(t.html, 'html', 'html'),
        text: await f(t.text, 'text'),
        from_name: (await f(t.from_name, 'from_name')) ?? input.defaults.emailFromName,
        from_address: t.from_address ?? input.defaults.emailFrom ?? 'noreply@localhost',
      });
    }
    case 'text_message': {
      const t = input.template as TextTemplate;
      return opt<RenderedText>({
        kind: t.kind,
        body: (await f(t.body, 'body'))!,
        title: await f(t.title, 'title'),
        from: t.from ?? input.defaults.textFrom ?? '',
      });
    }
    case 'kakao_alimtalk': {
      const t = input.template as AlimtalkTemplate;
      const parameters: Record<string, string> = {};
      for (const [k, v] of Object.entries(t.parameters)) parameters[k] = (await f(v, `parameters.${k}`))!;
      const filled = fillPlaceholders(t.content, parameters);
      if (!filled.ok) throw new RenderFailure('template.parameters', `no value for #{${filled.missing.join('}, #{')}}`);
      return { template_code: t.template_code, content: filled.content, parameters, sender_key: t.sender_key ?? input.defaults.kakaoSenderKey ?? '' };
    }
  }
  throw new Error(`unknown channel ${String(input.channel)}`);
}

/** The failover text of an alimtalk template, rendered for one recipient. */
export async function renderFailover(input: {
  renderer: TemplateRenderer;
  failover: NonNullable<AlimtalkTemplate['failover']>;
  scope: RenderScope;
  defaults: MessagingDefaults;
}): Promise<RenderedText> {
  const fo = input.failover;
  const body = await field(input.renderer, fo.body, 'template.failover.body', input.scope);
  const title = await field(input.renderer, fo.title, 'template.failover.title', input.scope);
  return opt<RenderedText>({ kind: fo.kind, body: body!, title, from: fo.from ?? input.defaults.textFrom ?? '' });
}

export function messagingDefaults(settings: Record<string, unknown>): MessagingDefaults {
  const m = settings.messaging;
  if (typeof m !== 'object' || m === null) return {};
  const s = m as Record<string, unknown>;
  const pick = (k: string) => (typeof s[k] === 'string' ? (s[k] as string) : undefined);
  return opt<MessagingDefaults>({
    emailFrom: pick('emailFrom'),
    emailFromName: pick('emailFromName'),
    textFrom: pick('textFrom'),
    kakaoSenderKey: pick('kakaoSenderKey'),
  });
}
