import type { Clock } from '../../platform/clock.ts';
import type { Store } from '../../platform/db/store.ts';
import type { Logger } from '../../platform/log.ts';
import { SecretBox, SecretBoxError } from '../../platform/secret-box.ts';
import { CHANNELS } from '../campaigns/campaigns.types.ts';
import { MaruError, invalid } from '../errors.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import type { Project } from '../projects/projects.types.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { Actor } from '../accounts/roles.ts';
import * as repo from './channel-config.repository.ts';
import type { ChannelConfigRow } from './channel-config.tables.ts';
import type { ChannelChoice, ChannelConfigView, ChannelVendors } from './channel-config.types.ts';

/** How often a process looks for configuration changes made by other processes (one indexed read). */
export const CHANNEL_CONFIG_REFRESH_MS = 5_000;
/** The vendor of a channel without configuration (D12); chosen by removing the configuration. */
const SANDBOX = 'sandbox';
const MAX_CONFIG_BYTES = 64 * 1024;

type Cached = { vendor: string; config: Record<string, unknown> } | { vendor: string; error: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Per-project channel provider configuration (docs/providers.md "Configuring a project's channels").
 *
 * - A project chooses one vendor per campaign channel with that vendor's config (credentials included). The config is
 *   checked by building the provider with it before anything is stored (a bad field is `invalid_input` naming
 *   `config.<field>`), then stored sealed with secret-box under MARU_SECRET_KEY, bound to project, channel and vendor
 *   (a sealed value copied to another row does not open). The non-secret fields are also kept in plain text, so
 *   listing never needs the key and never returns a secret.
 * - Without MARU_SECRET_KEY nothing is stored: credentials are refused (`invalid_input`), rather than kept under a key
 *   that lives next to them. Removing a configuration needs no key.
 * - The provider registry asks `source(project, channel)` synchronously for every delivery, so every process keeps
 *   the opened configs in memory: loaded at start, reloaded after its own writes, and reloaded within
 *   CHANNEL_CONFIG_REFRESH_MS after another process's (each write bumps `channel_config_state.generation`).
 * - A config that cannot be opened (the key changed or is unset) makes `source` throw: the deliveries of that channel
 *   fail with the reason instead of going anywhere else.
 */
export class ChannelConfigService {
  #store: Store;
  #clock: Clock;
  #log: Logger;
  #projects: ProjectsService;
  #vendors: ChannelVendors;
  #secretKey: string | undefined;
  #box: SecretBox | undefined;
  #cache = new Map<string, Cached>();
  #generation = -1;
  #writes = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #refreshing: Promise<void> | undefined;

  #audit: AuditService | undefined;

  constructor(deps: {
    store: Store;
    clock: Clock;
    log: Logger;
    projects: ProjectsService;
    vendors: ChannelVendors;
    secretKey: string | undefined;
    audit?: AuditService;
  }) {
    this.#audit = deps.audit;
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#projects = deps.projects;
    this.#vendors = deps.vendors;
    this.#secretKey = deps.secretKey || undefined;
  }

  #sealer(): SecretBox | undefined {
    if (!this.#secretKey) return undefined;
    this.#box ??= new SecretBox(this.#secretKey);
    return this.#box;
  }

  static #context(projectId: string, channel: string, vendor: string): string {
    return `maru/channel-config/project:${projectId}/channel:${channel}/vendor:${vendor}`;
  }

  /** The registry's config source: the stored choice, else a vendor named (without config) in `settings.channels`. */
  readonly source = (project: Project, channel: string): ChannelChoice => {
    const hit = this.#cache.get(`${project.id}/${channel}`);
    if (hit) {
      if ('error' in hit) throw new Error(hit.error);
      return { vendor: hit.vendor, config: hit.config };
    }
    // A vendor registered in code that needs no credentials (tests, custom vendors) may be named in the project
    // settings; any config there is ignored: credentials only come sealed from this service.
    const entry = (project.settings.channels as Record<string, { vendor?: unknown }> | undefined)?.[channel];
    if (isObject(entry) && typeof entry.vendor === 'string') return { vendor: entry.vendor, config: {} };
    return undefined;
  };

  /** Loads (or reloads) every stored config into memory. */
  async load(): Promise<void> {
    const writesBefore = this.#writes;
    const generation = await repo.generation(this.#store.db);
    const rows = await repo.allConfigs(this.#store.db);
    if (this.#writes !== writesBefore) return; // a local write raced this read: it reloads itself
    const next = new Map<string, Cached>();
    for (const row of rows) next.set(`${row.project_id}/${row.channel}`, this.#open(row));
    this.#cache = next;
    this.#generation = generation;
  }

  #open(row: ChannelConfigRow): Cached {
    const box = this.#sealer();
    const what = `the stored ${row.channel} provider config (${row.vendor})`;
    if (!box) return { vendor: row.vendor, error: `${what} cannot be opened: MARU_SECRET_KEY is not set on this server` };
    try {
      const config = JSON.parse(box.decrypt(row.sealed_config, ChannelConfigService.#context(row.project_id, row.channel, row.vendor)));
      return { vendor: row.vendor, config };
    } catch (e) {
      const why =
        e instanceof SecretBoxError && e.code === 'AUTHENTICATION_FAILED'
          ? 'it was sealed with another MARU_SECRET_KEY (or altered); set it again'
          : 'it is malformed';
      this.#log.warn({ projectId: row.project_id, channel: row.channel, vendor: row.vendor }, 'channel provider config cannot be opened');
      return { vendor: row.vendor, error: `${what} cannot be opened: ${why}` };
    }
  }

  /** Reloads when another process changed a config since the last load. */
  async refresh(): Promise<void> {
    this.#refreshing ??= (async () => {
      try {
        if ((await repo.generation(this.#store.db)) !== this.#generation) await this.load();
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  /** Polls for changes made by other processes until stop(). */
  startRefresh(intervalMs = CHANNEL_CONFIG_REFRESH_MS): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.refresh().catch((err) => this.#log.warn({ err }, 'could not refresh channel provider configs'));
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#refreshing?.catch(() => undefined);
  }

  #checkChannel(channel: unknown): string {
    if (typeof channel !== 'string' || !(CHANNELS as readonly string[]).includes(channel))
      throw invalid('channel', `channel must be one of ${CHANNELS.join(', ')}`);
    return channel;
  }

  /**
   * Sets the vendor and config of a project's channel, replacing any previous one. Validated whole (the provider is
   * built with it) before anything is written.
   */
  async set(input: { projectId: string; channel: unknown; vendor: unknown; config: unknown; actor?: Actor }): Promise<ChannelConfigView> {
    const project = await this.#projects.get(input.projectId);
    const channel = this.#checkChannel(input.channel);
    const known = this.#vendors.vendors(channel);
    if (input.vendor === SANDBOX) throw invalid('vendor', `the sandbox needs no configuration: remove the ${channel} configuration to use it`);
    if (typeof input.vendor !== 'string' || !known.includes(input.vendor))
      throw invalid('vendor', `vendor must be one of ${known.join(', ')} for the ${channel} channel`);
    const vendor = input.vendor;
    if (!isObject(input.config)) throw invalid('config', `config must be an object: the ${vendor} provider's settings and credentials`);
    if (Buffer.byteLength(JSON.stringify(input.config)) > MAX_CONFIG_BYTES) throw invalid('config', `config must be at most ${MAX_CONFIG_BYTES} bytes of JSON`);
    const box = this.#sealer();
    if (!box) {
      throw new MaruError(
        'invalid_input',
        'provider credentials are stored encrypted with the server key MARU_SECRET_KEY, which is not set on this server: set it to 32 random bytes (e.g. `openssl rand -base64 32`) and restart maru, then configure the channel again',
        { field: 'config', details: { setting: 'MARU_SECRET_KEY' } },
      );
    }
    let config: Record<string, unknown>;
    try {
      config = await this.#vendors.check({ project, channel, vendor, config: input.config });
    } catch (e) {
      const field = (e as { field?: unknown }).field;
      if (typeof field !== 'string') throw e;
      throw invalid(field ? `config.${field}` : 'config', (e as Error).message);
    }
    const publicView = this.#vendors.publicView(channel, vendor, config);
    const clientInfo = this.#vendors.clientInfo(channel, vendor, config);
    const row: ChannelConfigRow = {
      project_id: project.id,
      channel,
      vendor,
      sealed_config: box.encrypt(JSON.stringify(config), ChannelConfigService.#context(project.id, channel, vendor)),
      public_config: JSON.stringify(publicView),
      client_info: clientInfo ? JSON.stringify(clientInfo) : null,
      configured_at: this.#clock.now(),
    };
    this.#writes++;
    await this.#store.write(async (tx) => {
      await repo.upsertConfig(tx, row);
      await repo.bumpGeneration(tx);
      await this.#audit?.record(tx, {
        projectId: project.id,
        actor: input.actor,
        action: 'provider.changed',
        target: `channel:${channel}`,
        details: { vendor },
      });
    });
    await this.load();
    this.#log.info({ projectId: project.id, channel, vendor }, 'channel provider configured');
    return this.#view(row);
  }

  /** Removes a project's configuration of a channel: it goes back to the sandbox. not_found when there is none. */
  async remove(projectId: string, channel: unknown, actor?: Actor): Promise<void> {
    const project = await this.#projects.get(projectId);
    const ch = this.#checkChannel(channel);
    this.#writes++;
    const removed = await this.#store.write(async (tx) => {
      const gone = await repo.deleteConfig(tx, project.id, ch);
      if (gone) {
        await repo.bumpGeneration(tx);
        await this.#audit?.record(tx, { projectId: project.id, actor, action: 'provider.removed', target: `channel:${ch}`, details: {} });
      }
      return gone;
    });
    await this.load();
    if (!removed) throw new MaruError('not_found', `the ${ch} channel has no provider configured (it uses the sandbox)`, { field: 'channel' });
    this.#log.info({ projectId: project.id, channel: ch }, 'channel provider removed; the channel uses the sandbox');
  }

  /** A project's configured channels, secrets replaced by "[set]". */
  async list(projectId: string): Promise<ChannelConfigView[]> {
    const project = await this.#projects.get(projectId);
    return (await repo.configsOf(this.#store.db, project.id)).map((r) => this.#view(r));
  }

  /** Public facts an SDK may read about a channel's configuration (web push: the VAPID public key), if any. */
  async clientInfo(projectId: string, channel: string): Promise<Record<string, unknown> | undefined> {
    const row = await repo.findConfig(this.#store.db, projectId, channel);
    return row?.client_info ? (JSON.parse(row.client_info) as Record<string, unknown>) : undefined;
  }

  #view(row: ChannelConfigRow): ChannelConfigView {
    const cached = this.#cache.get(`${row.project_id}/${row.channel}`);
    return {
      channel: row.channel,
      vendor: row.vendor,
      config: JSON.parse(row.public_config) as Record<string, unknown>,
      configuredAt: row.configured_at,
      readable: cached !== undefined && cached.vendor === row.vendor && !('error' in cached),
    };
  }
}
