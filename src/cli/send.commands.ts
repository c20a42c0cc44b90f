import { readFile } from 'node:fs/promises';
import type { ParseArgsOptionsConfig } from 'node:util';
import type { TextKind } from '../core/messaging/text-size.ts';
import { UsageError, optionalString, printJson, requireString, withProject, type Command } from './support.ts';

/**
 * `maru campaign send` and `maru message text`: the CLI over the same core calls as the Notifly face's campaign send
 * (DeliveriesService.sendApi) and text-message endpoint (DirectMessagesService.sendText). Each prints the plan result.
 */

const common: ParseArgsOptionsConfig = {
  'data-dir': { type: 'string' },
  project: { type: 'string' },
  'request-id': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

/** A JSON file, or stdin for `-`. */
async function readJsonArg(file: string, option: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file === '-' ? '/dev/stdin' : file, 'utf8');
  } catch (e) {
    throw new UsageError(`--${option}: cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--${option}: ${file === '-' ? 'stdin' : file} is not JSON: ${(e as Error).message}`);
  }
}

const TEXT_KINDS: readonly TextKind[] = ['sms', 'lms', 'mms'];

export const SEND_COMMANDS: Command[] = [
  {
    name: 'campaign send',
    summary: 'Send an active API-triggered campaign to recipients (as POST /campaigns/{id}/send of the Notifly face)',
    usage: `maru campaign send --project ID --campaign ID --recipients FILE|- [--request-id KEY] [--data-dir DIR]

FILE (or stdin for -) holds the recipients as the Notifly campaign send body takes them, either the array alone or
{"recipients": [...]}, e.g.
  [{"type": "user-id", "userId": "u1", "eventParams": {"coupon": "A1"}}, {"type": "phone-number", "phoneNumber": "01012345678"}]
--request-id makes a repeated call record nothing twice and print the first plan again (the Idempotency-Key rule: the
same key with other recipients is refused). Prints the plan as JSON:
request_id, created, queued, existing, duplicates, unreachable.`,
    options: { ...common, campaign: { type: 'string' }, recipients: { type: 'string' } },
    async run(args, io) {
      const campaignId = requireString(args, 'campaign');
      const doc = await readJsonArg(requireString(args, 'recipients'), 'recipients');
      const body = Array.isArray(doc) ? { recipients: doc } : doc;
      const r = await withProject(args, io, (rt, projectId) =>
        rt.deliveries.sendApi({ projectId, campaignId, body, requestId: optionalString(args, 'request-id') }),
      );
      printJson(io, {
        request_id: r.requestId,
        created: r.created,
        queued: r.queued,
        existing: r.existing,
        duplicates: r.duplicates,
        unreachable: r.unreachable,
      });
      return 0;
    },
  },
  {
    name: 'message text',
    summary: 'Send a direct text message (SMS/LMS/MMS) to phone numbers (as POST /messages/text-message)',
    usage: `maru message text --project ID --to NUMBER [--to NUMBER ...] --body TEXT [--kind sms|lms|mms] [--title TEXT]
                   [--from NUMBER] [--advertising] [--request-id KEY] [--data-dir DIR]

Needs the project's own text-message sending set up (maru messaging ..., docs/korean-messaging.md); --from defaults
to the project's default sender number. Prints the plan as JSON: campaign_id, request_id, created, queued, ...`,
    options: {
      ...common,
      to: { type: 'string', multiple: true },
      body: { type: 'string' },
      kind: { type: 'string' },
      title: { type: 'string' },
      from: { type: 'string' },
      advertising: { type: 'boolean' },
    },
    async run(args, io) {
      const to = (Array.isArray(args.to) ? args.to : []).filter((v): v is string => typeof v === 'string');
      if (to.length === 0) throw new UsageError('--to is required (a phone number; repeat it for more)');
      const body = requireString(args, 'body');
      const kind = (optionalString(args, 'kind') ?? 'sms') as TextKind;
      if (!TEXT_KINDS.includes(kind)) throw new UsageError(`--kind must be one of ${TEXT_KINDS.join(', ')}`);
      const r = await withProject(args, io, (rt, projectId) =>
        rt.directMessages.sendText({
          projectId,
          requestId: optionalString(args, 'request-id'),
          kind,
          title: optionalString(args, 'title'),
          body,
          from: optionalString(args, 'from'),
          advertising: args.advertising === true,
          recipients: to.map((number, i) => ({ number, field: `--to[${i}]`, numberField: 'to' })),
          fields: { title: '--title', body: '--body', from: '--from', advertising: '--advertising' },
        }),
      );
      printJson(io, {
        campaign_id: r.campaignId,
        request_id: r.requestId,
        created: r.created,
        queued: r.queued,
        existing: r.existing,
        duplicates: r.duplicates,
        unreachable: r.unreachable,
      });
      return 0;
    },
  },
];
