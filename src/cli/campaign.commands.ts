import type { ParseArgsOptionsConfig } from 'node:util';
import { toCampaignDocument } from '../core/campaigns/campaigns.service.ts';
import { CAMPAIGN_STATUSES, type CampaignStatus } from '../core/campaigns/campaigns.types.ts';
import { UsageError, optionalString, readJson, requireString, withProject as withRuntime, type Command, type Io } from './support.ts';

/**
 * `maru campaign ...` and `maru outbox list`: thin commands over CampaignsService, DeliveriesService, the stats service
 * and the sandbox outbox (docs/campaigns.md). Kept out of commands.ts, which only lists them; UsageError is used
 * inside functions only, so the import cycle between the two is harmless.
 */

const common: ParseArgsOptionsConfig = {
  'data-dir': { type: 'string' },
  project: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};
const withCampaign: ParseArgsOptionsConfig = { ...common, campaign: { type: 'string' } };

const print = (io: Io, value: unknown) => io.out(JSON.stringify(value, null, 2) + '\n');

function statusCommand(verb: 'activate' | 'pause' | 'archive', status: CampaignStatus): Command {
  return {
    name: `campaign ${verb}`,
    summary: `Set a campaign's status to ${status}`,
    usage: `maru campaign ${verb} --project ID --campaign ID [--json] [--data-dir DIR]`,
    options: withCampaign,
    async run(args, io) {
      const campaignId = requireString(args, 'campaign');
      const c = await withRuntime(args, io, (rt, projectId) => rt.campaigns.setStatus(projectId, campaignId, status));
      if (args.json) print(io, { campaign: toCampaignDocument(c) });
      else io.out(`campaign ${c.id} is ${c.status}\n`);
      return 0;
    },
  };
}

