import type { Clock } from '../../platform/clock.ts';
import type { Store } from '../../platform/db/store.ts';
import { SANDBOX_VENDOR } from '../../channels/sandbox/sandbox.provider.ts';
import type { ChannelProviders } from '../deliveries/deliveries.types.ts';
import { MaruError, invalid } from '../errors.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import type { Project } from '../projects/projects.types.ts';
import { placeholdersOf } from '../templates/alimtalk.ts';
import * as repo from './messaging.repository.ts';
import {
  BUTTON_TYPES,
  SETUP_LIMITS,
  type AlimtalkButton,
  type AlimtalkTemplate,
  type ButtonType,
  type KakaoChannel,
  type MessagingSettings,
  type SenderNumber,
  type TextSendingStatus,
} from './messaging.types.ts';
import { parseServiceNumber } from './numbers.ts';
import { advertiserOf, parseAdvertisingSettings, type Advertiser, type AdvertisingSettings } from './ad-marking.ts';

/** An alimtalk template with what a sender needs to know about it (MessagingSetupService.templatesInUse). */
export interface TemplateInUse {
  template: AlimtalkTemplate;
  variables: string[];
  /** The Kakao channel a send of it goes out from (null: none is registered). */
  sendsFrom: string | null;
  status: 'ready' | 'no_channel';
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function onlyFields(obj: Obj, allowed: readonly string[], at: string) {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw invalid(at ? `${at}.${k}` : k, `${at ? `${at}.${k}` : k} is not a field here (allowed: ${allowed.join(', ')})`);
  }
}

function text(obj: Obj, key: string, at: string, opts: { required?: boolean; max: number; pattern?: RegExp; hint?: string }): string | undefined {
  const field = at ? `${at}.${key}` : key;
  const v = obj[key];
  if (v === undefined || v === null) {
    if (opts.required) throw invalid(field, `${field} is required`);
    return undefined;
  }
  if (typeof v !== 'string' || v.trim().length === 0) throw invalid(field, `${field} must be a non-empty string`);
  if (v.length > opts.max) throw invalid(field, `${field} is ${v.length} characters; at most ${opts.max}`);
  if (opts.pattern && !opts.pattern.test(v)) throw invalid(field, `${field} must be ${opts.hint}`);
  return v;
}

const bool = (obj: Obj, key: string, at = ''): boolean | undefined => {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalid(at ? `${at}.${key}` : key, `${at ? `${at}.${key}` : key} must be true or false`);
  return v;
};

const TEMPLATE_ID = /^[A-Za-z0-9_.:-]+$/;
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\/\S+$/i;

/**
 * The project's messaging setup (docs/korean-messaging.md "Project setup"), administered through the admin API and
 * `maru messaging`: sender numbers, Kakao channels, alimtalk templates, and whether the project's own text-message
 * sending is configured.
 */
export class MessagingSetupService {
  #store: Store;
  #clock: Clock;
  #projects: ProjectsService;
  #providers: ChannelProviders;

  constructor(deps: { store: Store; clock: Clock; projects: ProjectsService; providers: ChannelProviders }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#projects = deps.projects;
    this.#providers = deps.providers;
  }

  // ---- settings and status ----

