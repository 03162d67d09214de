import { randomUUID } from 'node:crypto';
import { chmodSync, createWriteStream, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { resolveTool, startClusterPlatform, startLocalPlatform } from '@kundval/infra';
import { SEARCH_ATTRIBUTE_TYPES, journeyWorkflowId } from '@kundval/workflows';
import { loadDemoData, runHomeCareJourney } from '@kundval/tests/driver';
import { Child } from '../lib/child.js';
import { runPool, type PoolRun } from '../lib/pool.js';
import { compare, markdownTable, writeResult } from '../lib/results.js';
import { logFile } from '../lib/service-process.js';
import { percentile } from '../lib/stats.js';
import { watchConsumerBacklogs } from './backlog.js';
import { JOURNEY_STEPS, timedHomeCareJourney, type JourneyStep } from './breakdown.js';
import { benchJourney } from './scenario.js';
import { journeyShape, type JourneyShape } from './shape.js';
import { FLOOR_TASK_QUEUE, floorEventSignal, floorSearchAttributes as sa } from './floor/shared.js';
import { floorJourneyWorkflow } from './floor/workflows.js';

/**
 * Part 1: complete home-care journeys (application to payment, one month) through the real
 * services — four service processes, the journey worker, Temporal dev server and nats-server as
 * `startLocalPlatform` runs them, driven over HTTP by the end-to-end tests' journey driver — against
 * the engine floor: a workflow with the journey's signals, timer, upserts and activities (no-ops)
 * on its own task queue, in a worker process with the same options, on the same dev server.
 * Floor and journey runs alternate; each runs a fixed number of items with a fixed number in flight.
 * With `--cluster`, all of it on the production topology instead (`startClusterPlatform`, ADR 0025):
 * the floor's worker is one process beside the platform's two journey workers.
 */
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string', default: '3' },
    journeys: { type: 'string', description: 'journeys per run' },
    concurrency: { type: 'string', default: '20' },
    'floor-multiple': { type: 'string', default: '2', description: 'floor workflows per run, as a multiple of journeys per run' },
    'max-activities': { type: 'string', default: '100' },
    'max-workflow-tasks': { type: 'string', default: '40' },
    'workflow-threads': { type: 'string', default: '1', description: 'both workers’ threads for workflow code (WORKER_WORKFLOW_THREADS, default 1 as the SDK’s)' },
    'max-cached-workflows': { type: 'string', default: '0', description: 'both workers’ sticky cache (the journey worker runs without one, ADR 0035; the SDK’s default is larger)' },
    'workflow-stack-traces': { type: 'boolean', default: false, description: 'both workers keep a stack per workflow promise for the stack-trace query (the journey worker does not by default, ADR 0052; the SDK does)' },
    'bridge-concurrency': { type: 'string', description: 'BRIDGE_CONCURRENCY of the journey bridge (product default 32; 1 = one event at a time)' },
    'log-level': { type: 'string', default: 'info' },
    'temporal-pragma': { type: 'string', multiple: true, default: [] },
    only: { type: 'string', description: 'floor or journey: one side alone, for tuning (no ratio)' },
    breakdown: { type: 'boolean', default: false, description: 'time each step of the journeys (diagnostic)' },
    cluster: {
      type: 'boolean',
      default: false,
      description: "on the production topology (npm run start:cluster's, ADR 0025: Temporal server on PostgreSQL, three NATS nodes, two replicas of each service, two workers) instead of the development one",
    },
  },
});
const reps = Number(args.reps);
const journeys = Number(args.journeys ?? (args.quick ? 20 : 40));
const concurrency = Number(args.concurrency);
const floorCount = journeys * Number(args['floor-multiple']);
// The journey worker's defaults (services/workflows/src/config.ts), set explicitly for both workers.
const workerEnv = {
  WORKER_MAX_CONCURRENT_ACTIVITIES: args['max-activities']!,
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: args['max-workflow-tasks']!,
  WORKER_MAX_CACHED_WORKFLOWS: args['max-cached-workflows']!,
  WORKER_WORKFLOW_THREADS: args['workflow-threads']!,
  WORKER_WORKFLOW_STACK_TRACES: String(args['workflow-stack-traces']),
};
const pragmas = args['temporal-pragma']!;
if (reps < 3) throw new Error('at least three repetitions: every figure is a median with its spread');
if (args.cluster && pragmas.length > 0) throw new Error("--temporal-pragma sets the dev server's SQLite; the cluster's Temporal server runs on PostgreSQL");
const topology = args.cluster ? 'cluster' : 'dev';

