import type { ComparedMetric } from '../lib/results.js';
import { formatSummary } from '../lib/stats.js';

/** One size: wall time and peak RSS of the product against the floor, per repetition and summarized. */
export type SizeRow = { visits: number; time: ComparedMetric; peakRss: ComparedMetric };

/**
 * The markdown table printed after a run and pasted into bench/README.md: a row per size, with how
 * time grows per 10× visits between a row and the one above it, (t₂ ÷ t₁)^(1 ÷ log₁₀(n₂ ÷ n₁)) on the
 * medians: 10 is linear, more is worse than linear.
 */
export function billingTable(engine: string, rows: SizeRow[], tuning: Record<string, number>, reps: number, largeReps: number, variant = ''): string {
  const growth = (i: number, side: 'product' | 'baseline') => {
    if (i === 0) return '—';
    const [a, b] = [rows[i - 1]!, rows[i]!];
    return Math.pow(b.time[side].median / a.time[side].median, 1 / Math.log10(b.visits / a.visits)).toFixed(1);
  };
  const fewer = rows.some((r) => r.time.product.n < reps) ? ` (${largeReps} from 10 000 000 visits)` : '';
  const lines = [
    `### Billing run on ${engine}${variant}: runBillingMonth against the plain loop (${Object.entries(tuning).map(([k, v]) => `${k} ${v}`).join(', ')})`,
    '',
    '| Visits | runBillingMonth (s) | plain loop (s) | Ratio (product ÷ floor) | product peak RSS (MB) | floor peak RSS (MB) | time × per 10× visits (product / floor) |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r, i) =>
        `| ${r.visits.toLocaleString('en-US').replace(/,/g, ' ')} | ${formatSummary(r.time.product)} | ${formatSummary(r.time.baseline)} | ${formatSummary(r.time.ratio, 2)} | ${formatSummary(r.peakRss.product, 0)} | ${formatSummary(r.peakRss.baseline, 0)} | ${growth(i, 'product')} / ${growth(i, 'baseline')} |`,
    ),
    '',
    `Median of the repetitions, (min–max) in brackets; ${reps} repetitions${fewer}.`,
  ];
  return lines.join('\n');
}

/** Tuning variants against the product's defaults, measured in the same rotation. */
export function variantTable(rows: Array<{ engine: string; visits: number; label: string; time: ComparedMetric }>): string {
  return [
    '### Billing run: page and batch sizes against the defaults',
    '',
    '| Engine | Visits | Variant | variant (s) | defaults (s) | Ratio (variant ÷ defaults) |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.engine} | ${r.visits.toLocaleString('en-US').replace(/,/g, ' ')} | ${r.label} | ${formatSummary(r.time.product)} | ${formatSummary(r.time.baseline)} | ${formatSummary(r.time.ratio, 3)} |`),
    '',
    'Median of the repetitions, (min–max) in brackets.',
  ].join('\n');
}

/** The workspace's build against earlier ones (`--baseline-build`), each measured in the same rotation. */
export function baselineTable(rows: Array<{ engine: string; visits: number; label: string; time: ComparedMetric; cpu: ComparedMetric }>): string {
  return [
    '### Billing run: this build against earlier builds',
    '',
    '| Engine | Visits | Baseline | this build (s) | baseline (s) | Ratio (this ÷ baseline) | this build CPU (s) | baseline CPU (s) | CPU ratio |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.engine} | ${r.visits.toLocaleString('en-US').replace(/,/g, ' ')} | ${r.label} | ${formatSummary(r.time.product)} | ${formatSummary(r.time.baseline)} | ${formatSummary(r.time.ratio, 3)} | ${formatSummary(r.cpu.product)} | ${formatSummary(r.cpu.baseline)} | ${formatSummary(r.cpu.ratio, 3)} |`,
    ),
    '',
    'Median of the repetitions, (min–max) in brackets; ratios per repetition.',
  ].join('\n');
}
