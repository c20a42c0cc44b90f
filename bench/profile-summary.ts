/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time, by file:line,
 * a roll-up by module (maru source file, npm package, node internals), and the maru functions with the most
 * total (inclusive) time.
 *
 * Usage: node bench/profile-summary.ts <file.cpuprofile> [top=25]
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './lib/proc.ts';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FrameTime {
  frame: string;
  location: string;
  module: string;
  ms: number;
  pct: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Time not spent idle: everything but (idle). */
  busyMs: number;
  self: FrameTime[];
  modules: { module: string; ms: number; pct: number }[];
  /** Inclusive time of functions in src/ (time spent in them and everything they called). */
  maruTotal: FrameTime[];
  /** For the top self-time frames: their self time split by the nearest maru caller in another file. */
  callers: { frame: FrameTime; by: { caller: string; ms: number; pct: number }[] }[];
}

function location(cf: CallFrame): string {
  if (!cf.url) return '';
  let path = cf.url;
  if (path.startsWith('file://')) path = relative(ROOT, fileURLToPath(path));
  return `${path}:${cf.lineNumber + 1}`;
}

/** Which module a frame belongs to: a maru source file, an npm package, node internals, or a V8 pseudo-frame. */
function moduleOf(cf: CallFrame): string {
  if (!cf.url) return cf.functionName.startsWith('(') ? cf.functionName : '(native)';
  if (cf.url.startsWith('node:')) return 'node internals';
  if (!cf.url.startsWith('file://')) return cf.url;
  const path = relative(ROOT, fileURLToPath(cf.url));
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (nm) return `npm:${nm[1]}`;
  return path;
}

export function summarize(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  // Self time per node from the sample time deltas (more exact than hitCount × interval).
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + Math.max(0, dt));
  }
  let totalUs = 0;
  let idleUs = 0;
  const selfByFrame = new Map<string, FrameTime>();
  const modules = new Map<string, number>();
  const inclusive = new Map<string, FrameTime>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const cf = node.callFrame;
    totalUs += us;
    if (cf.functionName === '(idle)') idleUs += us;
    const loc = location(cf);
    const key = `${cf.functionName}@${loc}`;
    const mod = moduleOf(cf);
    const f = selfByFrame.get(key) ?? { frame: cf.functionName || '(anonymous)', location: loc, module: mod, ms: 0, pct: 0 };
    f.ms += us / 1000;
    selfByFrame.set(key, f);
    modules.set(mod, (modules.get(mod) ?? 0) + us / 1000);

    // Inclusive time for maru's own functions: walk up the stack once per distinct frame.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const acf = byId.get(at)!.callFrame;
      if (!acf.url.startsWith('file://')) continue;
      const path = relative(ROOT, fileURLToPath(acf.url));
      if (!path.startsWith('src/')) continue;
      const akey = `${acf.functionName}@${location(acf)}`;
      if (seen.has(akey)) continue;
      seen.add(akey);
      const t = inclusive.get(akey) ?? { frame: acf.functionName || '(anonymous)', location: location(acf), module: path, ms: 0, pct: 0 };
      t.ms += us / 1000;
      inclusive.set(akey, t);
    }
  }
  const busyMs = (totalUs - idleUs) / 1000;

  // Who calls the hottest frames: the nearest src/ frame above them that is in another file.
  const nearestCaller = (id: number): string => {
    const leaf = byId.get(id)!.callFrame;
    for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
      const cf = byId.get(at)!.callFrame;
      if (!cf.url.startsWith('file://') || cf.url === leaf.url) continue;
      const path = relative(ROOT, fileURLToPath(cf.url));
      if (path.startsWith('src/')) return `${cf.functionName || '(anonymous)'}  ${location(cf)}`;
    }
    return '(no maru caller)';
  };
  const pct = (ms: number) => (busyMs > 0 ? (ms / busyMs) * 100 : 0);
  const sorted = (xs: Iterable<FrameTime>) => [...xs].map((f) => ({ ...f, pct: pct(f.ms) })).sort((a, b) => b.ms - a.ms);
  const selfSorted = sorted(selfByFrame.values()).filter((f) => f.frame !== '(idle)');
  const callers = selfSorted
    .slice(0, 3)
    .filter((f) => f.location)
    .map((frame) => {
      const by = new Map<string, number>();
      for (const [id, us] of selfUs) {
        const cf = byId.get(id)!.callFrame;
        if (cf.functionName !== frame.frame && !(frame.frame === '(anonymous)' && !cf.functionName)) continue;
        if (location(cf) !== frame.location) continue;
        const c = nearestCaller(id);
        by.set(c, (by.get(c) ?? 0) + us / 1000);
      }
      return {
        frame,
        by: [...by]
          .map(([caller, ms]) => ({ caller, ms, pct: pct(ms) }))
          .sort((a, b) => b.ms - a.ms)
          .slice(0, 8),
      };
    });
  return {
    file,
    totalMs: totalUs / 1000,
    busyMs,
    self: selfSorted,
    callers,
    modules: [...modules]
      .filter(([m]) => m !== '(idle)')
      .map(([module, ms]) => ({ module, ms, pct: pct(ms) }))
      .sort((a, b) => b.ms - a.ms),
    maruTotal: sorted(inclusive.values()),
  };
}

export function formatSummary(s: ProfileSummary, top = 25): string {
  const row = (pctValue: number, ms: number, a: string, b = '') =>
    `  ${pctValue.toFixed(1).padStart(5)}%  ${Math.round(ms).toString().padStart(7)} ms  ${a}${b ? `  ${b}` : ''}`;
  const lines = [
    `CPU profile ${s.file}`,
    `  ${(s.totalMs / 1000).toFixed(1)} s sampled, ${(s.busyMs / 1000).toFixed(1)} s busy (percentages are of busy time)`,
    '',
    `Top ${top} functions by self time:`,
    ...s.self.slice(0, top).map((f) => row(f.pct, f.ms, f.frame, f.location || f.module)),
    ...s.callers.flatMap((c) => [
      '',
      `Self time of ${c.frame.frame} (${c.frame.location}) by nearest maru caller:`,
      ...c.by.map((b) => row(b.pct, b.ms, b.caller)),
    ]),
    '',
    'Self time by module:',
    ...s.modules.slice(0, 20).map((m) => row(m.pct, m.ms, m.module)),
    '',
    `Top ${top} maru functions by total (inclusive) time:`,
    ...s.maruTotal.slice(0, top).map((f) => row(f.pct, f.ms, f.frame, f.location)),
  ];
  return lines.join('\n');
}

if (import.meta.main) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node bench/profile-summary.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(formatSummary(summarize(file), Number(process.argv[3] ?? 25)) + '\n');
}
