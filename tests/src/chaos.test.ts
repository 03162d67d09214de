import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalPlatform } from '@kundval/infra';
import { formatChaosReport, runChaos, startChaosPlatform } from './chaos/index.js';

/** Fixed, so a failure here is repeated by `npm run chaos -- --journeys 10 --seed 20261207`. */
const SEED = 20261207;

describe('chaos: concurrent journeys while components are killed and answers lost', () => {
  let platform: LocalPlatform;
  beforeAll(async () => {
    platform = await startChaosPlatform(SEED, 'chaos-test');
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('completes every journey or leaves it waiting on a named attention, nothing lost, charged or paid twice, every task accounted for', { timeout: 420_000 }, async () => {
    const report = await runChaos(platform, { journeys: 10, seed: SEED, maxKills: 3, budgetMs: 300_000 });
    console.log(formatChaosReport(report));
    expect(report.kills.length).toBeGreaterThan(0);
    expect(report.violations).toEqual([]);
    expect(report.outcomes.every((o) => o.outcome === 'completed' || o.outcome.startsWith('attention:'))).toBe(true);
  });
});
