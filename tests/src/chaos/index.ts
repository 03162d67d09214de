/**
 * The chaos run (`npm run chaos`, and a small one in the end-to-end tests): concurrent journeys
 * while components are killed and command answers lost, then every journey checked against the
 * services' own records.
 */
export { formatChaosReport, runChaos, startChaosPlatform } from './chaos.js';
export type { ChaosOptions, ChaosReport, JourneyOutcome } from './chaos.js';
