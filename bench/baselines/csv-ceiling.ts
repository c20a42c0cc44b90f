/**
 * CSV ceiling: raw row iteration from node:sqlite (the same events an export reads: one project, a time range,
 * in time order) written as CSV — every stored column, quoted where needed — to /dev/null.
 *
 * Usage: node bench/baselines/csv-ceiling.ts '{"db": ".../maru.db", "projectId": "...", "from": ms, "to": ms}'
 * → prints {"rows", "bytes", "seconds", "rowsPerSec", "peakRss"} on stdout.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { DatabaseSync } from 'node:sqlite';

interface Args {
  db: string;
  projectId: string;
  from: number;
  to: number;
}
const args = JSON.parse(process.argv[2] ?? '{}') as Args;

const cell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

const COLUMNS = ['seq', 'project_id', 'occurred_at', 'event_key', 'name', 'received_at', 'profile_id', 'properties', 'items', 'source'];
const started = performance.now();
const db = new DatabaseSync(args.db, { readOnly: true });
const stmt = db.prepare(
  `select ${COLUMNS.join(', ')} from events where project_id = ? and occurred_at >= ? and occurred_at < ? order by occurred_at, event_key`,
);
const out = createWriteStream('/dev/null');
let buffer = COLUMNS.join(',') + '\n';
let rows = 0;
let bytes = 0;
let peakRss = 0;
for (const row of stmt.iterate(args.projectId, args.from, args.to) as Iterable<Record<string, unknown>>) {
  let line = '';
  for (let i = 0; i < COLUMNS.length; i++) line += (i ? ',' : '') + cell(row[COLUMNS[i]]);
  buffer += line + '\n';
  rows++;
  if (buffer.length >= 65536) {
    bytes += Buffer.byteLength(buffer);
    if (!out.write(buffer)) await once(out, 'drain');
    buffer = '';
    if ((rows & 0xffff) === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }
}
bytes += Buffer.byteLength(buffer);
out.end(buffer);
await once(out, 'finish');
db.close();
const seconds = (performance.now() - started) / 1000;
peakRss = Math.max(peakRss, process.memoryUsage.rss());
process.stdout.write(JSON.stringify({ rows, bytes, seconds, rowsPerSec: rows / seconds, peakRss }) + '\n');