  async settings(projectId: string): Promise<MessagingSettings> {
    await this.#projects.get(projectId);
    return repo.findSettings(this.#store.db, projectId);
  }

  /** Changes settings: `{sandboxTextSending: boolean}`. */
  async updateSettings(projectId: string, patch: unknown): Promise<MessagingSettings> {
    await this.#projects.get(projectId);
    if (!isObject(patch)) throw invalid('body', 'messaging settings must be an object {"sandboxTextSending": true|false}');
    onlyFields(patch, ['sandboxTextSending'], '');
    const current = await repo.findSettings(this.#store.db, projectId);
    const next: MessagingSettings = { sandboxTextSending: bool(patch, 'sandboxTextSending') ?? current.sandboxTextSending };
    await this.#store.write((tx) => repo.saveSettings(tx, projectId, next, this.#clock.now()));
    return next;
  }

  /** The advertiser identity advertising messages are marked with (ad-marking.ts), defaults filled in. */
  async advertising(projectId: string): Promise<Advertiser & { settings: AdvertisingSettings }> {
    const project = await this.#projects.get(projectId);
    const settings = project.settings.advertising === undefined ? {} : parseAdvertisingSettings(project.settings.advertising);
    return { ...advertiserOf(project), settings };
  }

  /** Changes the advertiser identity (`settings.advertising`): the fields given replace the stored ones; null removes one. */
  async updateAdvertising(projectId: string, patch: unknown): Promise<Advertiser & { settings: AdvertisingSettings }> {
    const project = await this.#projects.get(projectId);
    if (!isObject(patch)) throw invalid('body', 'advertising settings must be an object {senderName, contact, optOutNumber, pushOptOut, kakaoOptOut}');
    parseAdvertisingSettings(patch); // names the bad field
    const current = isObject(project.settings.advertising) ? project.settings.advertising : {};
    const merged = Object.fromEntries(Object.entries({ ...current, ...patch }).filter(([, v]) => v !== null && v !== undefined));
    await this.#projects.update(projectId, { settings: { advertising: parseAdvertisingSettings(merged) } });
    return this.advertising(projectId);
  }

  /**
   * Whether the project's own text-message sending is configured: at least one registered sender number, and the
   * text_message channel resolves to a provider other than the sandbox — or to the sandbox with `sandboxTextSending`.
   */
  async textSending(project: Project): Promise<TextSendingStatus> {
    const [numbers, settings] = await Promise.all([repo.listSenderNumbers(this.#store.db, project.id), repo.findSettings(this.#store.db, project.id)]);
    let vendor: string | null;
    try {
      vendor = this.#providers.resolve(project, 'text_message').vendor;
    } catch (e) {
      return {
        configured: false,
        vendor: null,
        senderNumbers: numbers.length,
        reason: `the project's text_message provider cannot be used: ${(e as Error).message}`,
      };
    }
    const base = { vendor, senderNumbers: numbers.length };
    if (numbers.length === 0) {
      return {
        ...base,
        configured: false,
        reason: 'no sender number is registered; register one with POST /admin/v1/projects/{projectId}/messaging/sender-numbers or `maru messaging sender-add`',
      };
    }
    if (vendor === SANDBOX_VENDOR && !settings.sandboxTextSending) {
      return {
        ...base,
        configured: false,
        reason:
          'no text_message provider is configured (the channel uses the sandbox); configure one, or set sandboxTextSending to send text messages to the sandbox outbox',
      };
    }
    return { ...base, configured: true };
  }

  /** Everything at once, for the admin API and `maru messaging status`. */
  async overview(projectId: string) {
    const project = await this.#projects.get(projectId);
    const db = this.#store.db;
    const [settings, senderNumbers, kakaoChannels, templates, textSending] = await Promise.all([
      repo.findSettings(db, projectId),
      repo.listSenderNumbers(db, projectId),
      repo.listKakaoChannels(db, projectId),
      repo.countTemplates(db, projectId),
      this.textSending(project),
    ]);
    return { settings, textSending, senderNumbers: withDefault(senderNumbers), kakaoChannels: withDefault(kakaoChannels), alimtalkTemplates: templates };
  }

  // ---- sender numbers ----

  /** Registers `{number, default?}` (idempotent: an existing number is kept and may be made the default). */
  async addSenderNumber(projectId: string, raw: unknown): Promise<SenderNumber> {
    await this.#projects.get(projectId);
    if (!isObject(raw)) throw invalid('body', 'a sender number is an object {"number": "...", "default": true|false}');
    onlyFields(raw, ['number', 'default'], '');
    const number = parseServiceNumber(raw.number, 'number', { maxLength: 25, minDigits: 3 });
    const makeDefault = bool(raw, 'default') ?? false;
    const now = this.#clock.now();
    await this.#store.write(async (tx) => {
      const existing = await repo.findSenderNumber(tx, projectId, number);
      const count = (await repo.listSenderNumbers(tx, projectId)).length;
      if (!existing) {
        if (count >= SETUP_LIMITS.senderNumbers) throw invalid('number', `a project has at most ${SETUP_LIMITS.senderNumbers} sender numbers`);
        await repo.insertSenderNumber(tx, projectId, number, now);
      }
      // The first number registered is the default until another is made the default.
      if (makeDefault || count === 0) await repo.setDefaultSenderNumber(tx, projectId, number);
    });
    return withDefault(await repo.listSenderNumbers(this.#store.db, projectId)).find((s) => s.number === number)!;
  }

  async removeSenderNumber(projectId: string, rawNumber: string): Promise<void> {
    await this.#projects.get(projectId);
    const number = parseServiceNumber(rawNumber, 'number', { maxLength: 25 });
    const removed = await this.#store.write((tx) => repo.deleteSenderNumber(tx, projectId, number));
    if (!removed) throw new MaruError('not_found', `sender number ${number} is not registered`, { field: 'number' });
  }

  /** The registered sender number a message goes out from: `requested` (digits compared), or the default. */
  async senderNumber(projectId: string, requested: string | undefined, field: string): Promise<string> {
    const numbers = await repo.listSenderNumbers(this.#store.db, projectId);
    if (requested === undefined) {
      if (numbers.length === 0) throw invalid(field, 'no sender number is registered for this project');
      return numbers[0].number;
    }
    if (!numbers.some((n) => n.number === requested)) {
      throw invalid(
        field,
        `${field} ${requested} is not a registered sender number of this project (registered: ${numbers.map((n) => n.number).join(', ') || 'none'})`,
      );
    }
    return requested;
  }

  /** The registered sender numbers, the default first. */
  async senderNumbers(projectId: string): Promise<SenderNumber[]> {
    await this.#projects.get(projectId);
    return withDefault(await repo.listSenderNumbers(this.#store.db, projectId));
  }

  // ---- Kakao channels ----

  /** The registered Kakao channels, the default first. */
  async kakaoChannels(projectId: string): Promise<KakaoChannel[]> {
    await this.#projects.get(projectId);
    return withDefault(await repo.listKakaoChannels(this.#store.db, projectId));
  }

  /** Registers `{channelId, senderKey, default?}`; registering an existing channel id replaces its sender key. */
  async addKakaoChannel(projectId: string, raw: unknown): Promise<KakaoChannel> {
    await this.#projects.get(projectId);
    if (!isObject(raw)) throw invalid('body', 'a Kakao channel is an object {"channelId": "@...", "senderKey": "...", "default": true|false}');
    onlyFields(raw, ['channelId', 'senderKey', 'default'], '');
    const channelId = text(raw, 'channelId', '', {
      required: true,
      max: SETUP_LIMITS.channelIdLength,
      pattern: /^\S+$/,
      hint: 'the channel search id without spaces, e.g. @maru',
    })!;
    const senderKey = text(raw, 'senderKey', '', {
      required: true,
      max: SETUP_LIMITS.senderKeyLength,
      pattern: /^\S+$/,
      hint: 'the sender key without spaces',
    })!;
    const makeDefault = bool(raw, 'default') ?? false;
    const now = this.#clock.now();
    await this.#store.write(async (tx) => {
      const count = (await repo.listKakaoChannels(tx, projectId)).length;
      if (!(await repo.findKakaoChannel(tx, projectId, channelId)) && count >= SETUP_LIMITS.kakaoChannels) {
        throw invalid('channelId', `a project has at most ${SETUP_LIMITS.kakaoChannels} Kakao channels`);
      }
      await repo.upsertKakaoChannel(tx, projectId, channelId, senderKey, now);
      // The first channel registered is the default until another is made the default.
      if (makeDefault || count === 0) await repo.setDefaultKakaoChannel(tx, projectId, channelId);
    });
    return (await this.kakaoChannels(projectId)).find((c) => c.channelId === channelId)!;
  }

  async removeKakaoChannel(projectId: string, channelId: string): Promise<void> {
    await this.#projects.get(projectId);
    const used = await repo.templatesOfChannel(this.#store.db, projectId, channelId);
    if (used.length > 0)
      throw new MaruError('conflict', `Kakao channel ${channelId} is used by alimtalk templates ${used.join(', ')}; remove or move them first`, {
        field: 'channelId',
      });
    const removed = await this.#store.write((tx) => repo.deleteKakaoChannel(tx, projectId, channelId));
    if (!removed) throw new MaruError('not_found', `Kakao channel ${channelId} is not registered`, { field: 'channelId' });
  }

  /** The channel a Kakao message goes out from: `requested`, else `preferred` (a template's), else the default. */
  async kakaoChannel(projectId: string, requested: string | undefined, preferred: string | null, field: string): Promise<KakaoChannel> {
    const channels = await repo.listKakaoChannels(this.#store.db, projectId);
    if (requested !== undefined) {
      const c = channels.find((x) => x.channelId === requested);
      if (!c)
        throw invalid(
          field,
          `${field} ${requested} is not a registered Kakao channel of this project (registered: ${channels.map((x) => x.channelId).join(', ') || 'none'})`,
        );
      return c;
    }
    const c = (preferred !== null ? channels.find((x) => x.channelId === preferred) : undefined) ?? channels[0];
    if (!c)
      throw invalid(field, 'no Kakao channel is registered for this project; register one with POST /admin/v1/projects/{projectId}/messaging/kakao-channels');
    return c;
  }

  // ---- alimtalk templates ----

  async listTemplates(projectId: string): Promise<AlimtalkTemplate[]> {
    await this.#projects.get(projectId);
    return repo.listTemplates(this.#store.db, projectId);
  }

  /**
   * The registered alimtalk templates as the console shows them: each with its `#{variable}`s (templates/alimtalk.ts,
   * the rule sends fill by), the Kakao channel it would go out from (its own, else the project's default), and its
   * status — `ready` when that channel is registered, `no_channel` when the project has no Kakao channel yet (a send
   * would be refused). maru keeps no approval state: a template is registered with the code Kakao already approved.
   */
  async templatesInUse(projectId: string): Promise<TemplateInUse[]> {
    await this.#projects.get(projectId);
    const db = this.#store.db;
    const [templates, channels] = await Promise.all([repo.listTemplates(db, projectId), repo.listKakaoChannels(db, projectId)]);
    const fallback = withDefault(channels)[0]?.channelId ?? null;
    return templates.map((template) => {
      const sendsFrom = template.channelId ?? fallback;
      return { template, variables: placeholdersOf(template.content), sendsFrom, status: sendsFrom === null ? 'no_channel' : 'ready' };
    });
  }

  findTemplate(projectId: string, templateId: string): Promise<AlimtalkTemplate | undefined> {
    return repo.findTemplate(this.#store.db, projectId, templateId);
  }

  async getTemplate(projectId: string, templateId: string): Promise<AlimtalkTemplate> {
    await this.#projects.get(projectId);
    const t = await repo.findTemplate(this.#store.db, projectId, templateId);
    if (!t) throw new MaruError('not_found', `alimtalk template ${templateId} is not registered`, { field: 'templateId' });
    return t;
  }

  /**
   * Registers (or, with `templateId` given by the path, replaces) an alimtalk template:
   * `{templateId, templateCode, content, channelId?, buttons?: [{type, name, linkMo?, linkPc?, schemeIos?, schemeAndroid?}]}`.
   */
  async saveTemplate(projectId: string, raw: unknown, pathTemplateId?: string): Promise<{ template: AlimtalkTemplate; created: boolean }> {
    await this.#projects.get(projectId);
    if (!isObject(raw)) throw invalid('body', 'an alimtalk template is an object {templateId, templateCode, content, channelId?, buttons?}');
    onlyFields(raw, ['templateId', 'templateCode', 'content', 'channelId', 'buttons'], '');
    const templateId =
      pathTemplateId ??
      text(raw, 'templateId', '', { required: true, max: SETUP_LIMITS.templateIdLength, pattern: TEMPLATE_ID, hint: 'letters, digits, ".", ":", "-" or "_"' })!;
    if (pathTemplateId !== undefined) {
      if (!TEMPLATE_ID.test(pathTemplateId) || pathTemplateId.length > SETUP_LIMITS.templateIdLength)
        throw invalid('templateId', 'templateId must be 1-100 letters, digits, ".", ":", "-" or "_"');
      if (raw.templateId !== undefined && raw.templateId !== pathTemplateId)
        throw invalid('templateId', 'templateId in the body differs from the one in the path');
    }
    const templateCode = text(raw, 'templateCode', '', {
      required: true,
      max: SETUP_LIMITS.templateCodeLength,
      pattern: /^\S+$/,
      hint: 'the approved template code without spaces',
    })!;
    const content = text(raw, 'content', '', { required: true, max: SETUP_LIMITS.templateContentLength })!;
    const channelId = text(raw, 'channelId', '', { max: SETUP_LIMITS.channelIdLength }) ?? null;
    if (channelId !== null && !(await repo.findKakaoChannel(this.#store.db, projectId, channelId))) {
      throw invalid('channelId', `channelId ${channelId} is not a registered Kakao channel of this project`);
    }
    const buttons = parseButtons(raw.buttons);
    if (placeholdersOf(content).length > 100) throw invalid('content', 'content has more than 100 #{variable} placeholders');
    const now = this.#clock.now();
    return this.#store.write(async (tx) => {
      const existing = await repo.findTemplate(tx, projectId, templateId);
      if (!existing && (await repo.countTemplates(tx, projectId)) >= SETUP_LIMITS.templates)
        throw invalid('templateId', `a project has at most ${SETUP_LIMITS.templates} alimtalk templates`);
      if (existing && pathTemplateId === undefined)
        throw new MaruError('conflict', `alimtalk template ${templateId} is already registered; replace it with PUT .../alimtalk-templates/${templateId}`, {
          field: 'templateId',
        });
      const template: AlimtalkTemplate = { templateId, templateCode, channelId, content, buttons, createdAt: existing?.createdAt ?? now, updatedAt: now };
      await repo.saveTemplate(tx, projectId, template);
      return { template, created: !existing };
    });
  }

  async removeTemplate(projectId: string, templateId: string): Promise<void> {
    await this.#projects.get(projectId);
    const removed = await this.#store.write((tx) => repo.deleteTemplate(tx, projectId, templateId));
    if (!removed) throw new MaruError('not_found', `alimtalk template ${templateId} is not registered`, { field: 'templateId' });
  }
}

/** A list (default first) with `isDefault` as it acts: the explicit default, else the earliest registered. */
function withDefault<T extends { isDefault: boolean }>(list: T[]): T[] {
  if (list.length === 0 || list.some((x) => x.isDefault)) return list;
  return list.map((x, i) => ({ ...x, isDefault: i === 0 }));
}

function parseButtons(raw: unknown): AlimtalkButton[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.length > SETUP_LIMITS.buttons) throw invalid('buttons', `buttons must be a list of at most ${SETUP_LIMITS.buttons} buttons`);
  return raw.map((b, i): AlimtalkButton => {
    const at = `buttons[${i}]`;
    if (!isObject(b)) throw invalid(at, `${at} must be an object {type, name, linkMo?, linkPc?, schemeIos?, schemeAndroid?}`);
    onlyFields(b, ['type', 'name', 'linkMo', 'linkPc', 'schemeIos', 'schemeAndroid'], at);
    if (!BUTTON_TYPES.includes(b.type as ButtonType)) throw invalid(`${at}.type`, `${at}.type must be one of ${BUTTON_TYPES.join(', ')}`);
    const button: AlimtalkButton = { type: b.type as ButtonType, name: text(b, 'name', at, { required: true, max: SETUP_LIMITS.buttonNameLength })! };
    for (const k of ['linkMo', 'linkPc', 'schemeIos', 'schemeAndroid'] as const) {
      const v = text(b, k, at, { max: SETUP_LIMITS.linkLength });
      if (v !== undefined) button[k] = v;
    }
    if (button.type === 'WL') {
      if (!button.linkMo) throw invalid(`${at}.linkMo`, `${at}.linkMo is required for a web-link (WL) button`);
      for (const k of ['linkMo', 'linkPc'] as const) {
        if (button[k] !== undefined && !URL_LIKE.test(button[k]!)) throw invalid(`${at}.${k}`, `${at}.${k} must be an absolute URL`);
      }
    }
    return button;
  });
}
