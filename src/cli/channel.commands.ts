import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ParseArgsOptionsConfig } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../platform/config.ts';
import { createRuntime, type Runtime } from '../runtime.ts';
import type { ChannelConfigView } from '../core/channel-config/channel-config.types.ts';
import { UsageError, type Command, type Io } from './support.ts';

/**
 * `maru channel set|list|remove`: a project's channel providers (docs/providers.md), the same service as the admin
 * API `/admin/v1/projects/:id/channels`. The config is read from a JSON file so credentials stay out of the shell
 * history; like the API, listing shows secrets as "[set]".
 */
type Args = Record<string, string | boolean | (string | boolean)[] | undefined>;

const common: ParseArgsOptionsConfig = {
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

function requireString(args: Args, name: string): string {
  const v = args[name];
  if (typeof v !== 'string' || v.length === 0) throw new UsageError(`--${name} is required`);
  return v;
}

async function withRuntime<T>(args: Args, io: Io, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const config = loadConfig(io.env);
  if (typeof args['data-dir'] === 'string') config.dataDir = resolve(args['data-dir']);
  const log = pino({ level: io.env.MARU_LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const rt = await createRuntime(config, { log });
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

const wire = (v: ChannelConfigView) => ({
  channel: v.channel,
  vendor: v.vendor,
  config: v.config,
  configured_at: new Date(v.configuredAt).toISOString(),
  readable: v.readable,
});

const CHANNELS_HELP = `Channels and vendors: email (smtp, webhook), push (fcm, apns, fcm+apns, webhook), web_push (vapid, webhook),
text_message (nhn-cloud, twilio, webhook), kakao_alimtalk (nhn-bizmessage, webhook). See docs/providers.md for each
vendor's config fields.`;

export const CHANNEL_COMMANDS: Command[] = [
  {
    name: 'channel set',
    summary: "Configure a project's channel provider from a JSON file (stored encrypted)",
    usage: `maru channel set --project ID --channel CHANNEL --vendor VENDOR --config FILE [--json] [--data-dir DIR]

Checks the config by building the provider with it, then stores it sealed with MARU_SECRET_KEY (which must be set).
FILE holds the vendor's config object, e.g. for push/fcm: {"serviceAccount": { ...the downloaded JSON... }}.
${CHANNELS_HELP}`,
    options: {
      ...common,
      project: { type: 'string' },
      channel: { type: 'string' },
      vendor: { type: 'string' },
      config: { type: 'string' },
      json: { type: 'boolean' },
    },
    async run(args, io) {
      const projectId = requireString(args, 'project');
      const channel = requireString(args, 'channel');
      const vendor = requireString(args, 'vendor');
      const file = requireString(args, 'config');
      let config: unknown;
      try {
        config = JSON.parse(await readFile(file, 'utf8'));
      } catch (e) {
        throw new UsageError(`cannot read ${file} as JSON: ${(e as Error).message}`);
      }
      const view = await withRuntime(args, io, (rt) => rt.channelConfigs.set({ projectId, channel, vendor, config }));
      if (args.json) io.out(JSON.stringify({ channel: wire(view) }) + '\n');
      else io.out(`${view.channel}: ${view.vendor} configured (credentials stored encrypted)\n`);
      return 0;
    },
  },
  {
    name: 'channel list',
    summary: "List a project's configured channel providers (secrets shown as [set])",
    usage: `maru channel list --project ID [--json] [--data-dir DIR]

Channels not listed use the sandbox provider.`,
    options: { ...common, project: { type: 'string' }, json: { type: 'boolean' } },
    async run(args, io) {
      const projectId = requireString(args, 'project');
      const views = await withRuntime(args, io, (rt) => rt.channelConfigs.list(projectId));
      if (args.json) io.out(JSON.stringify({ channels: views.map(wire) }) + '\n');
      else if (views.length === 0) io.out('no channel providers configured: every channel uses the sandbox\n');
      else
        for (const v of views)
          io.out(
            `${v.channel.padEnd(15)} ${v.vendor.padEnd(15)} ${new Date(v.configuredAt).toISOString()}${v.readable ? '' : '  (cannot be opened with this MARU_SECRET_KEY)'}\n  ${JSON.stringify(v.config)}\n`,
          );
      return 0;
    },
  },
  {
    name: 'channel remove',
    summary: "Remove a project's channel provider (the channel uses the sandbox again)",
    usage: 'maru channel remove --project ID --channel CHANNEL [--data-dir DIR]',
    options: { ...common, project: { type: 'string' }, channel: { type: 'string' } },
    async run(args, io) {
      const projectId = requireString(args, 'project');
      const channel = requireString(args, 'channel');
      await withRuntime(args, io, (rt) => rt.channelConfigs.remove(projectId, channel));
      io.out(`${channel}: provider removed; the channel uses the sandbox\n`);
      return 0;
    },
  },
];