const stops: Array<() => Promise<unknown>> = [];
try {
  if (pragmas.length > 0) stops.push(useTemporalPragmas(pragmas));
  const out = createWriteStream(logFile('journeys-platform'), { flags: 'w' });
  stops.push(async () => out.end());
  console.error(`starting the platform (${topology} topology)…`);
  const common = {
    logLevel: args['log-level'] as 'info',
    log: (source: string, line: string) => out.write(`[${source}] ${line}\n`),
    env: { ...workerEnv, ...(args['bridge-concurrency'] ? { BRIDGE_CONCURRENCY: args['bridge-concurrency'] } : {}) },
  };
  // The cluster's setup registers the search attributes in its namespace; the dev server takes them at start.
  const platform = args.cluster ? await startClusterPlatform(common) : await startLocalPlatform({ ...common, searchAttributes: SEARCH_ATTRIBUTE_TYPES });
  stops.unshift(() => platform.stop());
  await loadDemoData(platform.urls, platform.auth);

  const floorWorker = new Child('floor-worker', new URL('./floor/worker.ts', import.meta.url), {
    env: { TEMPORAL_ADDRESS: platform.temporal.address, TEMPORAL_NAMESPACE: platform.temporal.namespace, ...workerEnv },
  });
  stops.unshift(() => floorWorker.stop());
  await floorWorker.next('ready', 180_000);
  const connection = await Connection.connect({ address: platform.temporal.address });
  stops.unshift(() => connection.close());
  const client = new Client({ connection, namespace: platform.temporal.namespace });

  let journeyNo = 0;
  const timings = Object.fromEntries(JOURNEY_STEPS.map((s) => [s, [] as number[]])) as Record<JourneyStep, number[]>;
  let lastApplicationId = '';
  const journey = async () => {
    if (args.breakdown) {
      lastApplicationId = await timedHomeCareJourney(platform, benchJourney(journeyNo++), timings);
      return;
    }
    const result = await runHomeCareJourney(platform, benchJourney(journeyNo++));
    if (!(result.settled.paymentOre > 0)) throw new Error(`journey ${result.applicationId} settled without a payment`);
    lastApplicationId = result.applicationId;
  };
  const runId = randomUUID().slice(0, 8);
  let floorNo = 0;
  const floorOf = (shape: JourneyShape) => async () => {
    const customerId = randomUUID();
    const event = (step: number) => ({ eventId: randomUUID(), step });
    const handle = await client.workflow.signalWithStart(floorJourneyWorkflow, {
      workflowId: `floor-${runId}-${floorNo++}`,
      taskQueue: FLOOR_TASK_QUEUE,
      args: [{ shape: { signals: shape.signals, afterSignal: shape.afterSignal } }],
      signal: floorEventSignal,
      signalArgs: [event(0)],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: sa.area, value: 'home-care' },
        { key: sa.customer, value: customerId },
        { key: sa.municipality, value: 'nacka' },
        { key: sa.stage, value: 'application-received' },
      ],
    });
    for (let step = 1; step < shape.signals; step++) await handle.signal(floorEventSignal, event(step));
    await handle.result();
  };

  const backlogs = args.breakdown ? await watchConsumerBacklogs(platform.nats.url) : undefined;
  console.error('warming up…');
  await runPool(3, 3, journey);
  // The floor mirrors what a journey actually did, read from the last warm-up journey's history.
  const shape = await journeyShape(client.workflow.getHandle(journeyWorkflowId(lastApplicationId)));
  const floor = floorOf(shape);
  console.error(`journey shape: ${shape.signals} signals, ${JSON.stringify(shape.counts)}; after each signal: ${shape.afterSignal.map((c) => c || '-').join(' ')}`);
  for (const failure of shape.failures) console.error(`  ${failure}`);
  if (args.only !== 'journey') await runPool(Math.min(floorCount, 40), concurrency, floor);

  const runs: Array<{ rep: number; kind: 'journey' | 'floor'; result: Omit<PoolRun, 'latenciesMs'> & { p50Ms: number; p99Ms: number } }> = [];
  for (let rep = 1; rep <= reps; rep++) {
    const order = rep % 2 === 1 ? (['floor', 'journey'] as const) : (['journey', 'floor'] as const);
    for (const kind of order.filter((k) => !args.only || k === args.only)) {
      const run = kind === 'journey' ? await runPool(journeys, concurrency, journey) : await runPool(floorCount, concurrency, floor);
      const { latenciesMs, ...rest } = run;
      const result = { ...rest, p50Ms: percentile(latenciesMs, 50), p99Ms: percentile(latenciesMs, 99) };
      runs.push({ rep, kind, result });
      console.error(`rep ${rep} ${kind.padEnd(7)} ${result.perSecond.toFixed(2).padStart(7)} /s  p50 ${result.p50Ms.toFixed(0)} ms  p99 ${result.p99Ms.toFixed(0)} ms  (${run.total} in ${(run.wallMs / 1000).toFixed(1)} s)`);
    }
  }

  const peakBacklogs = await backlogs?.stop();
  const breakdown = args.breakdown
    ? {
        steps: Object.fromEntries(JOURNEY_STEPS.map((step) => [step, { p50Ms: percentile(timings[step], 50), p99Ms: percentile(timings[step], 99), meanMs: timings[step].reduce((a, b) => a + b, 0) / timings[step].length }])),
        peakConsumerBacklogs: peakBacklogs,
      }
    : undefined;
  if (breakdown) {
    console.error('journey steps (all runs, warm-up included): p50 / p99 / mean ms');
    for (const [step, t] of Object.entries(breakdown.steps)) console.error(`  ${step.padEnd(14)} ${t.p50Ms.toFixed(0).padStart(6)} ${t.p99Ms.toFixed(0).padStart(6)} ${t.meanMs.toFixed(0).padStart(6)}`);
    console.error(`peak backlog per event consumer: ${JSON.stringify(peakBacklogs)}`);
  }
  if (args.only) {
    console.log(`results: ${writeResult('journeys', { options: { topology, reps, journeys, floorCount, concurrency, workerEnv, temporalPragmas: pragmas, only: args.only }, journeyShape: shape, runs, breakdown })}`);
  } else {
    reportComparison();
  }

  function reportComparison() {
    const of = (kind: string, pick: (r: (typeof runs)[number]['result']) => number) => runs.filter((r) => r.kind === kind).sort((a, b) => a.rep - b.rep).map((r) => pick(r.result));
    const rows = [
      compare('throughput', 'completed/s', of('journey', (r) => r.perSecond), of('floor', (r) => r.perSecond)),
      compare('application to payment p50', 'ms', of('journey', (r) => r.p50Ms), of('floor', (r) => r.p50Ms)),
      compare('application to payment p99', 'ms', of('journey', (r) => r.p99Ms), of('floor', (r) => r.p99Ms)),
    ];
    const settings = `${topology === 'cluster' ? 'cluster topology: two workers and two replicas of each service, ' : ''}${concurrency} in flight; worker ${workerEnv.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS} workflow tasks / ${workerEnv.WORKER_MAX_CONCURRENT_ACTIVITIES} activities, ${workerEnv.WORKER_MAX_CACHED_WORKFLOWS} cached workflows, ${workerEnv.WORKER_WORKFLOW_THREADS} workflow threads${pragmas.length ? `; SQLite ${pragmas.join(', ')}` : ''}`;
    const table = markdownTable(`Journeys: home-care journeys through the services against the Temporal floor (${settings})`, rows, { product: 'journeys', baseline: 'engine floor' });
    const file = writeResult('journeys', {
      options: { topology, reps, journeys, floorCount, concurrency, workerEnv, logLevel: args['log-level'], temporalPragmas: pragmas, quick: args.quick },
      summary: rows,
      journeyShape: shape,
      runs,
      breakdown,
      table,
    });
    console.log(`${table}\n\nresults: ${file}`);
  }
} finally {
  for (const stop of stops) await stop().catch((err: unknown) => console.error(err));
}

