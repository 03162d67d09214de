import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatSummary, summarize, type Summary } from './stats.js';

/** bench/results (git-ignored): one JSON file per benchmark run. */
export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'results');

/** One row of a benchmark's table: a metric of the product path against the baseline measured in the same run. */
export type ComparedMetric = {
  metric: string;
  unit: string;
  product: Summary;
  baseline: Summary;
  /** product ÷ baseline per repetition, then the median and spread of those ratios. */
  ratio: Summary;
};

/** Pairs each repetition's product and baseline values and summarizes both and their ratio. */
export function compare(metric: string, unit: string, product: number[], baseline: number[]): ComparedMetric {
  if (product.length !== baseline.length) throw new Error(`${metric}: ${product.length} product values against ${baseline.length} baseline values`);
  return {
    metric,
    unit,
    product: summarize(product),
    baseline: summarize(baseline),
    ratio: summarize(product.map((p, i) => p / baseline[i]!)),
  };
}

export function machine() {
  const cpu = cpus();
  return { cpus: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform };
}

/** The markdown table printed after a run and pasted into bench/README.md. */
export function markdownTable(title: string, rows: ComparedMetric[], labels: { product: string; baseline: string }): string {
  const lines = [
    `### ${title}`,
    '',
    `| Metric | ${labels.product} | ${labels.baseline} | Ratio (product ÷ baseline) |`,
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.metric} (${r.unit}) | ${formatSummary(r.product)} | ${formatSummary(r.baseline)} | ${formatSummary(r.ratio, 3)} |`),
    '',
    'Median of the repetitions, (min–max) in brackets.',
  ];
  return lines.join('\n');
}

/** Writes `bench/results/<name>-<timestamp>.json` and returns its path. */
export function writeResult(name: string, result: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = join(RESULTS_DIR, `${name}-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify({ benchmark: name, at: new Date().toISOString(), machine: machine(), ...result }, null, 2)}\n`);
  return file;
}
