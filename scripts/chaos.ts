import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { formatChaosReport, runChaos, startChaosPlatform } from '@kundval/tests/chaos';

const USAGE = 'usage: npm run chaos -- [--journeys N] [--seed S] [--loss-rate 0.05] [--max-kills K] [--budget-minutes 20]';

const { values } = parseArgs({
  options: {
    journeys: { type: 'string', default: '100' },
    seed: { type: 'string' },
    'loss-rate': { type: 'string', default: '0.05' },
    'max-kills': { type: 'string' },
    'budget-minutes': { type: 'string', default: '20' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const journeys = Number(values.journeys);
const seed = values.seed === undefined ? randomInt(1, 2 ** 31 - 1) : Number(values.seed);
const lossRate = Number(values['loss-rate']);
const budgetMs = Number(values['budget-minutes']) * 60_000;
// Bounded on purpose: this runs on a developer's machine, every process on loopback.
if (!Number.isInteger(journeys) || journeys < 1 || journeys > 500 || !Number.isInteger(seed) || !(lossRate >= 0 && lossRate <= 0.5) || !(budgetMs > 0 && budgetMs <= 60 * 60_000)) {
  console.error(USAGE);
  process.exit(2);
}

console.log(`Chaos run: ${journeys} journeys, seed ${seed}, ${(lossRate * 100).toFixed(0)} % of the worker's answers lost, components killed one at a time.`);
const platform = await startChaosPlatform(seed);
let exitCode = 1;
try {
  const report = await runChaos(platform, {
    journeys,
    seed,
    lossRate,
    budgetMs,
    ...(values['max-kills'] === undefined ? {} : { maxKills: Number(values['max-kills']) }),
    progress: (line) => console.log(`  ${line}`),
  });
  console.log(formatChaosReport(report));
  exitCode = report.violations.length === 0 ? 0 : 1;
} finally {
  await platform.stop();
}
console.log('Processes\' output: .data/test-logs/chaos.log');
process.exit(exitCode);