export const CAMPAIGN_COMMANDS: Command[] = [
  {
    name: 'campaign create',
    summary: 'Create a campaign from a JSON file (docs/campaigns.md "Campaign document")',
    usage: `maru campaign create --project ID --file campaign.json [--json] [--data-dir DIR]

The file holds one campaign document, e.g.
  {"name": "welcome", "channel": "push", "consent_class": "informational",
   "template": {"title": "Hi", "body": "{{ user[\\"name\\"] }}님 안녕하세요"},
   "send_time": {"type": "api"}, "stats_dimensions": ["region"], "status": "active"}
It is checked whole; nothing is stored when any field is invalid. Prints the campaign id (or the document with --json).`,
    options: { ...common, file: { type: 'string' } },
    async run(args, io) {
      const doc = await readJson(requireString(args, 'file'));
      const c = await withRuntime(args, io, (rt, projectId) => rt.campaigns.create(projectId, doc));
      if (args.json) print(io, { campaign: toCampaignDocument(c) });
      else io.out(`created campaign ${c.id} (${c.channel}, ${c.sendTime.type}, ${c.status})\n`);
      return 0;
    },
  },
  {
    name: 'campaign list',
    summary: "List a project's campaigns",
    usage: 'maru campaign list --project ID [--status draft|active|paused|archived] [--json] [--data-dir DIR]',
    options: { ...common, status: { type: 'string' } },
    async run(args, io) {
      const status = optionalString(args, 'status');
      if (status !== undefined && !CAMPAIGN_STATUSES.includes(status as CampaignStatus))
        throw new UsageError(`--status must be one of ${CAMPAIGN_STATUSES.join(', ')}`);
      const list = await withRuntime(args, io, (rt, projectId) => rt.campaigns.list(projectId, { status: status as CampaignStatus | undefined }));
      if (args.json) print(io, { campaigns: list.map(toCampaignDocument) });
      else for (const c of list) io.out(`${c.id}  ${c.status.padEnd(8)} ${c.channel.padEnd(14)} ${c.sendTime.type.padEnd(9)} ${c.name}\n`);
      return 0;
    },
  },
  {
    name: 'campaign show',
    summary: 'Show a campaign document',
    usage: 'maru campaign show --project ID --campaign ID [--data-dir DIR]',
    options: withCampaign,
    async run(args, io) {
      const campaignId = requireString(args, 'campaign');
      const c = await withRuntime(args, io, (rt, projectId) => rt.campaigns.get(projectId, campaignId));
      print(io, { campaign: toCampaignDocument(c) });
      return 0;
    },
  },
  {
    name: 'campaign update',
    summary: 'Change fields of a campaign from a JSON file (each field given replaces the stored one)',
    usage: 'maru campaign update --project ID --campaign ID --file patch.json [--json] [--data-dir DIR]',
    options: { ...withCampaign, file: { type: 'string' } },
    async run(args, io) {
      const campaignId = requireString(args, 'campaign');
      const patch = await readJson(requireString(args, 'file'));
      const c = await withRuntime(args, io, (rt, projectId) => rt.campaigns.update(projectId, campaignId, patch));
      if (args.json) print(io, { campaign: toCampaignDocument(c) });
      else io.out(`updated campaign ${c.id}\n`);
      return 0;
    },
  },
  statusCommand('activate', 'active'),
  statusCommand('pause', 'paused'),
  statusCommand('archive', 'archived'),
  {
    name: 'campaign preview',
    summary: 'Render a campaign for a profile and sample event parameters',
    usage: `maru campaign preview --project ID --campaign ID [--profile PROFILE_ID | --user-id EXTERNAL_ID] [--params '{"k":"v"}'] [--data-dir DIR]

Prints the rendered message as JSON (or the rendering failure, with exit code 1).`,
    options: { ...withCampaign, profile: { type: 'string' }, 'user-id': { type: 'string' }, params: { type: 'string' } },
    async run(args, io) {
      const campaignId = requireString(args, 'campaign');
      let eventParams: unknown = {};
      const params = optionalString(args, 'params');
      if (params !== undefined) {
        try {
          eventParams = JSON.parse(params);
        } catch (e) {
          throw new UsageError(`--params is not JSON: ${(e as Error).message}`);
        }
      }
      const userId = optionalString(args, 'user-id');
      const r = await withRuntime(args, io, (rt, projectId) =>
        rt.campaigns.preview(projectId, campaignId, {
          profileId: optionalString(args, 'profile'),
          identifier: userId ? { type: 'external_id', value: userId } : undefined,
          eventParams,
        }),
      );
      if (r.ok) {
        print(io, { profile_id: r.profileId, message: r.message });
        return 0;
      }
      print(io, { profile_id: r.profileId, rendering_failure: r.renderingFailure });
      return 1;
    },
  },
  {
    name: 'campaign stats',
    summary: "Show a campaign's statistics (as the Notifly stats endpoint)",
    usage: 'maru campaign stats --project ID --campaign ID --start 2024-10-27T15:00:00.000Z --end 2024-10-29T14:59:59.999Z [--data-dir DIR]',
    options: { ...withCampaign, start: { type: 'string' }, end: { type: 'string' } },
    async run(args, io) {
      const campaignId = requireString(args, 'campaign');
      const start = requireString(args, 'start');
      const end = requireString(args, 'end');
      print(io, await withRuntime(args, io, (rt, projectId) => rt.campaignStats.stats({ projectId, campaignId, start, end })));
      return 0;
    },
  },
  {
    name: 'outbox list',
    summary: 'Messages the sandbox provider recorded (newest first)',
    usage: 'maru outbox list --project ID [--campaign ID] [--limit N] [--data-dir DIR]',
    options: { ...common, campaign: { type: 'string' }, limit: { type: 'string' } },
    async run(args, io) {
      const limit = optionalString(args, 'limit');
      const n = limit === undefined ? 20 : Number(limit);
      if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UsageError('--limit must be a whole number from 1 to 1000');
      const entries = await withRuntime(args, io, (rt, projectId) =>
        rt.sandboxOutbox.list(projectId, { campaignId: optionalString(args, 'campaign'), limit: n }),
      );
      if (args.json) print(io, { outbox: entries });
      else
        for (const e of entries)
          io.out(
            `${new Date(e.createdAt).toISOString()}  ${e.channel.padEnd(14)} ${e.state.padEnd(9)} calls=${e.calls}  ${e.recipient}  ${JSON.stringify(e.message)}\n`,
          );
      return 0;
    },
  },
];
