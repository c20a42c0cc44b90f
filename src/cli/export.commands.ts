import { once } from 'node:events';
import type { ParseArgsOptionsConfig } from 'node:util';
import type { ExportKind, FilterCondition, NameFilter } from '../core/export/export.types.ts';
import { FILTER_CONDITIONS } from '../core/export/export.types.ts';
import { UsageError, optionalString, printJson, readJson, requireString, withProject as withRuntime, type Args, type Command, type Io } from './support.ts';

/**
 * `maru export events|profiles` and `maru audience ...`: thin commands over ExportService and AudiencesService.
 * (Kept out of commands.ts, which only lists them; this module uses UsageError from it inside functions only,
 * so the import cycle between the two is harmless.)
 */

const common: ParseArgsOptionsConfig = {
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

function nameFilter(args: Args, listFlag: string, conditionFlag: string): NameFilter | undefined {
  const list = optionalString(args, listFlag);
  const condition = optionalString(args, conditionFlag);
  if (condition !== undefined && !(FILTER_CONDITIONS as readonly string[]).includes(condition)) {
    throw new UsageError(`--${conditionFlag} must be one of ${FILTER_CONDITIONS.join(', ')}`);
  }
  if (list === undefined && condition === undefined) return undefined;
  const names = (list ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  // On the command line a list without a condition means "only these".
  return { condition: (condition as FilterCondition | undefined) ?? (names.length > 0 ? 'include' : 'all'), names };
}

/**
 * Progress on stderr: rows and rows/s, at most 4 updates a second. On a terminal one line is rewritten with \r;
 * otherwise (a log file, CI) a plain line is written at most once a second.
 */
export class Progress {
  #io: Io;
  #tty: boolean;
  #started = performance.now();
  #last = this.#started;
  #everyMs: number;
  #label: string;

  constructor(io: Io, label: string, tty: boolean) {
    this.#io = io;
    this.#tty = tty;
    this.#everyMs = tty ? 250 : 1000;
    this.#label = label;
  }

  update(rows: number): void {
    const now = performance.now();
    if (now - this.#last < this.#everyMs) return;
    this.#last = now;
    const line = this.#line(rows, now);
    this.#io.err(this.#tty ? `\r${line}\u001b[K` : `${line}\n`);
  }

  done(rows: number, completed: boolean): void {
    const line = this.#line(rows, performance.now());
    this.#io.err(
      `${this.#tty ? '\r' : ''}${this.#label}: ${completed ? 'done' : 'stopped'}, ${line.slice(this.#label.length + 2)}${this.#tty ? '\u001b[K' : ''}\n`,
    );
  }

  #line(rows: number, now: number): string {
    const seconds = Math.max((now - this.#started) / 1000, 0.001);
    return `${this.#label}: ${rows.toLocaleString('en-US')} rows, ${Math.round(rows / seconds).toLocaleString('en-US')} rows/s, ${seconds.toFixed(1)}s`;
  }
}

function exportCommand(kind: ExportKind): Command {
  const noun = kind === 'events' ? 'events' : 'profiles';
  return {
    name: `export ${noun}`,
    summary: kind === 'events' ? 'Stream events as CSV to stdout (the DFINERY export format)' : 'Stream user profiles as CSV to stdout',
    usage:
      kind === 'events'
        ? `maru export events --project ID --from yyyy-MM-dd --to yyyy-MM-dd [--events a,b] [--events-condition include|exclude]
       [--properties p,q] [--properties-condition include|exclude] [--audience ID] [--neutralise-formulas] [--data-dir DIR] > events.csv

Writes the same CSV as POST /api/v1/export/event (docs/dfinery-export.md) to stdout, streamed from the store
(memory does not grow with the number of rows), with progress (rows, rows/s) on stderr.
--from/--to are local dates in the project's time zone, both inclusive. Unlike the API, the CLI does not limit
the span (31 days) or the age (365 days) of the range. A list given without a condition means include.`
        : `maru export profiles --project ID [--properties p,q] [--properties-condition include|exclude] [--audience ID]
       [--neutralise-formulas] [--data-dir DIR] > profiles.csv

Writes the same CSV as POST /api/v1/export/userprofile (docs/dfinery-export.md) to stdout, with progress on stderr.`,
    options: {
      ...common,
      project: { type: 'string' },
      ...(kind === 'events' ? { from: { type: 'string' }, to: { type: 'string' }, events: { type: 'string' }, 'events-condition': { type: 'string' } } : {}),
      properties: { type: 'string' },
      'properties-condition': { type: 'string' },
      audience: { type: 'string' },
      'neutralise-formulas': { type: 'boolean' },
    },
    async run(args, io) {
      const projectId = requireString(args, 'project');
      if (kind === 'events') {
        requireString(args, 'from');
        requireString(args, 'to');
      }
      return withRuntime(args, io, async (rt) => {
        const prepared = await rt.exports.prepare({
          projectId,
          kind,
          from: optionalString(args, 'from'),
          to: optionalString(args, 'to'),
          events: kind === 'events' ? nameFilter(args, 'events', 'events-condition') : undefined,
          properties: nameFilter(args, 'properties', 'properties-condition'),
          audience: optionalString(args, 'audience'),
          neutraliseFormulas: args['neutralise-formulas'] === true ? true : undefined,
          enforceLimits: false,
          fields: {
            from: '--from',
            to: '--to',
            events: '--events',
            eventsCondition: '--events-condition',
            properties: '--properties',
            propertiesCondition: '--properties-condition',
            audience: '--audience',
          },
        });
        const stream = await prepared.open();
        const progress = new Progress(io, `export ${noun}`, process.stderr.isTTY === true);
        let broken = false;
        const onError = () => {
          broken = true; // e.g. EPIPE: the reader (| head) went away
        };
        process.stdout.on('error', onError);
        try {
          for await (const chunk of stream.chunks) {
            io.out(chunk);
            // When io.out writes to a piped stdout that is not synchronous (macOS), wait for it to drain.
            if (process.stdout.writableNeedDrain) await once(process.stdout, 'drain');
            progress.update(stream.rows);
            if (broken) break;
          }
        } finally {
          process.stdout.off('error', onError);
          await stream.close();
        }
        progress.done(stream.rows, stream.completed);
        return stream.completed ? 0 : 1;
      });
    },
  };
}

export const EXPORT_COMMANDS: Command[] = [exportCommand('events'), exportCommand('profiles')];

const idOption = { id: { type: 'string' } } as const;

export const AUDIENCE_COMMANDS: Command[] = [
  {
    name: 'audience create',
    summary: 'Save an audience rule (selects profiles; exports take its id)',
    usage: `maru audience create --project ID --name NAME --file rule.json [--description TEXT] [--json] [--data-dir DIR]

rule.json holds the rule, e.g. {"all": [{"property": "df_gender", "op": "equals", "value": "Female"},
{"event": "df_purchase", "min_count": 2, "within_last_days": 30}]} (docs/audiences.md). Prints the new id.`,
    options: {
      ...common,
      project: { type: 'string' },
      name: { type: 'string' },
      file: { type: 'string' },
      description: { type: 'string' },
      json: { type: 'boolean' },
    },
    async run(args, io) {
      const projectId = requireString(args, 'project');
      const name = requireString(args, 'name');
      const rule = await readJson(requireString(args, 'file'));
      const a = await withRuntime(args, io, (rt) => rt.audiences.create(projectId, { name, description: optionalString(args, 'description'), rule }));
      if (args.json) printJson(io, { audience: a });
      else io.out(`${a.id}\n`);
      return 0;
    },
  },
  {
    name: 'audience list',
    summary: "List a project's audiences",
    usage: 'maru audience list --project ID [--json] [--data-dir DIR]',
    options: { ...common, project: { type: 'string' }, json: { type: 'boolean' } },
    async run(args, io) {
      const projectId = requireString(args, 'project');
      const list = await withRuntime(args, io, (rt) => rt.audiences.list(projectId));
      if (args.json) printJson(io, { audiences: list });
      else for (const a of list) io.out(`${a.id}  ${a.name}\n`);
      return 0;
    },
  },
  {
    name: 'audience get',
    summary: 'Show an audience and its rule (JSON)',
    usage: 'maru audience get --project ID --id AUDIENCE [--data-dir DIR]',
    options: { ...common, project: { type: 'string' }, ...idOption },
    async run(args, io) {
      const projectId = requireString(args, 'project');
      const id = requireString(args, 'id');
      printJson(io, { audience: await withRuntime(args, io, (rt) => rt.audiences.get(projectId, id)) });
      return 0;
    },
  },
  {
    name: 'audience update',
    summary: "Change an audience's name, description or rule",
    usage: 'maru audience update --project ID --id AUDIENCE [--name NAME] [--description TEXT] [--file rule.json] [--json] [--data-dir DIR]',
    options: {
      ...common,
      project: { type: 'string' },
      ...idOption,
      name: { type: 'string' },
      description: { type: 'string' },
      file: { type: 'string' },
      json: { type: 'boolean' },
    },
    async run(args, io) {
      const projectId = requireString(args, 'project');
      const id = requireString(args, 'id');
      const file = optionalString(args, 'file');
      const patch = { name: optionalString(args, 'name'), description: optionalString(args, 'description'), rule: file ? await readJson(file) : undefined };
      if (patch.name === undefined && patch.description === undefined && patch.rule === undefined)
        throw new UsageError('give at least one of --name, --description, --file');
      const a = await withRuntime(args, io, (rt) => rt.audiences.update(projectId, id, patch));
      if (args.json) printJson(io, { audience: a });
      else io.out(`updated ${a.id}\n`);
      return 0;
    },
  },
  {
    name: 'audience delete',
    summary: 'Delete an audience',
    usage: 'maru audience delete --project ID --id AUDIENCE [--data-dir DIR]',
    options: { ...common, project: { type: 'string' }, ...idOption },
    async run(args, io) {
      const projectId = requireString(args, 'project');
      const id = requireString(args, 'id');
      await withRuntime(args, io, (rt) => rt.audiences.delete(projectId, id));
      io.out(`deleted ${id}\n`);
      return 0;
    },
  },
  {
    name: 'audience preview',
    summary: 'Count and sample the profiles a saved audience or a rule file selects now',
    usage: 'maru audience preview --project ID (--id AUDIENCE | --file rule.json) [--sample N] [--json] [--data-dir DIR]',
    options: { ...common, project: { type: 'string' }, ...idOption, file: { type: 'string' }, sample: { type: 'string' }, json: { type: 'boolean' } },
    async run(args, io) {
      const projectId = requireString(args, 'project');
      const id = optionalString(args, 'id');
      const file = optionalString(args, 'file');
      if ((id === undefined) === (file === undefined)) throw new UsageError('give exactly one of --id or --file');
      const sampleArg = optionalString(args, 'sample');
      if (sampleArg !== undefined && !/^\d+$/.test(sampleArg)) throw new UsageError('--sample must be a whole number');
      const rule = file ? await readJson(file) : undefined;
      const p = await withRuntime(args, io, (rt) =>
        rt.audiences.preview(projectId, { id, rule, sample: sampleArg === undefined ? undefined : Number(sampleArg) }),
      );
      if (args.json) printJson(io, p);
      else io.out(`${p.count} profiles${p.sample.length ? `; e.g. ${p.sample.join(', ')}` : ''}\n`);
      return 0;
    },
  },
];