/**
 * Starts the Temporal dev server with SQLite pragmas, which `startLocalPlatform` has no option for:
 * a tools folder (KUNDVAL_TOOLS_DIR, which the launchers read) whose `temporal` adds
 * `--sqlite-pragma` to `server start-dev` and runs the pinned binary. Returns its cleanup.
 */
function useTemporalPragmas(pragmas: string[]): () => Promise<void> {
  const temporal = resolveTool('temporal');
  const natsServer = resolveTool('nats-server');
  const dir = mkdtempSync(join(tmpdir(), 'kundval-bench-tools-'));
  mkdirSync(join(dir, 'bin'));
  const flags = pragmas.map((p) => `--sqlite-pragma '${p.replace(/[^\w=.-]/g, '')}'`).join(' ');
  writeFileSync(
    join(dir, 'bin', 'temporal'),
    `#!/usr/bin/env bash\nif [ "$1" = server ] && [ "$2" = start-dev ]; then exec '${temporal}' "$@" ${flags}; fi\nexec '${temporal}' "$@"\n`,
  );
  chmodSync(join(dir, 'bin', 'temporal'), 0o755);
  symlinkSync(natsServer, join(dir, 'bin', 'nats-server'));
  const previous = process.env['KUNDVAL_TOOLS_DIR'];
  process.env['KUNDVAL_TOOLS_DIR'] = dir;
  return async () => {
    if (previous === undefined) delete process.env['KUNDVAL_TOOLS_DIR'];
    else process.env['KUNDVAL_TOOLS_DIR'] = previous;
    rmSync(dir, { recursive: true, force: true });
  };
}
