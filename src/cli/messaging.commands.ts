import { readFile } from 'node:fs/promises';
import type { ParseArgsOptionsConfig } from 'node:util';
import type { AlimtalkTemplate, KakaoChannel, SenderNumber } from '../core/messaging/messaging.types.ts';
import { UsageError, printJson, requireString, withProject as withRuntime, type Command } from './support.ts';

/**
 * `maru messaging ...`: a project's Korean messaging setup (docs/korean-messaging.md "Project setup") — the same
 * operations as the admin API under /admin/v1/projects/:id/messaging, thin over MessagingSetupService. (Kept out of
 * commands.ts, which only lists them; UsageError is used inside functions only, so the import cycle is harmless.)
 */

const common: ParseArgsOptionsConfig = {
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  project: { type: 'string' },
};

const iso = (ms: number) => new Date(ms).toISOString();
const senderWire = (s: SenderNumber) => ({ number: s.number, default: s.isDefault, createdAt: iso(s.createdAt) });
const channelWire = (c: KakaoChannel) => ({ channelId: c.channelId, senderKey: c.senderKey, default: c.isDefault, createdAt: iso(c.createdAt) });
const templateWire = (t: AlimtalkTemplate) => ({
  templateId: t.templateId,
  templateCode: t.templateCode,
  channelId: t.channelId,
  content: t.content,
  buttons: t.buttons,
});

