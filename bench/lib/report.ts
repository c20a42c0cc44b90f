/** One figure a benchmark reports; printed as a table row and as one JSON line. */
export interface BenchResult {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  /** The ceiling measured in the same run, in the same unit (null when the figure has none). */
  baseline: number | null;
  /** value ÷ baseline (or as the metric says), null without a baseline. */
  ratio: number | null;
  /** The product goal from issue 10, as text (null for informational figures). */
  target: string | null;
  /** Whether the target is met (null when there is no target). */
  met: boolean | null;
}

export interface Skipped {
  bench: string;
  reason: string;
}

const fmt = (n: number | null, unit = ''): string => {
  if (n === null || Number.isNaN(n)) return '—';
  if (unit === 'x') return `${n.toFixed(3)}×`;
  if (unit === 'MB') return `${n.toFixed(1)} MB`;
  if (unit === 'ms') return `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`;
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(2);
};

export function formatValue(r: BenchResult): string {
  return r.unit === 'ms' || r.unit === 'MB' || r.unit === 'x' ? fmt(r.value, r.unit) : `${fmt(r.value)} ${r.unit}`.trim();
}

export function formatBaseline(r: BenchResult): string {
  if (r.baseline === null) return '—';
  return r.unit === 'ms' || r.unit === 'MB' ? fmt(r.baseline, r.unit) : fmt(r.baseline);
}

/** A Markdown table (pasteable into bench/README.md). */
export function table(results: BenchResult[], skipped: Skipped[]): string {
  const rows = results.map((r) => [
    r.bench,
    r.metric,
    formatValue(r),
    formatBaseline(r),
    r.ratio === null ? '—' : fmt(r.ratio, 'x'),
    r.target ?? '—',
    r.met === null ? '' : r.met ? 'met' : 'MISSED',
  ]);
  const header = ['benchmark', 'metric', 'value', 'baseline (same run)', 'ratio', 'target', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const out = [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
  for (const s of skipped) out.push(`\n${s.bench}: skipped — ${s.reason}`);
  return out.join('\n');
}

export function jsonLine(r: BenchResult): string {
  const round = (n: number | null) => (n === null ? null : Math.round(n * 1000) / 1000);
  return JSON.stringify({
    bench: r.bench,
    metric: r.metric,
    value: round(r.value),
    baseline: round(r.baseline),
    ratio: round(r.ratio),
    target: r.target,
    unit: r.unit,
    met: r.met,
  });
}