export const MESSAGING_COMMANDS: Command[] = [
  {
    name: 'messaging status',
    summary: "Show a project's messaging setup and whether its own text-message sending is configured",
    usage: `maru messaging status --project ID [--data-dir DIR]

Prints JSON: settings, textSending {configured, vendor, senderNumbers, reason}, sender numbers, Kakao channels and
the number of alimtalk templates (the same as GET /admin/v1/projects/ID/messaging).`,
    options: common,
    async run(args, io) {
      const o = await withRuntime(args, io, (rt, projectId) => rt.messagingSetup.overview(projectId));
      printJson(io, { ...o, senderNumbers: o.senderNumbers.map(senderWire), kakaoChannels: o.kakaoChannels.map(channelWire) });
      return 0;
    },
  },
  {
    name: 'messaging set',
    summary: 'Change messaging settings (--sandbox-text-sending true|false)',
    usage: `maru messaging set --project ID --sandbox-text-sending true|false [--data-dir DIR]

--sandbox-text-sending true lets /messages/text-message send while the text_message channel uses the sandbox
(staging, demos): the messages go to the sandbox outbox.`,
    options: { ...common, 'sandbox-text-sending': { type: 'string' } },
    async run(args, io) {
      const raw = requireString(args, 'sandbox-text-sending');
      if (raw !== 'true' && raw !== 'false') throw new UsageError('--sandbox-text-sending must be true or false');
      const s = await withRuntime(args, io, (rt, projectId) => rt.messagingSetup.updateSettings(projectId, { sandboxTextSending: raw === 'true' }));
      printJson(io, s);
      return 0;
    },
  },
  {
    name: 'messaging sender-add',
    summary: 'Register a sender number text messages may go out from',
    usage: `maru messaging sender-add --project ID --number 1544-6859 [--default] [--data-dir DIR]

The number must also be registered (and verified) with the text-message vendor. The first number registered is the
default until another is registered with --default.`,
    options: { ...common, number: { type: 'string' }, default: { type: 'boolean' } },
    async run(args, io) {
      const number = requireString(args, 'number');
      const s = await withRuntime(args, io, (rt, projectId) => rt.messagingSetup.addSenderNumber(projectId, { number, default: args.default === true }));
      printJson(io, senderWire(s));
      return 0;
    },
  },
  {
    name: 'messaging sender-remove',
    summary: 'Remove a registered sender number',
    usage: 'maru messaging sender-remove --project ID --number 1544-6859 [--data-dir DIR]',
    options: { ...common, number: { type: 'string' } },
    async run(args, io) {
      const number = requireString(args, 'number');
      await withRuntime(args, io, (rt, projectId) => rt.messagingSetup.removeSenderNumber(projectId, number));
      io.err(`removed sender number ${number}\n`);
      return 0;
    },
  },
  {
    name: 'messaging channel-add',
    summary: 'Register a Kakao channel (its search id and sender key)',
    usage: `maru messaging channel-add --project ID --channel-id @maru --sender-key KEY [--default] [--data-dir DIR]

Registering an existing channel id replaces its sender key. The first channel registered is the default.`,
    options: { ...common, 'channel-id': { type: 'string' }, 'sender-key': { type: 'string' }, default: { type: 'boolean' } },
    async run(args, io) {
      const channelId = requireString(args, 'channel-id');
      const senderKey = requireString(args, 'sender-key');
      const c = await withRuntime(args, io, (rt, projectId) =>
        rt.messagingSetup.addKakaoChannel(projectId, { channelId, senderKey, default: args.default === true }),
      );
      printJson(io, channelWire(c));
      return 0;
    },
  },
  {
    name: 'messaging channel-remove',
    summary: 'Remove a Kakao channel (refused while alimtalk templates use it)',
    usage: 'maru messaging channel-remove --project ID --channel-id @maru [--data-dir DIR]',
    options: { ...common, 'channel-id': { type: 'string' } },
    async run(args, io) {
      const channelId = requireString(args, 'channel-id');
      await withRuntime(args, io, (rt, projectId) => rt.messagingSetup.removeKakaoChannel(projectId, channelId));
      io.err(`removed Kakao channel ${channelId}\n`);
      return 0;
    },
  },
  {
    name: 'messaging template-set',
    summary: 'Register or replace an alimtalk template from a JSON file',
    usage: `maru messaging template-set --project ID --file template.json [--data-dir DIR]

template.json: {"templateId": "order-received", "templateCode": "ORDER01", "content": "#{name}님, 주문이 접수되었습니다.",
"channelId": "@maru", "buttons": [{"type": "WL", "name": "주문 조회", "linkMo": "https://m.example.com/o"}]}
(channelId and buttons optional). The template code must be the one Kakao approved.`,
    options: { ...common, file: { type: 'string' } },
    async run(args, io) {
      const file = requireString(args, 'file');
      let doc: unknown;
      try {
        doc = JSON.parse(await readFile(file, 'utf8'));
      } catch (e) {
        throw new UsageError(`cannot read ${file} as JSON: ${(e as Error).message}`);
      }
      const id = (doc as { templateId?: unknown } | null)?.templateId;
      if (typeof id !== 'string' || id.length === 0) throw new UsageError(`${file} has no "templateId"`);
      const r = await withRuntime(args, io, (rt, projectId) => rt.messagingSetup.saveTemplate(projectId, doc, id));
      io.err(`${r.created ? 'registered' : 'replaced'} alimtalk template ${id}\n`);
      printJson(io, templateWire(r.template));
      return 0;
    },
  },
  {
    name: 'messaging templates',
    summary: "List a project's alimtalk templates",
    usage: 'maru messaging templates --project ID [--data-dir DIR]',
    options: common,
    async run(args, io) {
      const list = await withRuntime(args, io, (rt, projectId) => rt.messagingSetup.listTemplates(projectId));
      printJson(io, list.map(templateWire));
      return 0;
    },
  },
  {
    name: 'messaging template-remove',
    summary: 'Remove an alimtalk template',
    usage: 'maru messaging template-remove --project ID --template-id ID [--data-dir DIR]',
    options: { ...common, 'template-id': { type: 'string' } },
    async run(args, io) {
      const templateId = requireString(args, 'template-id');
      await withRuntime(args, io, (rt, projectId) => rt.messagingSetup.removeTemplate(projectId, templateId));
      io.err(`removed alimtalk template ${templateId}\n`);
      return 0;
    },
  },
];
